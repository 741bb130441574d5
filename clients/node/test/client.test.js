'use strict';
// The thin API against the fake vm-service on a real Unix socket (test/fake-server.js).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const banger = require('..');
const { startFake, FLOOD_BYTES, MiB } = require('./fake-server');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, what) {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('against a fake vm-service', () => {
  let fake;
  let c;
  let vm;

  before(async () => {
    fake = await startFake();
    c = banger.connect({ stateDir: fake.dir });
  });

  after(async () => {
    c.close();
    await fake.close();
  });

  it('create reports each progress event, then resolves the Vm', async () => {
    const seen = [];
    vm = await c.vms.create({ name: 'demo', spec: { vcpu: 2, workDiskBytes: '8589934592' } }, { onProgress: (p) => seen.push(p) });
    assert.equal(vm.name, 'demo');
    assert.equal(vm.state, 'running');
    assert.equal(vm.ipAddress, '172.16.0.2');
    assert.equal(vm.image, 'debian-bookworm');
    assert.match(vm.id, /^[0-9a-f-]{36}$/);
    assert.equal(vm.raw.state, 'VM_STATE_RUNNING');
    assert.equal(vm.raw.spec.vcpu, 2);
    assert.equal(vm.raw.spec.workDiskBytes, '8589934592');
    assert.deepEqual(
      seen.map((p) => [p.stage, p.stageIndex, p.stageCount, p.percent, p.bytesDone, p.bytesTotal, p.operationId]),
      [
        ['resolve-image', 1, 2, 50, 1000, 2000, 'op-1'],
        ['boot', 2, 2, 100, 2000, 2000, 'op-1'],
      ],
    );
    assert.equal(seen[0].time.toISOString(), '2023-11-14T22:13:20.000Z');
    assert.equal(seen[0].toolOutput, false);
  });

  it('createStream yields progress events then the vm', async () => {
    const kinds = [];
    let made;
    for await (const ev of c.vms.createStream({ name: 'demo2', noStart: true })) {
      kinds.push(Object.keys(ev)[0]);
      if (ev.vm) made = ev.vm;
    }
    assert.deepEqual(kinds, ['progress', 'progress', 'vm']);
    assert.equal(made.state, 'created');
    assert.ok(made instanceof banger.Vm);
  });

  it('leaving createStream early cancels the call', async () => {
    for await (const ev of c.vms.createStream({ name: 'slow' })) {
      assert.ok(ev.progress);
      break;
    }
    await until(() => fake.state.cancelled.includes('CreateVm slow'), 'the server to see the cancel');
  });

  it('a failure mid-stream rejects create with the ErrorInfo', async () => {
    const err = await c.vms.create({ name: 'doomed' }).then(() => null, (e) => e);
    assert.ok(err instanceof banger.BangerError);
    assert.equal(err.codeName, 'RESOURCE_EXHAUSTED');
    assert.equal(err.reason, 'IP_POOL_EXHAUSTED');
    assert.deepEqual(err.metadata, { pool: 'default' });
    assert.equal(err.message, 'no IP left');
  });

  it('get and list return Vm objects; list follows pages and filters by state', async () => {
    const same = await c.vms.get('demo');
    assert.equal(same.id, vm.id);
    const all = await c.vms.list();
    assert.deepEqual(all.map((v) => v.name).sort(), ['demo', 'demo2']);
    const running = await c.vms.list({ state: 'running' });
    assert.deepEqual(running.map((v) => v.name), ['demo']);
  });

  it('an unknown VM rejects with NOT_FOUND and the decoded ErrorInfo', async () => {
    const err = await c.vms.get('nope').then(() => null, (e) => e);
    assert.ok(err instanceof banger.BangerError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 5);
    assert.equal(err.code, banger.status.NOT_FOUND);
    assert.equal(err.codeName, 'NOT_FOUND');
    assert.equal(err.reason, 'VM_NOT_FOUND');
    assert.equal(err.domain, 'banger.dev');
    assert.deepEqual(err.metadata, { vm: 'nope' });
    assert.equal(err.message, 'vm "nope" not found');
    assert.equal(err.details.length, 1);
    assert.equal(err.details[0].typeUrl, 'type.googleapis.com/google.rpc.ErrorInfo');
    assert.equal(err.socket, fake.socket);
  });

  it('exec collects stdout, stderr and the exit status', async () => {
    const r = await vm.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
      env: { A: '1' },
      cwd: '/root',
      user: 'root',
      timeoutSeconds: 5,
    });
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.stderr.toString(), 'err\n');
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, '');
    const start = fake.state.execStarts.at(-1);
    assert.deepEqual(start.argv, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(start.env, { A: '1' });
    assert.equal(start.workingDir, '/root');
    assert.equal(start.user, 'root');
    assert.equal(start.timeoutSeconds, 5);
    assert.equal(start.vm, vm.id);
    assert.equal(start.shell, false);
  });

  it('exec sends stdin in chunks of at most 1 MiB, then end of file', async () => {
    fake.state.stdinChunks.length = 0;
    const input = crypto.randomBytes(3 * MiB + 5);
    const r = await vm.exec(['cat'], { stdin: input });
    assert.ok(r.stdout.equals(input));
    assert.deepEqual(fake.state.stdinChunks, [MiB, MiB, MiB, 5]);
    const text = await vm.exec(['cat'], { stdin: Readable.from(['a', 'b', Buffer.from('c')]) });
    assert.equal(text.stdout.toString(), 'abc');
    assert.equal((await vm.exec('cat', { stdin: 'héllo', shell: true })).stdout.toString(), 'héllo');
  });

  it('exec reports a signal, and a stream with no exit is an error', async () => {
    assert.deepEqual(await vm.exec(['killed']), { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0, signal: 'KILL' });
    const err = await vm.exec(['noexit']).then(() => null, (e) => e);
    assert.equal(err.reason, 'NO_EXIT');
  });

  it('execStream follows a slow consumer and counts every byte', async () => {
    let received = 0;
    let exit = null;
    let maxAhead = 0;
    for await (const ev of vm.execStream(['flood'])) {
      if (ev.stdout) {
        received += ev.stdout.length;
        if (received === ev.stdout.length) await sleep(500); // stall after the first chunk
        if (received % MiB === 0) {
          maxAhead = Math.max(maxAhead, fake.state.floodSent - received);
          await sleep(10);
        }
      } else if (ev.exit) {
        exit = ev.exit;
      }
    }
    assert.equal(received, FLOOD_BYTES);
    assert.deepEqual(exit, { exitCode: 0, signal: '' });
    // HTTP/2 and socket buffers hold a few MiB at most; reading ahead would let it run to 20 MiB.
    assert.ok(maxAhead < 8 * MiB, `the server ran ${maxAhead} bytes ahead of the reader`);
  });

  it('execStream holds the server back while the consumer waits, and break cancels', async () => {
    fake.state.floodSent = 0;
    const it = vm.execStream(['flood'])[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.value.stdout.length, 64 * 1024);
    await sleep(500);
    assert.ok(fake.state.floodSent < 8 * MiB, `sent ${fake.state.floodSent} bytes to a reader that took 64 KiB`);
    await it.return();
    await until(() => fake.state.cancelled.includes('Exec'), 'the server to see the cancel');
  });

  it("an UNAVAILABLE the service sent keeps its own words and reason", async () => {
    const err = await vm.exec(['unreachable']).then(() => null, (e) => e);
    assert.equal(err.codeName, 'UNAVAILABLE');
    assert.equal(err.reason, 'GUEST_UNREACHABLE');
    assert.equal(err.message, 'guest 172.16.0.2:22 refused SSH');
  });

  it('exec on an unknown VM rejects with VM_NOT_FOUND', async () => {
    const ghost = new banger.Vm(c, { name: 'ghost' });
    const err = await ghost.exec(['true']).then(() => null, (e) => e);
    assert.equal(err.reason, 'VM_NOT_FOUND');
  });

  it('putFile then getFile round-trips the bytes through one tar entry', async () => {
    fake.state.putChunks.length = 0;
    const data = crypto.randomBytes(2 * MiB + 123);
    const res = await vm.putFile('/root/sub/blob', data, { mode: 0o600 });
    assert.deepEqual(res, { entries: 1, contentBytes: data.length });
    assert.ok(fake.state.putChunks.every((n) => n <= MiB));
    const stored = fake.state.files.get('/root/sub/blob');
    assert.equal(stored.subarray(0, 5).toString(), 'blob\0');
    assert.equal(stored.subarray(100, 107).toString(), '0000600');
    assert.equal(stored.length % 512, 0);
    const back = await vm.getFile('/root/sub/blob');
    assert.ok(back.equals(data));
    await vm.putFile('/root/hello.txt', 'hi there');
    assert.equal((await vm.getFile('/root/hello.txt')).toString(), 'hi there');
  });

  it('getFile refuses a directory, and a missing path is PATH_NOT_FOUND', async () => {
    const dirTar = Buffer.concat([
      banger.tar.fileHeader('x', 0), // replaced below by a directory header
      Buffer.alloc(1024),
    ]);
    dirTar[156] = '5'.charCodeAt(0);
    dirTar.write('root\0', 0, 'latin1');
    dirTar.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of dirTar.subarray(0, 512)) sum += b;
    dirTar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    fake.putTar('/root', dirTar);
    const err = await vm.getFile('/root').then(() => null, (e) => e);
    assert.equal(err.codeName, 'FAILED_PRECONDITION');
    assert.equal(err.reason, 'NOT_A_FILE');
    assert.match(err.message, /\/root is a directory/);
    const missing = await vm.getFile('/nope').then(() => null, (e) => e);
    assert.equal(missing.reason, 'PATH_NOT_FOUND');
    const relative = await vm.getFile('rel').then(() => null, (e) => e);
    assert.equal(relative.codeName, 'INVALID_ARGUMENT');
  });

  it('putFile refuses a basename over 100 bytes before calling', async () => {
    const err = await vm.putFile(`/root/${'n'.repeat(101)}`, 'x').then(() => null, (e) => e);
    assert.ok(err instanceof banger.BangerError);
    assert.equal(err.reason, 'NAME_TOO_LONG');
    assert.match(err.message, /101 bytes/);
  });

  it('pause and resume update the Vm', async () => {
    await vm.pause();
    assert.equal(vm.state, 'paused');
    await vm.resume();
    assert.equal(vm.state, 'running');
  });

  it('stop and start update the Vm; delete needs force while running', async () => {
    await vm.stop();
    assert.equal(vm.state, 'stopped');
    const events = [];
    await vm.start({ onProgress: (p) => events.push(p.stage) });
    assert.equal(vm.state, 'running');
    assert.deepEqual(events, ['boot']);
    const refused = await vm.delete().then(() => null, (e) => e);
    assert.equal(refused.reason, 'VM_WRONG_STATE');
    await vm.delete({ force: true });
    const gone = await c.vms.get('demo').then(() => null, (e) => e);
    assert.equal(gone.reason, 'VM_NOT_FOUND');
  });

  it('health checks the service on its socket', async () => {
    assert.equal(await c.health('vm'), 'SERVING');
    const err = await c.health('image').then(() => null, (e) => e);
    assert.equal(err.codeName, 'UNAVAILABLE');
    assert.match(err.message, /image-service is not running \(nothing listens on .*image\.sock\)/);
  });

  it('raw clients reach every method; BangerError.from decodes their errors', async () => {
    const err = await new Promise((resolve) => c.raw.operations.GetOperation({ id: 'op-9' }, (e) => resolve(e)));
    const be = banger.BangerError.from(err);
    assert.equal(be.reason, 'OPERATION_NOT_FOUND');
    assert.deepEqual(be.metadata, { operation: 'op-9' });
    const res = await new Promise((resolve, reject) =>
      c.raw.vm.ListVms({}, (e, r) => (e ? reject(e) : resolve(r))),
    );
    assert.equal(res.vms.length, 1);
    assert.equal(c.raw.operationsOn('vm'), c.raw.operations);
  });
});

