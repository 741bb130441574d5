#!/usr/bin/env node
'use strict';
// The thin API end to end on a real stack:
//   node examples/demo.js [--state-dir DIR] --name NAME
// creates NAME (progress on stderr), runs a command, copies 1 MiB in and out, streams 100 MB of
// output without keeping it, and deletes the VM. Results go to stdout, one line per step.

const crypto = require('node:crypto');
const { parseArgs } = require('node:util');
const banger = require('..');

async function main() {
  const { values } = parseArgs({
    options: { 'state-dir': { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.name) {
    console.error('usage: node examples/demo.js [--state-dir DIR] --name NAME');
    return 2;
  }
  const c = banger.connect({ stateDir: values['state-dir'] });
  let vm = null;
  try {
    vm = await c.vms.create(
      { name: values.name },
      {
        onProgress: (p) => {
          const pct = p.percent >= 0 ? ` ${p.percent.toFixed(0)}%` : '';
          console.error(`progress [${p.stageIndex}/${p.stageCount}] ${p.stage}: ${p.message}${pct}`);
        },
      },
    );
    console.log(`created ${vm.name} state=${vm.state}`);

    const r = await vm.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    console.log(
      `exec stdout=${JSON.stringify(r.stdout.toString())} stderr=${JSON.stringify(r.stderr.toString())} exit=${r.exitCode}`,
    );

    const blob = crypto.randomBytes(1024 * 1024);
    await vm.putFile('/root/blob', blob, { mode: 0o644 });
    const back = await vm.getFile('/root/blob');
    console.log(`files identical=${back.equals(blob)} bytes=${back.length}`);

    // Counted as it arrives and dropped: memory stays flat however much the program prints.
    const t0 = Date.now();
    let bytes = 0;
    let exit = null;
    for await (const ev of vm.execStream(['head', '-c', '100000000', '/dev/zero'])) {
      if (ev.stdout) bytes += ev.stdout.length;
      else if (ev.exit) exit = ev.exit;
    }
    console.log(`flood bytes=${bytes} exit=${exit ? exit.exitCode : 'none'} ms=${Date.now() - t0}`);

    try {
      await c.vms.get(`no-such-vm-${values.name}`);
      console.log('error none');
    } catch (err) {
      console.log(`error code=${err.codeName} reason=${err.reason}`);
    }

    await vm.delete({ force: true });
    vm = null;
    console.log('deleted');
    return 0;
  } catch (err) {
    const why = err instanceof banger.BangerError ? ` (reason=${err.reason || '-'} code=${err.codeName})` : '';
    console.error(`demo: failed: ${err.message}${why}`);
    return 1;
  } finally {
    // A failure halfway must not leave the VM behind.
    if (vm) await vm.delete({ force: true }).catch((e) => console.error(`demo: cleanup: ${e.message}`));
    c.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
