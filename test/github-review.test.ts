import { createScriptedProvider, type ConverseRequest, type ModelProvider, type ScriptedTurn } from '@remit/models';
import { errorOf } from '@remit/api/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTHOR,
  deliver,
  deliverAndProcess,
  openedPayload,
  openPullRequest,
  processed,
  seedReviewer,
  startGithubWorld,
  WEBHOOK_SECRET,
  type GithubWorld,
} from './support/github-review-stack.ts';
import { withRunStack, type RunStack } from './support/run-stack.ts';

/** The scripted stand-in's review (a fake model): one comment on the added line, one outside the diff. */
const review = JSON.stringify({
  summary: 'Setting the timeout to 0 disables it: requests to the card processor can hang forever.',
  comments: [
    { path: 'README.md', line: 2, side: 'RIGHT', body: 'A zero timeout waits forever; use a bound such as 3000 ms.' },
    { path: 'src/server.ts', line: 40, side: 'RIGHT', body: 'The server never reads this setting.' },
  ],
});
const readThenReview: ScriptedTurn[] = [
  { text: 'Reading the checked-out file.', toolCalls: [{ name: 'read_file', input: { path: 'repo/README.md' } }] },
  { text: review },
];

/** A fake model that records every request it is sent, around a scripted one. */
function recording(
  script: ScriptedTurn[],
  onCall?: (request: ConverseRequest, n: number) => Promise<void> | void,
): { model: ModelProvider; requests: ConverseRequest[] } {
  const inner = createScriptedProvider(script, { name: 'review' });
  const requests: ConverseRequest[] = [];
  return {
    requests,
    model: {
      ...inner,
      async *converse(request) {
        requests.push(request);
        await onCall?.(request, requests.length);
        yield* inner.converse(request);
      },
    },
  };
}

let world: GithubWorld;
beforeEach(async () => {
  world = await startGithubWorld();
});
afterEach(() => world.close());

const stackOptions = (model: ModelProvider) => ({ script: [], model, github: world.settings, webhookSecrets: [WEBHOOK_SECRET] });
const runOf = async (s: RunStack, runId: string) => s.waitForStatus(runId, ['succeeded', 'failed', 'cancelled', 'timed_out'], 30_000);

