'use strict';
// Loads banger's .proto files at run time (no generated code to keep in step with the repo).
// A packed tarball carries its own copy in <package>/proto (made by scripts/copy-protos.js at
// prepack); a checkout of the repository uses the repo's protos directly, so editing a .proto
// and re-running needs no copy step.

const fs = require('node:fs');
const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');

const PACKAGE_ROOT = path.join(__dirname, '..');
const REPO_PROTO = path.join(PACKAGE_ROOT, '..', '..', 'proto');

const FILES = [
  'banger/common/v1/common.proto',
  'banger/vm/v1/vm.proto',
  'banger/vm/v1/snapshot.proto',
  'banger/image/v1/image.proto',
  'banger/net/v1/net.proto',
  'banger/disk/v1/disk.proto',
  'grpc/health/v1/health.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
];

// longs as strings: a uint64 above 2^53 stays exact in raw messages (the thin API turns the
// sizes it returns into numbers). enums as names, defaults filled in, and oneofs name the set
// field (msg.kind === 'stdout'), which is how the thin API tells stream events apart.
const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The include directories: the bundled copy when packed, else the repository's. */
function protoDirs() {
  const own = path.join(PACKAGE_ROOT, 'proto');
  if (fs.existsSync(path.join(own, 'banger', 'vm', 'v1', 'vm.proto'))) {
    return [own];
  }
  const src = path.join(REPO_PROTO, 'src', 'main', 'proto');
  const vendor = path.join(REPO_PROTO, 'vendor');
  if (fs.existsSync(path.join(src, 'banger', 'vm', 'v1', 'vm.proto'))) {
    return [src, vendor];
  }
  throw new Error(
    `@banger/client: no .proto files found: neither ${own} (a packed package) nor ${src} ` +
      '(a banger checkout). Install from `npm pack` output or run from the repository.',
  );
}

let loaded = null;

/** grpc-js service constructors for every banger service, loaded once per process. */
function services() {
  if (!loaded) {
    const definition = protoLoader.loadSync(FILES, { ...LOADER_OPTIONS, includeDirs: protoDirs() });
    loaded = grpc.loadPackageDefinition(definition);
  }
  return loaded;
}

let status = null;

/**
 * protobufjs types for decoding grpc-status-details-bin. grpc-js does not decode status details,
 * and proto-loader's definitions carry descriptors, not decoders, so we load these two files
 * into a protobufjs Root of our own (well-known google/protobuf types are bundled with it).
 */
function statusTypes() {
  if (!status) {
    const dirs = protoDirs();
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => {
      for (const d of dirs) {
        const p = path.join(d, target);
        if (fs.existsSync(p)) return p;
      }
      return protobuf.util.path.resolve(origin, target);
    };
    root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
    root.resolveAll();
    status = { root, Status: root.lookupType('google.rpc.Status') };
  }
  return status;
}

module.exports = { services, statusTypes, protoDirs, FILES };
