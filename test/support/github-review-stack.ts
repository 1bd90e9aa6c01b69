import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GithubSettings } from '@remit/agents';
import { FakeGithub, generateFakeAppKeys, webhookFixtures } from '@remit/github/testing';
import { createTestRepository, gitHttpBackendHandler, type RecordedRequest, type TestRepository } from '@remit/sandbox-agent/testing';
import { expect } from 'vitest';
import type { RunStack } from './run-stack.ts';

export const WEBHOOK_SECRET = 'whsec-e2e-0a1b2c3d4e5f6a7b';
export const APP_ID = 4242;
export const INSTALLATION_ID = 77;
export const REPO_ID = 1001;
export const AUTHOR = { login: 'alice-gh', id: 5001 };

/**
 * A FAKE GitHub (the real Octokit client talks to it on loopback) with one installation on
 * acme/payments, and that repository served over git's smart HTTP (the real git-http-backend)
 * so a review's sandbox checks the head commit out for real.
 */
export interface GithubWorld {
  fake: FakeGithub;
  repo: TestRepository;
  gitRequests: RecordedRequest[];
  settings: GithubSettings;
  /** The pull request's diff: README.md gains a second line, at the repository's commit. */
  diff: string;
  close(): Promise<void>;
}

export async function startGithubWorld(): Promise<GithubWorld> {
  const keys = generateFakeAppKeys();
  const fake = await FakeGithub.start({
    appId: APP_ID,
    appPublicKey: keys.publicKey,
    installations: [
      { id: INSTALLATION_ID, repositoryIds: [REPO_ID], permissions: { contents: 'read', pull_requests: 'write', checks: 'write', issues: 'write' } },
    ],
  });
  const repo = createTestRepository('# payments\nconst timeoutMs = 0;\n');
  const gitRequests: RecordedRequest[] = [];
  const git: Server = createServer(gitHttpBackendHandler(repo.projectRoot, gitRequests));
  await new Promise<void>((resolve) => git.listen(0, '127.0.0.1', resolve));
  const diff = `diff --git a/README.md b/README.md
index 1111111..2222222 100644
--- a/README.md
+++ b/README.md
@@ -1 +1,2 @@
 # payments
+const timeoutMs = 0;
`;
  return {
    fake,
    repo,
    gitRequests,
    diff,
    settings: {
      appId: APP_ID,
      privateKey: keys.privateKey,
      apiUrl: fake.baseUrl,
      gitUrl: `http://127.0.0.1:${(git.address() as AddressInfo).port}`,
      allowCidrs: ['127.0.0.1/32'],
      sleep: () => Promise.resolve(),
    },
    async close() {
      await new Promise<void>((resolve) => git.close(() => resolve()));
      await fake.close();
      repo.remove();
    },
  };
}

/** The pull request #`number` on acme/payments by alice-gh, at the test repository's commit. */
export function openPullRequest(world: GithubWorld, number: number, options: { draft?: boolean; diffTooLarge?: boolean } = {}) {
  return world.fake.addPullRequest({
    owner: 'acme',
    repo: 'payments',
    repoId: REPO_ID,
    number,
    headSha: world.repo.commit,
    diff: world.diff,
    author: { login: AUTHOR.login, id: AUTHOR.id, type: 'User' },
    title: 'Lower the card processor timeout',
    ...options,
  });
}

/** GitHub's recorded pull_request.opened, pointed at acme/payments#`number` by `author`, at `headSha`. */
export function openedPayload(number: number, headSha: string, author: { login: string; id: number; type?: string } = AUTHOR, draft = false) {
  const payload = structuredClone(webhookFixtures().opened.payload) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  payload.installation = { ...payload.installation, id: INSTALLATION_ID };
  payload.repository = {
    ...payload.repository,
    id: REPO_ID,
    name: 'payments',
    full_name: 'acme/payments',
    owner: { ...payload.repository.owner, login: 'acme' },
  };
  payload.number = number;
  payload.pull_request = {
    ...payload.pull_request,
    number,
    draft,
    state: 'open',
    head: { ...payload.pull_request.head, sha: headSha },
    user: { ...payload.pull_request.user, login: author.login, id: author.id, type: author.type ?? 'User' },
  };
  return payload;
}

/** Sends a delivery as GitHub does: the raw body signed with `secret`. */
export function deliver(s: RunStack, event: string, payload: unknown, options: { id?: string; secret?: string; body?: string } = {}) {
  const body = options.body ?? JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', options.secret ?? WEBHOOK_SECRET)
    .update(body)
    .digest('hex')}`;
  return s.request('/v1/webhooks/github', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.id ?? crypto.randomUUID(),
      'x-hub-signature-256': signature,
    },
    body,
  });
}

/** A developer role that may review, bound to the developers group; alice signs in once (her groups are recorded) and is linked to alice-gh. */
export async function seedReviewer(s: RunStack, options: { link?: boolean; runKinds?: string[] } = {}): Promise<{ alice: string }> {
  await s.admin('/v1/admin/roles', { name: 'developer', runKinds: options.runKinds ?? ['troubleshoot', 'review'] });
  await s.admin('/v1/admin/bindings', { role: 'developer', subject: { kind: 'group', group: 'developers' } });
  const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
  expect((await s.request('/v1/me', { token: alice })).status).toBe(200); // signing in records her groups
  if (options.link !== false) {
    const res = await s.request(`/v1/admin/github/links/${AUTHOR.id}`, {
      method: 'PUT',
      token: await s.adminToken(),
      json: { githubLogin: AUTHOR.login, user: 'alice@example.com' },
    });
    expect(res.status).toBe(200);
  }
  return { alice };
}

/** What became of a delivery, once the inbox has processed everything received so far. */
export async function processed(s: RunStack, deliveryId: string): Promise<{ outcome: string; reason: string | null; runId: string | null }> {
  await s.githubInbox!.drained();
  const res = await s.db.owner((sql) =>
    sql.query<{ outcome: string; reason: string | null; runId: string | null }>(
      'select outcome, reason, run_id as "runId" from webhook_deliveries where delivery_id = $1',
      [deliveryId],
    ),
  );
  return res.rows[0]!;
}

/** Delivers (signed, as GitHub does), expects the acknowledgement, and answers what the inbox made of it. */
export async function deliverAndProcess(s: RunStack, event: string, payload: unknown, id: string = crypto.randomUUID()) {
  const res = await deliver(s, event, payload, { id });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ delivery: id, outcome: 'received' });
  return processed(s, id);
}
