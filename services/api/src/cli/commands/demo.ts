import { randomBytes } from 'node:crypto';
import { startPaymentsService } from '../../demo/payments-service.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import { demoUsers, seedDemo } from '../../runtime/seed-demo.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { watchRun } from '../watch-run.ts';
import { startServer, untilSignal } from './serve.ts';

const question = 'Why is checkout failing?';

/**
 * The offline demo: a toy payments service with a fault, the demo org, the API and a worker;
 * then a troubleshooting run as alice (role developer), shown live, and the API left running.
 * `--exit` stops after the run (for scripts and CI).
 */
export async function demoCommand(ctx: CommandContext): Promise<number> {
  const opts = ctx.parse({ exit: { type: 'boolean' } });
  const rt = await openRuntime(ctx.config, ctx.logger);
  if (!rt.devIssuer) throw new CliError('usage', 'remit demo signs its users’ tokens with the development issuer; unset REMIT_OIDC_ISSUER');
  // Fresh tokens each start: Remit seals them, verifies the connections live and adds them
  // outside the sandbox; neither the model nor the sandbox ever sees one.
  const tokens = { readToken: randomBytes(16).toString('hex'), adminToken: randomBytes(16).toString('hex') };
  const payments = await startPaymentsService(tokens);
  const server = await startServer(rt, { withWorker: true });
  const out = (s = '') => process.stdout.write(`${s}\n`);
  try {
    const { created } = await seedDemo(rt, { paymentsUrl: payments.url, ...tokens });
    out(`\nRemit is running at ${server.url}  (database: ${rt.db.driver}, data: ${rt.dataDir}, logs: ${rt.dataDir}/remit.log)`);
    out(`A toy payments service with a fault is at ${payments.url}.`);
    out(created.length ? `Seeded: ${created.join(', ')}.` : 'Demo data already present.');
    out('Connection tokens are sealed in the local vault and were verified with a live call.');
    out(`Model: scripted demo (not a real model; see README for Bedrock).\n`);

    const alice = demoUsers[0];
    const token = await rt.devIssuer.sign({ sub: alice.email, email: alice.email, groups: [...alice.groups] });
    out(`${alice.email} (role developer) asks: "${question}"\n`);
    const res = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'troubleshoot', input: question }),
    });
    const body = (await res.json()) as { id?: string; error?: { message: string } };
    if (!body.id) throw new CliError('failed', `the demo run was refused: ${body.error?.message ?? res.status}`);
    const status = await watchRun({ api: server.url, token, runId: body.id });

    out(`Run ${body.id} ${escapeForTerminal(status)}. Explore it:`);
    out(`  export REMIT_TOKEN=$(bin/remit token --user ${alice.email} --groups ${alice.groups.join(',')} | tail -1)`);
    out(`  curl -s -H "Authorization: Bearer $REMIT_TOKEN" ${server.url}/v1/runs/${body.id}`);
    out(`  curl -sN -H "Authorization: Bearer $REMIT_TOKEN" ${server.url}/v1/runs/${body.id}/events`);
    out(`  bin/remit run troubleshoot "why is checkout slow?" --watch`);
    out('Admins (bin/remit token --user admin@example.com --groups remit-admins) can read /v1/admin/roles and /v1/audit/verify.');
    if (opts.exit) return status === 'succeeded' ? 0 : 1;
    out('\nThe API keeps running; press Ctrl-C to stop.');
    await untilSignal();
    return 0;
  } finally {
    await server.stop();
    await payments.close();
    await rt.close();
  }
}
