import { randomBytes } from 'node:crypto';
import { DEMO_AUTHOR, startDemoGithub, type DemoGithub } from '../../demo/demo-github.ts';
import { startPaymentsService } from '../../demo/payments-service.ts';
import { openRuntime, type Runtime } from '../../runtime/open-runtime.ts';
import type { FindingDetail, FindingPage } from '@remit/core';
import type { z } from 'zod';
import { demoInsightJob, demoUsers, seedDemo } from '../../runtime/seed-demo.ts';
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
  // The demo's GitHub is a fake on loopback, whatever GitHub App is configured: the demo is offline.
  const github = await startDemoGithub();
  const rt = await openRuntime({ ...ctx.config, ...github.config }, ctx.logger).catch(async (err: unknown) => {
    await github.close();
    throw err;
  });
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
    out(`The console is at ${server.url}/console (development login: any email; add the group remit-admins to be an admin).`);
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
    const reviewStatus = await demoReview(rt, server.url, github, out);
    const insightStatus = await demoInsight(rt, server.url, out);
    out(opts.exit ? 'Explore it once the API runs again (bin/remit serve):' : 'Explore it from another terminal while this one serves:');
    for (const line of exploreLines({ url: server.url, runId: id, dataDir: ctx.config.REMIT_DATA_DIR === '.remit' ? undefined : rt.dataDir, user: alice }))
      out(`  ${line}`);
    if (opts.exit) return exitCodeForRun([status, reviewStatus, insightStatus].find((st) => st !== 'succeeded') ?? 'succeeded');
    out('\nThe API keeps running; press Ctrl-C to stop.');
    await untilSignal();
    return 0;
  } finally {
    await server.stop();
    await payments.close();
    await rt.close();
    await github.close();
  }
}

/**
 * The demo's code review: alice's GitHub account is linked to her, a pull request of hers opens
 * on the fake GitHub, GitHub's signed delivery reaches the API, and the review runs as her role;
 * the transcript shows live, then what was posted back.
 */
async function demoReview(rt: Runtime, url: string, github: DemoGithub, out: (s?: string) => void): Promise<string> {
  const admin = createApiClient({
    url,
    token: await rt.devIssuer!.sign({ sub: 'admin@example.com', email: 'admin@example.com', groups: [rt.config.REMIT_ADMIN_GROUP] }),
  });
  await admin.put(`/v1/admin/github/links/${DEMO_AUTHOR.id}`, { githubLogin: DEMO_AUTHOR.login, user: demoUsers[0].email });
  out(`
A pull request by ${DEMO_AUTHOR.login} (linked to ${demoUsers[0].email}) opens on acme/payments, on a FAKE GitHub on loopback.`);
  out('GitHub signs the delivery and sends it to the API, which records it, answers 202, and queues a review as alice’s role:\n');
  const delivery = github.delivery();
  const res = await fetch(`${url}/v1/webhooks/github`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  if (res.status !== 202) throw new CliError('failed', `the API refused the demo's delivery: HTTP ${res.status}`);
  const deliveryId = delivery.headers['x-github-delivery']!;
  let runId: string | null = null;
  for (const deadline = Date.now() + 30_000; runId === null && Date.now() < deadline;) {
    const page = await admin.get<{ items: { deliveryId: string; runId: string | null; outcome: string; reason: string | null }[] }>(
      '/v1/admin/github/deliveries',
    );
    const mine = page.items.find((d) => d.deliveryId === deliveryId);
    if (mine && mine.outcome !== 'received' && mine.outcome !== 'queued')
      throw new CliError('failed', `the demo's delivery was ${mine.outcome}: ${mine.reason ?? ''}`);
    runId = mine?.runId ?? null;
    if (runId === null) await new Promise((r) => setTimeout(r, 100));
  }
  if (runId === null) throw new CliError('failed', 'the demo’s delivery was not processed within 30 s');
  const outcome = await watchRun({ client: admin, runId, style: styleFor(process.stdout), spinner: process.stdout.isTTY === true, handleInterrupt: false });
  const status = outcome.end === 'detached' ? 'detached' : outcome.status;
  const posted = github.fake.reviews[0];
  if (posted) {
    out(`Review posted on acme/payments#${github.pullNumber} at ${posted.commitId.slice(0, 12)} (${posted.comments.length} inline comment):`);
    for (const line of posted.body.split('\n').filter((l) => l.trim() && !l.startsWith('<!--'))) out(`  ${escapeForTerminal(line)}`);
    for (const c of posted.comments as { path: string; line: number; body: string }[]) out(`  ${escapeForTerminal(`${c.path}:${c.line}  ${c.body}`)}`);
  }
  const check = [...github.fake.checkRuns.values()][0];
  out(`Check run "Remit review": ${String(check?.conclusion ?? check?.status ?? 'none')}. Run ${escapeForTerminal(runId)} ${escapeForTerminal(status)}.\n`);
  return status;
}

/**
 * The demo's platform insight: the seeded job "payments-reliability" runs now, as the
 * platform-engineer role (what its schedule would do each morning); the transcript shows live,
 * then the finding it put in the review queue.
 */
async function demoInsight(rt: Runtime, url: string, out: (s?: string) => void): Promise<string> {
  const admin = createApiClient({
    url,
    token: await rt.devIssuer!.sign({ sub: 'admin@example.com', email: 'admin@example.com', groups: [rt.config.REMIT_ADMIN_GROUP] }),
  });
  const job = demoInsightJob.name;
  out(`The insight job "${job}" (role ${demoInsightJob.role}, focus ${demoInsightJob.focus}, "${demoInsightJob.schedule}") runs now instead of at 06:00:\n`);
  const { id } = await admin.post<{ id: string }>(`/v1/admin/insight-jobs/${job}/run`);
  const outcome = await watchRun({ client: admin, runId: id, style: styleFor(process.stdout), spinner: process.stdout.isTTY === true, handleInterrupt: false });
  const status = outcome.end === 'detached' ? 'detached' : outcome.status;
  const page = await admin.get<z.infer<typeof FindingPage>>('/v1/insights/findings', { job, limit: '20' });
  const mine = page.items.filter((f) => f.runId === id);
  out(`Run ${escapeForTerminal(id)} ${escapeForTerminal(status)}; ${mine.length} finding${mine.length === 1 ? '' : 's'} in the review queue:`);
  for (const item of mine) {
    const f = await admin.get<FindingDetail>(`/v1/insights/findings/${item.id}`);
    out(`  [${f.severity}] ${escapeForTerminal(f.title)}  (${f.status}, ${f.id})`);
    out(`    ${escapeForTerminal(f.summary)}`);
    for (const e of f.evidence) out(`    evidence: transcript #${e.callSeq}, ${escapeForTerminal(e.tool)}: "${escapeForTerminal(e.quote)}"`);
    out(`    suggested: ${escapeForTerminal(f.suggestedChange)}`);
  }
  out('');
  return status;
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
    `bin/remit insights findings list --token "$ADMIN_TOKEN"`,
  ];
}
