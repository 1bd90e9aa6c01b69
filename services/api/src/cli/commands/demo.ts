import { randomBytes } from 'node:crypto';
import { startPaymentsService } from '../../demo/payments-service.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import { demoUsers, seedDemo } from '../../runtime/seed-demo.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { createApiClient } from '../api-client.ts';
import { exitCodeForRun } from '../exit-codes.ts';
import { styleFor } from '../terminal-style.ts';
import { watchRun } from '../watch-run.ts';
import { startServer, untilSignal } from './serve.ts';

const question = 'Why is checkout failing?';

/**
 * The offline demo: a toy payments service with a fault, the demo org, the API and a worker;
 * then a troubleshooting run as alice (role developer), shown live, and the API left running.
 * `--exit` stops after the run (for scripts and CI).
 */
export async function demoCommand(ctx: CommandContext, opts: { exit?: boolean }): Promise<number> {
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
    const client = createApiClient({ url: server.url, token });
    const { id } = await client.post<{ id: string }>('/v1/runs', { kind: 'troubleshoot', input: question });
    // The demo keeps the terminal: Ctrl-C stops the whole demo, not just the watch.
    const outcome = await watchRun({ client, runId: id, style: styleFor(process.stdout), spinner: process.stdout.isTTY === true, handleInterrupt: false });
    const status = outcome.end === 'detached' ? 'detached' : outcome.status;

    out(`Run ${escapeForTerminal(id)} ${escapeForTerminal(status)}.`);
    out(opts.exit ? 'Explore it once the API runs again (bin/remit serve):' : 'Explore it from another terminal while this one serves:');
    for (const line of exploreLines({ url: server.url, runId: id, dataDir: ctx.config.REMIT_DATA_DIR === '.remit' ? undefined : rt.dataDir, user: alice }))
      out(`  ${line}`);
    if (opts.exit) return exitCodeForRun(status);
    out('\nThe API keeps running; press Ctrl-C to stop.');
    await untilSignal();
    return 0;
  } finally {
    await server.stop();
    await payments.close();
    await rt.close();
  }
}

/**
 * What to try next, as lines to paste into another shell: each line that uses a variable comes
 * after the line that sets it, and a data directory other than the default is named, because
 * `remit token` signs with the key kept there.
 */
export function exploreLines(options: {
  url: string;
  runId: string;
  dataDir: string | undefined;
  user: { email: string; groups: readonly string[] };
}): string[] {
  const id = escapeForTerminal(options.runId);
  return [
    `export REMIT_URL=${options.url}${options.dataDir ? ` REMIT_DATA_DIR=${options.dataDir}` : ''}`,
    `export REMIT_TOKEN=$(bin/remit token --user ${options.user.email} --groups ${options.user.groups.join(',')} | tail -1)`,
    `bin/remit runs show ${id}`,
    `bin/remit runs export ${id} > run.md`,
    `bin/remit run troubleshoot "why is checkout slow?" --watch`,
    `curl -s -H "Authorization: Bearer $REMIT_TOKEN" $REMIT_URL/v1/runs/${id}`,
    `export ADMIN_TOKEN=$(bin/remit token --user admin@example.com --groups remit-admins | tail -1)`,
    `bin/remit roles list --token "$ADMIN_TOKEN"`,
    `bin/remit runs list --token "$ADMIN_TOKEN"`,
    `curl -s -H "Authorization: Bearer $ADMIN_TOKEN" $REMIT_URL/v1/audit/verify`,
  ];
}