describe('code review from a signed webhook to a posted review (fake GitHub, real Octokit, bubblewrap sandbox)', () => {
  it('reviews as the author’s role, checked out in the sandbox with a read-only token; posts one review pinned to the head; the write token never enters the sandbox, the transcript or the model', async () => {
    const { model, requests } = recording(readThenReview);
    await withRunStack(async (s) => {
      await seedReviewer(s);
      openPullRequest(world, 7);
      const payload = openedPayload(7, world.repo.commit);
      const accepted = await deliverAndProcess(s, 'pull_request', payload, 'delivery-7');
      expect(accepted).toMatchObject({ outcome: 'queued', runId: expect.any(String) });
      // A replay of the same delivery is acknowledged and does nothing.
      const replay = await deliver(s, 'pull_request', payload, { id: 'delivery-7' });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ delivery: 'delivery-7', outcome: 'duplicate' });

      const run = await runOf(s, accepted.runId!);
      expect(run).toMatchObject({ status: 'succeeded', kind: 'review', role: 'developer', userEmail: 'alice@example.com' });

      // One review, on the commit that was checked out, with the out-of-diff comment folded into the body.
      expect(world.fake.reviews).toHaveLength(1);
      const posted = world.fake.reviews[0]!;
      expect(posted).toMatchObject({ owner: 'acme', repo: 'payments', pullNumber: 7, commitId: world.repo.commit, event: 'COMMENT' });
      expect(posted.comments).toEqual([expect.objectContaining({ path: 'README.md', line: 2, side: 'RIGHT' })]);
      expect(posted.body).toContain('The server never reads this setting.');
      const checks = [...world.fake.checkRuns.values()];
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ head_sha: world.repo.commit, status: 'completed', conclusion: 'success' });

      // The checkout used a token for this one repository with contents: read, added by the egress proxy: the sandbox holds no GitHub token at all.
      const sandboxToken = world.fake.tokens.find((t) => JSON.stringify(t.permissions) === JSON.stringify({ contents: 'read' }))!;
      expect(sandboxToken.repositoryIds).toEqual([1001]);
      const writeTokens = world.fake.tokens.filter((t) => t !== sandboxToken).map((t) => t.token);
      expect(writeTokens.length).toBeGreaterThan(0);
      expect(posted.token).toBe(writeTokens[0]);
      expect(world.gitRequests.length).toBeGreaterThan(0);
      for (const r of world.gitRequests) expect(r.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${sandboxToken.token}`).toString('base64')}`);
      const bundle = JSON.stringify(s.bundles);
      expect(bundle).not.toContain(sandboxToken.token);
      const transcript = await s.db.owner((sql) => sql.query<{ data: unknown }>('select data from run_events where run_id = $1', [accepted.runId!]));
      for (const write of writeTokens) {
        expect(bundle).not.toContain(write);
        expect(JSON.stringify(transcript.rows)).not.toContain(write);
        expect(JSON.stringify(requests)).not.toContain(write);
      }
      // The model read the checked-out file from inside its sandbox.
      expect(JSON.stringify(transcript.rows)).toContain('const timeoutMs = 0;');
      // The checkout's connection is audited like the role's, so the run's evidence lists it.
      const connectionChecks = await s.db.owner((sql) =>
        sql.query<{ detail: { connection: string; verified: boolean } }>(`select detail from audit_events where action = 'run.connection' and target_id = $1`, [
          accepted.runId!,
        ]),
      );
      expect(connectionChecks.rows.map((r) => r.detail)).toContainEqual(expect.objectContaining({ connection: 'pull-request', verified: true }));
    }, stackOptions(model));
  });

  it('refuses every delivery whose signature does not match, and creates nothing', async () => {
    const { model } = recording([]);
    await withRunStack(async (s) => {
      await seedReviewer(s);
      const body = JSON.stringify(openedPayload(8, world.repo.commit));
      const headers = (signature?: string, extra: Record<string, string> = {}) => ({
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': crypto.randomUUID(),
        ...(signature ? { 'x-hub-signature-256': signature } : {}),
        ...extra,
      });
      const { createHmac } = await import('node:crypto');
      const sign = (secret: string, text: string) => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
      const good = sign(WEBHOOK_SECRET, body);
      const attempts: [string, RequestInit][] = [
        ['a 1-byte body change', { method: 'POST', headers: headers(good), body: body.replace('"opened"', '"openeD"') }],
        ['the wrong secret', { method: 'POST', headers: headers(sign('another-secret-0123456789', body)), body }],
        ['a truncated signature', { method: 'POST', headers: headers(good.slice(0, -2)), body }],
        [
          'SHA-1 only',
          { method: 'POST', headers: headers(undefined, { 'x-hub-signature': `sha1=${createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex')}` }), body },
        ],
        ['no signature', { method: 'POST', headers: headers(), body }],
        ['an uppercase digest', { method: 'POST', headers: headers(good.toUpperCase()), body }],
      ];
      for (const [name, init] of attempts) {
        expect(await errorOf(await s.request('/v1/webhooks/github', init)), name).toMatchObject({ status: 401, code: 'webhook_signature_invalid' });
      }
      // Signed, but holding a NUL PostgreSQL cannot store: refused before it is recorded.
      const nul = JSON.stringify({ ...openedPayload(8, world.repo.commit), action: 'opened\u0000' });
      expect(await errorOf(await deliver(s, 'pull_request', undefined, { body: nul }))).toMatchObject({ status: 400, code: 'invalid_characters' });
      const rows = await s.db.owner((sql) =>
        sql.query<{ n: number }>('select (select count(*) from webhook_deliveries)::int + (select count(*) from runs)::int as n'),
      );
      expect(rows.rows[0]!.n).toBe(0);
    }, stackOptions(model));
  });

  it('50 concurrent copies of one delivery create exactly one run', async () => {
    const { model } = recording([]);
    await withRunStack(
      async (s) => {
        await seedReviewer(s);
        const payload = openedPayload(9, world.repo.commit);
        const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(s, 'pull_request', payload, { id: 'delivery-copy' })));
        const outcomes = await Promise.all(answers.map(async (r) => ((await r.json()) as { outcome: string }).outcome));
        expect(outcomes.filter((o) => o === 'received')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(49);
        expect(await processed(s, 'delivery-copy')).toMatchObject({ outcome: 'queued' });
        const runs = await s.db.owner((sql) => sql.query<{ n: number }>(`select count(*)::int as n from runs where kind = 'review'`));
        expect(runs.rows[0]!.n).toBe(1);
      },
      { ...stackOptions(model), settings: { pollMs: 60_000 } },
    );
  });

  it('skips drafts, bot authors, unlinked authors, authors whose role may not review, and a head commit already reviewed, each with its reason recorded', async () => {
    const { model } = recording([]);
    await withRunStack(
      async (s) => {
        await seedReviewer(s);
        const outcome = (payload: unknown) => deliverAndProcess(s, 'pull_request', payload);
        expect(await outcome(openedPayload(10, world.repo.commit, AUTHOR, true))).toEqual(expect.objectContaining({ outcome: 'skipped', reason: 'draft' }));
        expect(await outcome(openedPayload(11, world.repo.commit, { login: 'renovate[bot]', id: 29139614, type: 'Bot' }))).toEqual(
          expect.objectContaining({ outcome: 'skipped', reason: 'bot_author' }),
        );
        expect(await outcome(openedPayload(12, world.repo.commit, { login: 'mallory', id: 666 }))).toEqual(
          expect.objectContaining({ outcome: 'skipped', reason: 'author_not_linked' }),
        );
        expect(await outcome(openedPayload(13, world.repo.commit))).toEqual(expect.objectContaining({ outcome: 'queued' }));
        // Another delivery for the same head commit (reopened, ready_for_review…) finds it taken.
        expect(await outcome(openedPayload(13, world.repo.commit))).toEqual(expect.objectContaining({ outcome: 'skipped', reason: 'already_reviewed' }));
        await s.admin('/v1/admin/roles', { name: 'readers', runKinds: ['troubleshoot'] });
        const admin = await s.adminToken();
        await s.request('/v1/admin/roles/developer', { method: 'PATCH', token: admin, json: { runKinds: ['troubleshoot'] } });
        expect(await outcome(openedPayload(14, world.repo.commit))).toEqual(expect.objectContaining({ outcome: 'skipped', reason: 'no_review_role' }));

        // Admins see every delivery and why it was skipped, newest first; developers see none of it.
        const admin2 = await s.adminToken();
        const listed = (await (await s.request('/v1/admin/github/deliveries?limit=500', { token: admin2 })).json()) as {
          items: { outcome: string; reason: string | null }[];
        };
        expect(listed.items.filter((d) => d.outcome === 'skipped').map((d) => d.reason)).toEqual([
          'no_review_role',
          'already_reviewed',
          'author_not_linked',
          'bot_author',
          'draft',
        ]);
        const links = (await (await s.request('/v1/admin/github/links', { token: admin2 })).json()) as { items: unknown[] };
        expect(links.items).toEqual([expect.objectContaining({ githubLogin: 'alice-gh', linkedBy: 'admin', userEmail: 'alice@example.com' })]);
        const developer = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        expect((await s.request('/v1/admin/github/deliveries', { token: developer })).status).toBe(403);
        const audited = await s.db.owner((sql) => sql.query<{ n: number }>(`select count(*)::int as n from audit_events where action = 'review.skipped'`));
        expect(audited.rows[0]!.n).toBe(5);
      },
      { ...stackOptions(model), settings: { pollMs: 60_000 } },
    );
  });

  it('a push during the review supersedes it: nothing is stamped on a commit nobody read', async () => {
    const { model } = recording(readThenReview, (_request, n) => {
      if (n === 2) world.fake.pushHead({ owner: 'acme', repo: 'payments', number: 15 }, { headSha: 'f'.repeat(40), diff: world.diff });
    });
    await withRunStack(async (s) => {
      await seedReviewer(s);
      openPullRequest(world, 15);
      const accepted = await deliverAndProcess(s, 'pull_request', openedPayload(15, world.repo.commit));
      const run = await runOf(s, accepted.runId!);
      expect(run).toMatchObject({ status: 'succeeded', statusReason: 'superseded' });
      expect(world.fake.reviews).toEqual([]);
      expect([...world.fake.checkRuns.values()][0]).toMatchObject({ conclusion: 'neutral', output: expect.objectContaining({ title: 'Superseded' }) });
    }, stackOptions(model));
  });

  it('a model that returns an invalid review twice fails the run and the check, and posts nothing', async () => {
    const { model, requests } = recording([{ text: 'Looks good to me!' }]);
    await withRunStack(async (s) => {
      await seedReviewer(s);
      openPullRequest(world, 16);
      const accepted = await deliverAndProcess(s, 'pull_request', openedPayload(16, world.repo.commit));
      const run = await runOf(s, accepted.runId!);
      expect(run).toMatchObject({ status: 'failed', statusReason: 'review_output_invalid' });
      // The second request is the repair turn, which quotes the problem.
      expect(requests).toHaveLength(2);
      expect(JSON.stringify(requests[1]!.messages)).toContain('could not be used');
      expect(world.fake.reviews).toEqual([]);
      expect([...world.fake.checkRuns.values()][0]).toMatchObject({ conclusion: 'failure' });
    }, stackOptions(model));
  });

  it('GitHub answering 403 secondary rate limit and 5xx is retried; 422 is reported as a failed check', async () => {
    const { model } = recording([{ text: review }]);
    await withRunStack(async (s) => {
      await seedReviewer(s);
      openPullRequest(world, 17);
      world.fake.failNext('createReview', { kind: 'secondary_rate_limit', retryAfterSeconds: 1 });
      world.fake.failNext('createReview', { kind: 'status', status: 502 });
      const first = await deliverAndProcess(s, 'pull_request', openedPayload(17, world.repo.commit));
      expect(await runOf(s, first.runId!)).toMatchObject({ status: 'succeeded' });
      expect(world.fake.reviews).toHaveLength(1);

      openPullRequest(world, 18);
      world.fake.failNext('createReview', { kind: 'status', status: 422, message: 'Unprocessable Entity' });
      const second = await deliverAndProcess(s, 'pull_request', openedPayload(18, world.repo.commit));
      expect(await runOf(s, second.runId!)).toMatchObject({ status: 'failed', statusReason: 'github_review_refused' });
      expect(world.fake.reviews).toHaveLength(1);
      const failedCheck = [...world.fake.checkRuns.values()].find((c) => (c.output as { summary?: string } | undefined)?.summary?.includes('GitHub refused'));
      expect(failedCheck).toMatchObject({ conclusion: 'failure' });
    }, stackOptions(model));
  });

  it('a pull request over GitHub’s diff limits is read from the file list; files without a patch are listed as not reviewed, never a partial review called complete', async () => {
    const { model, requests } = recording([{ text: review }]);
    await withRunStack(async (s) => {
      await seedReviewer(s);
      world.fake.addPullRequest({
        owner: 'acme',
        repo: 'payments',
        repoId: 1001,
        number: 19,
        headSha: world.repo.commit,
        diff: `${world.diff}diff --git a/big.bin b/big.bin\nnew file mode 100644\nindex 0000000..3333333\nBinary files /dev/null and b/big.bin differ\n`,
        author: { login: AUTHOR.login, id: AUTHOR.id },
        diffTooLarge: true,
      });
      const accepted = await deliverAndProcess(s, 'pull_request', openedPayload(19, world.repo.commit));
      expect(await runOf(s, accepted.runId!)).toMatchObject({ status: 'succeeded' });
      expect(JSON.stringify(requests[0]!.messages)).toContain('Not included');
      expect(world.fake.reviews[0]!.body).toMatch(/Not reviewed[\s\S]*big\.bin/);
      expect([...world.fake.checkRuns.values()][0]).toMatchObject({ conclusion: 'neutral' });
    }, stackOptions(model));
  });
});
