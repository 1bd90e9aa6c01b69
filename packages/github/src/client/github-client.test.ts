import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDiff } from '../diff/pack-diff.ts';
import { isGithubError, type GithubError } from '../github-error.ts';
import { placeComments } from '../review/place-comments.ts';
import { FakeGithub, generateFakeAppKeys } from '../testing/fake-github.ts';
import { githubAppJwt } from './app-jwt.ts';
import { createGithubApp, POSTING_TOKEN_PERMISSIONS, SANDBOX_TOKEN_PERMISSIONS } from './github-app.ts';
import { createGithubClient, reviewMarker } from './github-client.ts';
import { loadPullRequestDiff } from './load-pull-request-diff.ts';

const keys = generateFakeAppKeys();
const REPO_ID = 4242;
const OTHER_REPO_ID = 7;
const HEAD = 'a'.repeat(40);
const ref = { owner: 'acme', repo: 'shop', pullNumber: 1 };

const DIFF = `diff --git a/src/cart.ts b/src/cart.ts
index 1111111..2222222 100644
--- a/src/cart.ts
+++ b/src/cart.ts
@@ -1,3 +1,4 @@
 export function total(items) {
-  return items.reduce((a, b) => a + b);
+  if (items.length === 0) return 0;
+  return items.reduce((a, b) => a + b.price, 0);
 }
diff --git a/assets/logo.png b/assets/logo.png
index 1111111..2222222 100644
Binary files a/assets/logo.png and b/assets/logo.png differ
`;

function bigDiff(files: number): string {
  let text = '';
  for (let i = 0; i < files; i++) text += `diff --git a/f${i}.ts b/f${i}.ts\n--- a/f${i}.ts\n+++ b/f${i}.ts\n@@ -1 +1 @@\n-old ${i}\n+new ${i}\n`;
  return text;
}

async function caught(promise: Promise<unknown>): Promise<GithubError> {
  try {
    await promise;
  } catch (err) {
    if (isGithubError(err)) return err;
    throw err;
  }
  throw new Error('expected a GithubError');
}

let fake: FakeGithub;
const sleeps: number[] = [];
const fakeSleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeAll(async () => {
  fake = await FakeGithub.start({
    appId: 99,
    appPublicKey: keys.publicKey,
    installations: [
      {
        id: 5,
        repositoryIds: [REPO_ID, OTHER_REPO_ID],
        permissions: { contents: 'write', pull_requests: 'write', checks: 'write', issues: 'write', metadata: 'read' },
      },
    ],
  });
  fake.addPullRequest({ owner: 'acme', repo: 'shop', repoId: REPO_ID, number: 1, headSha: HEAD, diff: DIFF, author: { login: 'dev', id: 11 } });
  fake.addPullRequest({
    owner: 'acme',
    repo: 'shop',
    repoId: REPO_ID,
    number: 2,
    headSha: 'c'.repeat(40),
    diff: bigDiff(301),
    author: { login: 'dev', id: 11 },
    omitPatchFor: ['f7.ts'],
  });
  fake.addPullRequest({ owner: 'acme', repo: 'other', repoId: OTHER_REPO_ID, number: 1, headSha: HEAD, diff: DIFF, author: { login: 'dev', id: 11 } });
});
afterAll(() => fake.close());

const app = () => createGithubApp({ appId: 99, privateKey: keys.privateKey, baseUrl: fake.baseUrl });
const postingClient = async () => {
  const { token } = await app().createInstallationToken({ installationId: 5, permissions: POSTING_TOKEN_PERMISSIONS });
  return { token, client: createGithubClient({ token, baseUrl: fake.baseUrl, retry: { sleep: fakeSleep } }) };
};
let headCounter = 0;
/** A new push to pull request 1 with the same diff: the marker check makes "once" per head SHA, so each retry test gets its own head. */
const freshHead = () => {
  const headSha = (++headCounter).toString(16).padStart(40, 'f');
  fake.pushHead({ owner: 'acme', repo: 'shop', number: 1 }, { headSha, diff: DIFF });
  return headSha;
};
const reviewPosts = () => fake.requests.filter((r) => r.method === 'POST' && /\/pulls\/\d+\/reviews$/.test(r.path));

