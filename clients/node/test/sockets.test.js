'use strict';

const { it } = require('node:test');
const assert = require('node:assert/strict');
const { resolveSockets } = require('..');

it('an explicit stateDir wins over BANGER_STATE_DIR', () => {
  const s = resolveSockets({ stateDir: '/tmp/a' }, { BANGER_STATE_DIR: '/tmp/b' });
  assert.deepEqual(s, {
    vm: '/tmp/a/run/vm.sock',
    image: '/tmp/a/run/image.sock',
    net: '/tmp/a/run/net.sock',
    disk: '/tmp/a/run/disk.sock',
  });
});

it('BANGER_STATE_DIR, then the production sockets', () => {
  assert.equal(resolveSockets({}, { BANGER_STATE_DIR: '/srv/st' }).vm, '/srv/st/run/vm.sock');
  assert.equal(resolveSockets({}, { BANGER_STATE_DIR: '  ' }).vm, '/run/banger/vm.sock');
  assert.equal(resolveSockets({}, {}).image, '/run/banger/image.sock');
});

it('socketDir names the socket directory itself; relative paths resolve', () => {
  assert.equal(resolveSockets({ socketDir: '/run/other' }, {}).disk, '/run/other/disk.sock');
  assert.equal(resolveSockets({ stateDir: 'rel' }, {}).vm, `${process.cwd()}/rel/run/vm.sock`);
  assert.throws(() => resolveSockets({ stateDir: '/a', socketDir: '/b' }, {}), /not both/);
});
