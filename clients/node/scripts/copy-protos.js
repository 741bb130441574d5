'use strict';
// prepack: copies banger's protos (and the vendored google.rpc and grpc.health ones) into
// <package>/proto so a packed tarball is self-contained. postpack (--remove) deletes the copy
// again, so a checkout keeps reading the repository's live protos instead of a stale copy.

const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const dest = path.join(pkg, 'proto');
const repoProto = path.join(pkg, '..', '..', 'proto');

if (process.argv.includes('--remove')) {
  fs.rmSync(dest, { recursive: true, force: true });
  process.exit(0);
}

const sources = [
  [path.join(repoProto, 'src', 'main', 'proto', 'banger'), path.join(dest, 'banger')],
  [path.join(repoProto, 'vendor', 'google', 'rpc'), path.join(dest, 'google', 'rpc')],
  [path.join(repoProto, 'vendor', 'grpc', 'health'), path.join(dest, 'grpc', 'health')],
];

for (const [from] of sources) {
  if (!fs.existsSync(from)) {
    console.error(`copy-protos: ${from} is missing; pack from a banger checkout`);
    process.exit(1);
  }
}
fs.rmSync(dest, { recursive: true, force: true });
let count = 0;
for (const [from, to] of sources) {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.proto'),
  });
  count += fs.readdirSync(to, { recursive: true }).filter((f) => String(f).endsWith('.proto')).length;
}
console.error(`copy-protos: ${count} .proto files into ${path.relative(process.cwd(), dest) || dest}`);