describe('app auth', () => {
  it('signs an RS256 JWT issued 60 s in the past that expires 9 minutes ahead', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const claims = decodeJwt(await githubAppJwt(99, keys.privateKey, now));
    expect(claims).toEqual({ iss: '99', iat: now.getTime() / 1000 - 60, exp: now.getTime() / 1000 + 540 });
  });

  it("mints the sandbox's token narrowed to one repository and contents:read", async () => {
    const minted = await app().createInstallationToken({ installationId: 5, repositoryIds: [REPO_ID], permissions: SANDBOX_TOKEN_PERMISSIONS });
    expect(minted.permissions).toEqual({ contents: 'read' });
    expect(fake.tokens.find((t) => t.token === minted.token)).toMatchObject({ installationId: 5, repositoryIds: [REPO_ID], permissions: { contents: 'read' } });
    expect(Date.parse(minted.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('is refused with 401 when the JWT is signed by another key, and nothing is minted', async () => {
    const before = fake.tokens.length;
    const forged = createGithubApp({ appId: 99, privateKey: generateFakeAppKeys().privateKey, baseUrl: fake.baseUrl });
    expect((await caught(forged.createInstallationToken({ installationId: 5 }))).code).toBe('github_unauthorized');
    const wrongApp = createGithubApp({ appId: 98, privateKey: keys.privateKey, baseUrl: fake.baseUrl });
    expect((await caught(wrongApp.createInstallationToken({ installationId: 5 }))).code).toBe('github_unauthorized');
    expect(fake.tokens.length).toBe(before);
  });

  it('refuses an installation token used with a bogus value, or on a repository outside its scope', async () => {
    const bogus = createGithubClient({ token: 'ghs_guessed', baseUrl: fake.baseUrl });
    expect((await caught(bogus.getPullRequest(ref))).code).toBe('github_unauthorized');
    const { token } = await app().createInstallationToken({ installationId: 5, repositoryIds: [REPO_ID], permissions: { pull_requests: 'read' } });
    const narrowed = createGithubClient({ token, baseUrl: fake.baseUrl });
    expect((await caught(narrowed.getPullRequest({ owner: 'acme', repo: 'other', pullNumber: 1 }))).code).toBe('github_not_found');
  });

  it("a sandbox (contents:read) token cannot post a review: 403, and nothing is posted; the write token never appears in the sandbox's requests", async () => {
    const sandbox = await app().createInstallationToken({ installationId: 5, repositoryIds: [REPO_ID], permissions: SANDBOX_TOKEN_PERMISSIONS });
    const client = createGithubClient({ token: sandbox.token, baseUrl: fake.baseUrl, retry: { sleep: fakeSleep } });
    const before = fake.reviews.length;
    const err = await caught(client.createReview({ ...ref, commitId: HEAD, body: 'x', comments: [], event: 'COMMENT' }));
    expect(err.code).toBe('github_forbidden');
    expect(err.details?.httpStatus).toBe(403);
    expect(fake.reviews.length).toBe(before);
    expect(fake.requestsWith(sandbox.token).every((r) => r.method === 'POST' && r.status === 403)).toBe(true);
  });
});

describe('reading a pull request', () => {
  it('reads the pull request and its whole diff', async () => {
    const { client } = await postingClient();
    expect(await client.getPullRequest(ref)).toMatchObject({ number: 1, headSha: HEAD, draft: false, author: { login: 'dev', id: 11, type: 'User' } });
    const loaded = await loadPullRequestDiff(client, ref);
    expect(loaded.source).toBe('diff');
    expect(loaded.files.map((f) => [f.path, f.binary])).toEqual([
      ['src/cart.ts', false],
      ['assets/logo.png', true],
    ]);
  });

  it('falls back to the paginated files list over GitHub diff limits; a file with no patch is listed as not reviewed', async () => {
    const { client } = await postingClient();
    expect(await client.getPullRequestDiff({ ...ref, pullNumber: 2 })).toEqual({ kind: 'too_large' });
    const loaded = await loadPullRequestDiff(client, { ...ref, pullNumber: 2 });
    expect(loaded.source).toBe('files');
    expect(loaded.files).toHaveLength(301);
    expect(fake.requests.filter((r) => r.path.includes('/pulls/2/files')).length).toBeGreaterThanOrEqual(4);
    const packed = packDiff(loaded.files, { budgetBytes: 1_000_000 });
    expect(packed.notReviewed).toEqual([{ path: 'f7.ts', reason: 'no_patch' }]);
    expect(packed.included).toHaveLength(300);
  });
});

describe('posting a review', () => {
  const inside = { path: 'src/cart.ts', line: 3, side: 'RIGHT' as const, body: 'Does b always have a price?' };

  it('posts exactly one review with placed comments and the hidden marker', async () => {
    const { client, token } = await postingClient();
    const loaded = await loadPullRequestDiff(client, ref);
    const packed = packDiff(loaded.files, { budgetBytes: 10_000 });
    const placed = placeComments(
      { summary: 'One question.', comments: [inside, { ...inside, line: 40, body: 'outside' }] },
      packed.included,
      packed.notReviewed,
    );
    const before = reviewPosts().length;
    const posted = await client.createReview({ ...ref, commitId: HEAD, body: placed.body, comments: placed.comments, event: 'COMMENT' });
    expect(reviewPosts().length - before).toBe(1);
    const stored = fake.reviews.find((r) => r.id === posted.id);
    expect(stored).toMatchObject({ commitId: HEAD, event: 'COMMENT', token, comments: [inside] });
    expect(stored?.body).toContain('### Not reviewed\n- `assets/logo.png` (binary)');
    expect(stored?.body).toContain(reviewMarker(HEAD));
    expect(await client.findPostedReview(ref, HEAD)).toEqual({ id: expect.any(Number), commitId: HEAD });
  });

  it("surfaces GitHub's 422 for a comment outside the diff, without retrying", async () => {
    const { client } = await postingClient();
    const before = reviewPosts().length;
    const err = await caught(client.createReview({ ...ref, commitId: HEAD, body: 'x', comments: [{ ...inside, line: 99 }], event: 'COMMENT' }));
    expect(err.code).toBe('github_validation_failed');
    expect(err.details).toMatchObject({ httpStatus: 422, githubMessage: 'Unprocessable Entity' });
    expect(JSON.stringify(err.details?.githubErrors)).toContain('must be part of the diff');
    expect(reviewPosts().length - before).toBe(1);
  });

  it('waits out a secondary rate limit for its Retry-After, then posts once', async () => {
    const { client } = await postingClient();
    fake.failNext('createReview', { kind: 'secondary_rate_limit', retryAfterSeconds: 1 });
    sleeps.length = 0;
    const reviewsBefore = fake.reviews.length;
    await client.createReview({ ...ref, commitId: HEAD, body: 'rate limited once', comments: [inside], event: 'COMMENT' });
    expect(sleeps).toEqual([1000]);
    expect(fake.reviews.length - reviewsBefore).toBe(1);
  });

  it('waits for x-ratelimit-reset when the primary limit is spent', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { token } = await postingClient();
    const client = createGithubClient({ token, baseUrl: fake.baseUrl, retry: { sleep: fakeSleep, now: () => now } });
    fake.failNext('getPullRequest', { kind: 'primary_rate_limit', resetEpochSeconds: now.getTime() / 1000 + 30 });
    sleeps.length = 0;
    await client.getPullRequest(ref);
    expect(sleeps).toEqual([30_000]);
  });

  it('gives up at once as github_rate_limited when GitHub asks for a longer wait than allowed', async () => {
    const { client } = await postingClient();
    fake.failNext('createReview', { kind: 'secondary_rate_limit', retryAfterSeconds: 3600 });
    sleeps.length = 0;
    const err = await caught(client.createReview({ ...ref, commitId: HEAD, body: 'x', comments: [], event: 'COMMENT' }));
    expect(err.code).toBe('github_rate_limited');
    expect(err.details?.retryAfterSeconds).toBe(3600);
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with backoff, then posts once', async () => {
    const { client } = await postingClient();
    const commitId = freshHead();
    fake.failNext('createReview', { kind: 'status', status: 500 }, 2);
    sleeps.length = 0;
    const reviewsBefore = fake.reviews.length;
    await client.createReview({ ...ref, commitId, body: '5xx twice', comments: [], event: 'COMMENT' });
    expect(sleeps).toEqual([1000, 2000]);
    expect(fake.reviews.length - reviewsBefore).toBe(1);
  });

  it('stops after the bounded attempts with github_unavailable', async () => {
    const { client } = await postingClient();
    const commitId = freshHead();
    fake.failNext('createReview', { kind: 'status', status: 503 }, 4);
    sleeps.length = 0;
    expect((await caught(client.createReview({ ...ref, commitId, body: 'x', comments: [], event: 'COMMENT' }))).code).toBe('github_unavailable');
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it('does not post a second review when GitHub stored the first but lost the answer', async () => {
    const headSha = freshHead();
    const { client } = await postingClient();
    fake.failNext('createReview', { kind: 'lost_response' });
    const postsBefore = reviewPosts().length;
    const posted = await client.createReview({ ...ref, commitId: headSha, body: 'once', comments: [], event: 'COMMENT' });
    expect(reviewPosts().length - postsBefore).toBe(1);
    expect(fake.reviews.filter((r) => r.commitId === headSha)).toEqual([expect.objectContaining({ id: posted.id })]);
  });

  it('reviews each pushed head separately, and a 5xx after an earlier head was reviewed still posts for the new one', async () => {
    const { client } = await postingClient();
    const first = freshHead();
    await client.createReview({ ...ref, commitId: first, body: 'first', comments: [inside], event: 'COMMENT' });
    const second = freshHead();
    fake.failNext('createReview', { kind: 'status', status: 500 });
    await client.createReview({ ...ref, commitId: second, body: 'second', comments: [inside], event: 'COMMENT' });
    expect(fake.reviews.filter((r) => r.commitId === first)).toHaveLength(1);
    expect(fake.reviews.filter((r) => r.commitId === second)).toHaveLength(1);
  });

  it('treats a network failure from the injected fetch as github_unavailable, retried then surfaced', async () => {
    const calls: string[] = [];
    const failingFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      throw new TypeError('fetch failed');
    };
    const client = createGithubClient({ token: 'ghs_x', baseUrl: fake.baseUrl, fetch: failingFetch, retry: { sleep: fakeSleep, maxAttempts: 2 } });
    sleeps.length = 0;
    expect((await caught(client.getPullRequest(ref))).code).toBe('github_unavailable');
    expect(calls).toEqual([`${fake.baseUrl}/repos/acme/shop/pulls/1`, `${fake.baseUrl}/repos/acme/shop/pulls/1`]);
    expect(sleeps).toEqual([1000]);
  });

  it('refuses a review for a commit the pull request never had', async () => {
    const { client } = await postingClient();
    const err = await caught(client.createReview({ ...ref, commitId: 'e'.repeat(40), body: 'x', comments: [], event: 'COMMENT' }));
    expect(err.code).toBe('github_validation_failed');
  });
});

describe('check runs and reactions', () => {
  it('moves a check run queued → in_progress → completed', async () => {
    const { client } = await postingClient();
    const { id } = await client.createCheckRun({ owner: 'acme', repo: 'shop', name: 'Remit review', headSha: HEAD });
    expect(fake.checkRuns.get(id)).toMatchObject({ status: 'queued', head_sha: HEAD });
    await client.updateCheckRun({ owner: 'acme', repo: 'shop', checkRunId: id, status: 'in_progress' });
    expect(fake.checkRuns.get(id)).toMatchObject({ status: 'in_progress' });
    await client.updateCheckRun({
      owner: 'acme',
      repo: 'shop',
      checkRunId: id,
      conclusion: 'neutral',
      output: { title: 'Reviewed 1 of 2 files', summary: 'See the review.' },
    });
    expect(fake.checkRuns.get(id)).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'Reviewed 1 of 2 files' } });
  });

  it('reacts to the command comment', async () => {
    const { client } = await postingClient();
    await client.addReaction({ owner: 'acme', repo: 'shop', commentId: 77, content: 'eyes' });
    expect(fake.reactions.at(-1)).toMatchObject({ commentId: 77, content: 'eyes' });
  });

  it('a sandbox token can do none of it', async () => {
    const sandbox = await app().createInstallationToken({ installationId: 5, repositoryIds: [REPO_ID], permissions: SANDBOX_TOKEN_PERMISSIONS });
    const client = createGithubClient({ token: sandbox.token, baseUrl: fake.baseUrl });
    expect((await caught(client.createCheckRun({ owner: 'acme', repo: 'shop', name: 'x', headSha: HEAD }))).code).toBe('github_forbidden');
    expect((await caught(client.addReaction({ owner: 'acme', repo: 'shop', commentId: 77, content: '+1' }))).code).toBe('github_forbidden');
    expect((await caught(client.getPullRequest(ref))).code).toBe('github_forbidden');
  });
});
