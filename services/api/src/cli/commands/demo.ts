import { openRuntime } from '../../runtime/open-runtime.ts';
import { demoUsers, seedDemo } from '../../runtime/seed-demo.ts';
import type { CommandContext } from '../command-context.ts';
import { startServer } from './serve.ts';

/** Seeds the demo org, starts the API and tells the user what to try. */
export async function demoCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  const rt = await openRuntime(ctx.config, ctx.logger);
  const server = await startServer(rt);
  const { created } = await seedDemo(rt.db, rt.orgId, { paymentsUrl: 'https://payments.demo.invalid' });
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out(`\nRemit is running at ${server.url}  (data in ${rt.dataDir}, database: ${rt.db.driver}, logs: ${rt.dataDir}/remit.log)`);
  out(created.length ? `Seeded: ${created.join(', ')}` : 'Demo data already present.');
  out('\nDemo users (tokens from the local development issuer):');
  for (const u of demoUsers) out(`  ${u.email.padEnd(20)} groups ${u.groups.join(',').padEnd(20)} ${u.note}`);
  out('\nTry:');
  out(`  TOKEN=$(bin/remit token --user admin@example.com --groups remit-admins | tail -1)`);
  out(`  curl -s -H "Authorization: Bearer $TOKEN" ${server.url}/v1/admin/roles`);
  out(`  curl -s -H "Authorization: Bearer $TOKEN" ${server.url}/v1/audit/verify`);
  out(`  curl -s ${server.url}/openapi.json`);
  out('\nPress Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.stop();
  await rt.close();
  return 0;
}
