'use strict';
// A fake vm-service for the tests: grpc-js on DIR/run/vm.sock, the layout bangerd --all
// --state-dir DIR makes. It answers errors the way service-kit's Errors does (a google.rpc.Status
// with an ErrorInfo in grpc-status-details-bin) and records what it was sent, for the asserts.
// (node --test loads this file as a test file too; it defines no tests and starts nothing.)

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const { services, statusTypes } = require('../lib/proto');

const MiB = 1024 * 1024;
const FLOOD_BYTES = 20 * MiB;
const FLOOD_CHUNK = 64 * 1024;

/** A status as service-kit's Errors.of makes it. */
function bangerStatus(codeName, message, reason, metadata = {}) {
  const { root, Status } = statusTypes();
  const ErrorInfo = root.lookupType('google.rpc.ErrorInfo');
  const info = ErrorInfo.encode(ErrorInfo.create({ reason, domain: 'banger.dev', metadata })).finish();
  const code = grpc.status[codeName];
  const status = Status.encode(
    Status.create({ code, message, details: [{ type_url: 'type.googleapis.com/google.rpc.ErrorInfo', value: info }] }),
  ).finish();
  const md = new grpc.Metadata();
  md.set('grpc-status-details-bin', Buffer.from(status));
  return { code, details: message, metadata: md };
}

/** Writes at the transport's pace (as vm-service does with isReady); false once cancelled. */
async function send(call, msg) {
  if (call.cancelled) return false;
  if (!call.write(msg)) {
    await new Promise((resolve) => {
      const done = () => {
        call.off('drain', done);
        call.off('cancelled', done);
        resolve();
      };
      call.on('drain', done);
      call.on('cancelled', done);
    });
  }
  return !call.cancelled;
}

function progress(stage, i, n) {
  return {
    operationId: 'op-1',
    stage,
    message: `doing ${stage}`,
    bytesDone: String(i * 1000),
    bytesTotal: '2000',
    percent: (100 * i) / n,
    stageIndex: i,
    stageCount: n,
    time: { seconds: '1700000000', nanos: 0 },
  };
}