describe('connection failures', () => {
  it('a missing state directory rejects with UNAVAILABLE naming the socket', async () => {
    const c = banger.connect({ stateDir: '/nonexistent/banger' });
    try {
      const err = await c.vms.list().then(() => null, (e) => e);
      assert.ok(err instanceof banger.BangerError);
      assert.equal(err.code, 14);
      assert.equal(err.reason, '');
      assert.equal(err.message, 'vm-service is not running (nothing listens on /nonexistent/banger/run/vm.sock)');
      const execErr = await new banger.Vm(c, { name: 'x' }).exec(['true']).then(() => null, (e) => e);
      assert.equal(execErr.codeName, 'UNAVAILABLE');
    } finally {
      c.close();
    }
  });

  it('a socket path nothing listens on says so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bngr-'));
    fs.mkdirSync(path.join(dir, 'run'));
    fs.writeFileSync(path.join(dir, 'run', 'vm.sock'), ''); // a stale path, no listener
    const c = banger.connect({ stateDir: dir });
    try {
      const err = await c.vms.get('x').then(() => null, (e) => e);
      assert.equal(err.message, `vm-service is not running (nothing listens on ${dir}/run/vm.sock)`);
    } finally {
      c.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls on a closed client throw', () => {
    const c = banger.connect({ stateDir: '/nonexistent' });
    c.close();
    assert.throws(() => c.raw.vm, /closed/);
  });
});
