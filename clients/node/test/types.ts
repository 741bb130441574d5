// Type-checked only (tsc --noEmit, from npm test): the whole thin API as a TypeScript user sees it.
// The @ts-expect-error lines fail the check if the types become too loose.
import * as banger from '@banger/client';
import type { ExecEvent, Progress, TarEntry } from '@banger/client';

async function everything(): Promise<void> {
  const c = banger.connect({ stateDir: '/tmp/x' });
  const sock: string = c.sockets.vm;
  const vm = await c.vms.create({ name: 'demo', spec: { vcpu: 2 } }, { onProgress: (p: Progress) => p.stage });
  for await (const ev of c.vms.createStream({ name: 'demo2' })) {
    if (ev.progress) console.log(ev.progress.percent.toFixed(0));
    else if (ev.vm) console.log(ev.vm.state);
  }
  const all: banger.Vm[] = await c.vms.list({ state: 'running' });
  const r = await vm.exec(['sh', '-c', 'exit 3'], { stdin: 'x', env: { A: '1' }, cwd: '/root', timeoutSeconds: 1 });
  const code: number = r.exitCode;
  const out: Buffer = r.stdout;
  for await (const ev of vm.execStream(['cat'], { stdin: process.stdin })) {
    const e: ExecEvent = ev;
    if (e.stdout) out.length;
    else if (e.exit) console.log(e.exit.signal);
  }
  await vm.putFile('/root/f', Buffer.from('x'), { mode: 0o600 });
  const back: Buffer = await vm.getFile('/root/f');
  const state: banger.VmState = (await vm.stop()).state;
  await vm.start({ onProgress: () => {} });
  await vm.delete({ force: true });
  const h: banger.HealthStatus = await c.health('image');
  c.raw.vm.GetVm({ vm: 'x' }, (err: Error | null) => err);
  c.raw.operationsOn('image');
  const entries: TarEntry[] = banger.tar.readTar(banger.tar.packFile('f', 'x'));
  try {
    await c.vms.get('nope');
  } catch (err) {
    if (err instanceof banger.BangerError && err.code === banger.status.NOT_FOUND) {
      const reason: string = err.reason;
      const meta: Record<string, string> = err.metadata;
      console.log(reason, meta, err.codeName, err.domain, err.details[0]?.typeUrl, err.socket);
    }
  }
  // @ts-expect-error the state is text, not a number
  const wrong: number = vm.state;
  // @ts-expect-error argv must be strings
  await vm.exec([1, 2]);
  // @ts-expect-error no such service
  await c.health('nope');
  console.log(sock, all, code, back, state, h, entries, wrong);
  c.close();
}

void everything;
