'use strict';
// examples/demo.js as a user runs it, against the fake vm-service.

const { it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startFake } = require('./fake-server');

const DEMO = path.join(__dirname, '..', 'examples', 'demo.js');

function run(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

it('demo.js prints each step and deletes the VM', async () => {
  const fake = await startFake();
  try {
    const r = await run(['--state-dir', fake.dir, '--name', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'created demo state=running');
    assert.equal(lines[1], 'exec stdout="out\\n" stderr="err\\n" exit=3');
    assert.equal(lines[2], 'files identical=true bytes=1048576');
    assert.match(lines[3], /^flood bytes=100000000 exit=0 ms=\d+$/);
    assert.equal(lines[4], 'error code=NOT_FOUND reason=VM_NOT_FOUND');
    assert.equal(lines[5], 'deleted');
    assert.match(r.stderr, /progress \[1\/2\] resolve-image: doing resolve-image 50%/);
    assert.equal(fake.state.vms.size, 0);
  } finally {
    await fake.close();
  }
});

it('demo.js exits non-zero with the reason when the stack is not there', async () => {
  const r = await run(['--state-dir', '/nonexistent/banger', '--name', 'demo']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /demo: failed: vm-service is not running \(nothing listens on \/nonexistent\/banger\/run\/vm\.sock\) \(reason=- code=UNAVAILABLE\)/);
});
