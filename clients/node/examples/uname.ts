import { connect } from '@banger/client';

async function main(): Promise<void> {
  const c = connect();
  const vm = await c.vms.create({ name: 'uname-demo' });
  const r = await vm.exec(['uname', '-a']);
  process.stdout.write(r.stdout);
  await vm.delete({ force: true });
  c.close();
}

main().catch((e) => {
  console.error(`banger: ${e.message}${e.reason ? ` (${e.reason})` : ''}`);
  process.exit(1);
});