async function startFake() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bngr-'));
  fs.mkdirSync(path.join(dir, 'run'));
  const socket = path.join(dir, 'run', 'vm.sock');
  const state = {
    vms: new Map(),
    files: new Map(), // absolute path -> the tar bytes PutFiles was sent
    execStarts: [],
    stdinChunks: [],
    putChunks: [],
    floodSent: 0,
    cancelled: [],
  };
  const find = (ref) => [...state.vms.values()].find((v) => v.name === ref || v.id === ref);
  const notFound = (ref) => bangerStatus('NOT_FOUND', `vm "${ref}" not found`, 'VM_NOT_FOUND', { vm: ref });

  const vmService = {
    async CreateVm(call) {
      const req = call.request;
      if (req.name === 'doomed') {
        await send(call, { progress: progress('resolve-image', 1, 2) });
        call.emit('error', bangerStatus('RESOURCE_EXHAUSTED', 'no IP left', 'IP_POOL_EXHAUSTED', { pool: 'default' }));
        return;
      }
      call.on('cancelled', () => state.cancelled.push(`CreateVm ${req.name}`));
      for (const [i, stage] of [[1, 'resolve-image'], [2, 'boot']]) {
        if (req.name === 'slow') await new Promise((r) => setTimeout(r, 200));
        if (!(await send(call, { progress: progress(stage, i, 2) }))) return;
      }
      const vm = {
        id: crypto.randomUUID(),
        name: req.name || 'brave-otter',
        image: req.image || 'debian-bookworm',
        state: req.noStart ? 'VM_STATE_CREATED' : 'VM_STATE_RUNNING',
        ipAddress: '172.16.0.2',
        spec: req.spec,
      };
      state.vms.set(vm.id, vm);
      await send(call, { vm });
      call.end();
    },
    GetVm(call, cb) {
      const vm = find(call.request.vm);
      cb(vm ? null : notFound(call.request.vm), vm ? { vm } : undefined);
    },
    ListVms(call, cb) {
      // Pages of one, to exercise the client's paging.
      const all = [...state.vms.values()].filter(
        (v) => call.request.state === 'VM_STATE_UNSPECIFIED' || v.state === call.request.state,
      );
      const at = Number(call.request.pageToken || 0);
      cb(null, { vms: all.slice(at, at + 1), nextPageToken: at + 1 < all.length ? String(at + 1) : '' });
    },
    DeleteVm(call, cb) {
      const vm = find(call.request.vm);
      if (!vm) return cb(notFound(call.request.vm));
      if (vm.state === 'VM_STATE_RUNNING' && !call.request.force) {
        return cb(bangerStatus('FAILED_PRECONDITION', `vm "${vm.name}" is running`, 'VM_WRONG_STATE', { state: 'running' }));
      }
      state.vms.delete(vm.id);
      cb(null, {});
    },
    PauseVm(call, cb) {
      const vm = find(call.request.vm);
      if (!vm) return cb(notFound(call.request.vm));
      vm.state = 'VM_STATE_PAUSED';
      cb(null, { vm });
    },
    ResumeVm(call, cb) {
      const vm = find(call.request.vm);
      if (!vm) return cb(notFound(call.request.vm));
      vm.state = 'VM_STATE_RUNNING';
      cb(null, { vm });
    },
    StopVm(call, cb) {
      const vm = find(call.request.vm);
      if (!vm) return cb(notFound(call.request.vm));
      vm.state = 'VM_STATE_STOPPED';
      cb(null, { vm });
    },
    async StartVm(call) {
      const vm = find(call.request.vm);
      if (!vm) return call.emit('error', notFound(call.request.vm));
      await send(call, { progress: progress('boot', 1, 1) });
      vm.state = 'VM_STATE_RUNNING';
      await send(call, { vm });
      call.end();
    },
    Exec(call) {
      let mode = null;
      call.on('cancelled', () => state.cancelled.push('Exec'));
      call.on('error', () => {});
      const exit = async (exitCode, signal = '') => {
        await send(call, { exit: { exitCode, signal } });
        call.end();
      };
      call.on('data', async (req) => {
        if (mode === null) {
          state.execStarts.push(req.start);
          if (!find(req.start.vm)) return call.emit('error', notFound(req.start.vm));
          mode = req.start.argv[0];
          if (mode === 'cat') return; // echoes stdin until close_stdin
          if (mode === 'noexit') return call.end();
          if (mode === 'killed') return exit(0, 'KILL');
          if (mode === 'unreachable') {
            return call.emit('error', bangerStatus('UNAVAILABLE', 'guest 172.16.0.2:22 refused SSH', 'GUEST_UNREACHABLE', { vm: 'demo' }));
          }
          if (mode === 'flood' || mode === 'head') {
            // flood: 20 MiB of 'z'; head -c N /dev/zero: N zero bytes, as the demo asks for.
            const total = mode === 'flood' ? FLOOD_BYTES : Number(req.start.argv[2]);
            const chunk = Buffer.alloc(FLOOD_CHUNK, mode === 'flood' ? 0x7a : 0);
            for (let sent = 0; sent < total; sent += chunk.length) {
              const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
              if (!(await send(call, { stdout: piece }))) return;
              state.floodSent = sent + piece.length;
            }
            return exit(0);
          }
          await send(call, { stdout: Buffer.from('out\n') });
          await send(call, { stderr: Buffer.from('err\n') });
          return exit(3);
        }
        if (mode !== 'cat') return;
        if (req.kind === 'stdin') {
          state.stdinChunks.push(req.stdin.length);
          call.write({ stdout: req.stdin });
        } else if (req.kind === 'closeStdin') {
          exit(0);
        }
      });
    },
    PutFiles(call, cb) {
      let start = null;
      const parts = [];
      call.on('data', (req) => {
        if (start === null) start = req.start;
        else {
          state.putChunks.push(req.tar.length);
          parts.push(req.tar);
        }
      });
      call.on('end', () => {
        const tarBytes = Buffer.concat(parts);
        // The entry's name straight from the header bytes: no use of the client's tar reader.
        const name = tarBytes.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
        state.files.set(path.posix.join(start.directory, name), tarBytes);
        cb(null, { entries: '1', contentBytes: String(parseInt(tarBytes.subarray(124, 136).toString(), 8)) });
      });
    },
    async GetFiles(call) {
      const tarBytes = state.files.get(call.request.path);
      if (!tarBytes) {
        return call.emit('error', bangerStatus('NOT_FOUND', `no ${call.request.path} in the VM`, 'PATH_NOT_FOUND', { path: call.request.path }));
      }
      // Odd-sized chunks, so the client must reassemble across message boundaries.
      for (let off = 0; off < tarBytes.length; off += 100_000) {
        if (!(await send(call, { tar: tarBytes.subarray(off, off + 100_000) }))) return;
      }
      call.end();
    },
  };

  const s = services();
  const server = new grpc.Server();
  server.addService(s.banger.vm.v1.VmService.service, vmService);
  server.addService(s.grpc.health.v1.Health.service, {
    Check(call, cb) {
      if (call.request.service === 'banger.vm.v1.VmService') cb(null, { status: 'SERVING' });
      else cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
    },
  });
  server.addService(s.banger.common.v1.OperationsService.service, {
    GetOperation(call, cb) {
      cb(bangerStatus('NOT_FOUND', `operation "${call.request.id}" not found`, 'OPERATION_NOT_FOUND', { operation: call.request.id }));
    },
  });
  await new Promise((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    dir,
    socket,
    state,
    /** Stores a tar as if the guest had it at `p` (a directory tar, a GNU long-name one...). */
    putTar(p, bytes) {
      state.files.set(p, bytes);
    },
    async close() {
      server.forceShutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startFake, bangerStatus, FLOOD_BYTES, FLOOD_CHUNK, MiB };
