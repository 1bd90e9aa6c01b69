import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, jwtVerify } from 'jose';
import { diffTooLarge, listedFiles, reviewCommentProblem, type FakePullRequest, type FakePullRequestSetup } from './fake-pull-requests.ts';

type Level = 'read' | 'write';
type Permissions = Record<string, Level>;

export interface FakeInstallation {
  id: number;
  repositoryIds: readonly number[];
  permissions: Permissions;
}

/** A token the fake minted, with what it was narrowed to. */
export interface FakeToken {
  token: string;
  installationId: number;
  repositoryIds: readonly number[] | undefined;
  permissions: Permissions;
}

/** Every request the fake saw, for tests to assert on (which token did what). */
export interface FakeRequest {
  method: string;
  path: string;
  /** The bearer credential as sent (a JWT or an installation token), if any. */
  token: string | undefined;
  body: unknown;
  status: number;
}

export interface FakeReview {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  commitId: string;
  body: string;
  event: string;
  comments: unknown[];
  token: string;
}

export type FakeRoute = 'createInstallationToken' | 'getPullRequest' | 'getDiff' | 'listFiles' | 'listReviews' | 'createReview' | 'checkRun' | 'reaction';

/** A scripted failure for the next call of a route. `lost_response` stores the review, then answers 502. */
export type FakeFault =
  | { kind: 'status'; status: number; message?: string }
  | { kind: 'secondary_rate_limit'; retryAfterSeconds: number }
  | { kind: 'primary_rate_limit'; resetEpochSeconds: number }
  | { kind: 'lost_response' };

export interface FakeGithubOptions {
  appId: number;
  /** SPKI PEM of the app's key; JWTs not signed by its private half get 401. */
  appPublicKey: string;
  installations: readonly FakeInstallation[];
}

/** An RSA key pair for a fake app: the private key as PKCS#1 PEM, as GitHub hands it out. */
export function generateFakeAppKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

const docs = 'https://docs.github.com/rest';
const refuse = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  new FakeHttpError(status, { message, documentation_url: docs, status: String(status), ...extra });

/**
 * A FAKE GitHub REST API on 127.0.0.1 for tests: the real Octokit client talks to it over HTTP.
 * It checks app JWTs against the configured public key, mints installation tokens narrowed as
 * requested and enforces them per request, validates review comments against the diff, and
 * records every request. Not GitHub: only the endpoints a review run uses.
 */
export class FakeGithub {
  readonly requests: FakeRequest[] = [];
  readonly tokens: FakeToken[] = [];
  readonly reviews: FakeReview[] = [];
  readonly checkRuns = new Map<number, Record<string, unknown>>();
  readonly reactions: { commentId: number; content: string; token: string }[] = [];
  private readonly pulls = new Map<string, FakePullRequest>();
  private readonly faults = new Map<FakeRoute, FakeFault[]>();
  private nextId = 1000;
  private publicKey: KeyObject | undefined;

  private constructor(
    private readonly options: FakeGithubOptions,
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  /** Starts the fake on a random loopback port; call `close()` in `afterAll`/`finally`. */
  static async start(options: FakeGithubOptions): Promise<FakeGithub> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeGithub(options, server, `http://127.0.0.1:${port}`);
    fake.publicKey = createPublicKey(options.appPublicKey);
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  addPullRequest(setup: FakePullRequestSetup): FakePullRequest {
    const pr: FakePullRequest = { ...setup, baseSha: setup.baseSha ?? 'b'.repeat(40), diffs: new Map([[setup.headSha, setup.diff]]) };
    this.pulls.set(`${setup.owner}/${setup.repo}#${setup.number}`, pr);
    return pr;
  }

  /** A new push: the head moves, the diff changes; earlier heads stay reviewable, as on GitHub. */
  pushHead(ref: { owner: string; repo: string; number: number }, head: { headSha: string; diff: string }): void {
    const pr = this.pull(ref.owner, ref.repo, ref.number);
    pr.headSha = head.headSha;
    pr.diff = head.diff;
    pr.diffs.set(head.headSha, head.diff);
  }

  /** The next `times` calls of `route` answer with `fault` instead. */
  failNext(route: FakeRoute, fault: FakeFault, times = 1): void {
    const queue = this.faults.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(route, queue);
  }

  /** Requests that carried this token. */
  requestsWith(token: string): FakeRequest[] {
    return this.requests.filter((request) => request.token === token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const token = /^(?:bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const record: FakeRequest = { method: req.method ?? 'GET', path: req.url ?? '/', token, body: undefined, status: 0 };
    this.requests.push(record);
    let status: number;
    let headers: Record<string, string>;
    let payload: string;
    try {
      record.body = raw ? JSON.parse(raw) : undefined;
      const answer = await this.route(record, req.headers.accept ?? '');
      status = answer.status;
      headers = answer.headers ?? {};
      payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      if (typeof answer.body !== 'string') headers['content-type'] = 'application/json; charset=utf-8';
    } catch (err) {
      const failure = err instanceof FakeHttpError ? err : refuse(500, 'Server Error');
      status = failure.status;
      headers = { 'content-type': 'application/json; charset=utf-8', ...failure.headers };
      payload = JSON.stringify(failure.body);
    }
    record.status = status;
    res.writeHead(status, { 'x-github-request-id': `FAKE:${this.requests.length}`, ...headers });
    res.end(payload);
  }

  private takeFault(route: FakeRoute): FakeFault | undefined {
    return this.faults.get(route)?.shift();
  }

  private throwFault(fault: FakeFault | undefined): void {
    if (!fault || fault.kind === 'lost_response') return;
    if (fault.kind === 'secondary_rate_limit') {
      throw new FakeHttpError(
        403,
        {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: `${docs}/overview/rate-limits-for-the-rest-api`,
        },
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    }
    if (fault.kind === 'primary_rate_limit') {
      throw new FakeHttpError(
        403,
        { message: 'API rate limit exceeded for installation.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(fault.resetEpochSeconds) },
      );
    }
    throw refuse(fault.status, fault.message ?? (fault.status === 422 ? 'Unprocessable Entity' : 'Server Error'));
  }

  private async route(request: FakeRequest, accept: string): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const url = new URL(request.path, this.baseUrl);
    const path = url.pathname;
    const body = (request.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;

    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && request.method === 'POST') {
      await this.verifyAppJwt(request.token);
      this.throwFault(this.takeFault('createInstallationToken'));
      return { status: 201, body: this.mint(Number(m[1]), body) };
    }

    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(path))) {
      const [, owner = '', repo = '', rest = ''] = m;
      const repoId = this.repoId(owner, repo);
      const need = (permission: string, level: Level) => this.authorize(request.token, repoId, permission, level);

      if ((m = /^pulls\/(\d+)$/.exec(rest)) && request.method === 'GET') {
        need('pull_requests', 'read');
        const pr = this.pull(owner, repo, Number(m[1]));
        if (accept.includes('application/vnd.github.diff') || accept.includes('application/vnd.github.v3.diff')) {
          this.throwFault(this.takeFault('getDiff'));
          if (diffTooLarge(pr)) {
            throw refuse(
              406,
              'Sorry, the diff exceeded the maximum number of files (300). Consider using the List pull requests files API or locally cloning the repository instead.',
              {
                errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }],
              },
            );
          }
          return { status: 200, body: pr.diff, headers: { 'content-type': 'application/vnd.github.diff; charset=utf-8' } };
        }
        this.throwFault(this.takeFault('getPullRequest'));
        return { status: 200, body: this.pullBody(pr) };
      }
      if ((m = /^pulls\/(\d+)\/files$/.exec(rest)) && request.method === 'GET') {
        need('pull_requests', 'read');
        this.throwFault(this.takeFault('listFiles'));
        return this.paginate(url, listedFiles(this.pull(owner, repo, Number(m[1]))));
      }
      if ((m = /^pulls\/(\d+)\/reviews$/.exec(rest))) {
        const pullNumber = Number(m[1]);
        const pr = this.pull(owner, repo, pullNumber);
        if (request.method === 'GET') {
          need('pull_requests', 'read');
          this.throwFault(this.takeFault('listReviews'));
          const reviews = this.reviews.filter((r) => r.owner === owner && r.repo === repo && r.pullNumber === pullNumber);
          return this.paginate(
            url,
            reviews.map((r) => this.reviewBody(r)),
          );
        }
        if (request.method === 'POST') {
          need('pull_requests', 'write');
          const fault = this.takeFault('createReview');
          this.throwFault(fault);
          const commitId = typeof body.commit_id === 'string' ? body.commit_id : pr.headSha;
          const comments = Array.isArray(body.comments) ? body.comments : [];
          const problem = reviewCommentProblem(pr, commitId, comments);
          if (problem)
            throw refuse(422, 'Unprocessable Entity', { errors: [problem], documentation_url: `${docs}/pulls/reviews#create-a-review-for-a-pull-request` });
          const review: FakeReview = {
            id: this.nextId++,
            owner,
            repo,
            pullNumber,
            commitId,
            body: String(body.body ?? ''),
            event: String(body.event ?? 'PENDING'),
            comments,
            token: request.token ?? '',
          };
          this.reviews.push(review);
          if (fault?.kind === 'lost_response') throw refuse(502, 'Server Error');
          return { status: 200, body: this.reviewBody(review) };
        }
      }
      if (rest === 'check-runs' && request.method === 'POST') {
        need('checks', 'write');
        this.throwFault(this.takeFault('checkRun'));
        if (typeof body.name !== 'string' || typeof body.head_sha !== 'string') throw refuse(422, 'Invalid request.');
        const id = this.nextId++;
        const run = { id, ...body, status: body.status ?? 'queued', conclusion: null };
        this.checkRuns.set(id, run);
        return { status: 201, body: run };
      }
      if ((m = /^check-runs\/(\d+)$/.exec(rest)) && request.method === 'PATCH') {
        need('checks', 'write');
        this.throwFault(this.takeFault('checkRun'));
        const run = this.checkRuns.get(Number(m[1]));
        if (!run) throw refuse(404, 'Not Found');
        if (body.conclusion !== undefined && body.status !== 'completed') throw refuse(422, 'Invalid request.');
        Object.assign(run, body);
        return { status: 200, body: run };
      }
      if ((m = /^issues\/comments\/(\d+)\/reactions$/.exec(rest)) && request.method === 'POST') {
        // GitHub accepts either permission for reactions on a pull request's comments.
        try {
          need('issues', 'write');
        } catch {
          need('pull_requests', 'write');
        }
        this.throwFault(this.takeFault('reaction'));
        if (!['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(String(body.content))) throw refuse(422, 'Validation Failed');
        this.reactions.push({ commentId: Number(m[1]), content: String(body.content), token: request.token ?? '' });
        return { status: 201, body: { id: this.nextId++, content: body.content } };
      }
    }
    throw refuse(404, 'Not Found');
  }

  private async verifyAppJwt(token: string | undefined): Promise<void> {
    if (!token || !this.publicKey) throw refuse(401, 'A JSON web token could not be decoded');
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], issuer: String(this.options.appId) });
      // GitHub refuses an expiry more than ten minutes after issue.
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number' || payload.exp - payload.iat > 600) throw new Error('lifetime');
    } catch {
      throw refuse(401, decodeJwtSafe(token) ? "'Expiration time' claim ('exp') is too far in the future" : 'A JSON web token could not be decoded');
    }
  }

  private mint(installationId: number, body: Record<string, unknown>): Record<string, unknown> {
    const installation = this.options.installations.find((i) => i.id === installationId);
    if (!installation) throw refuse(404, 'Not Found');
    const repositoryIds = Array.isArray(body.repository_ids) ? body.repository_ids.map(Number) : undefined;
    if (repositoryIds?.some((id) => !installation.repositoryIds.includes(id)))
      throw refuse(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
    const asked = (body.permissions ?? installation.permissions) as Permissions;
    for (const [name, level] of Object.entries(asked)) {
      const has = installation.permissions[name];
      if (!has || (level === 'write' && has === 'read')) throw refuse(422, 'The permissions requested are not granted to this installation.');
    }
    const minted: FakeToken = { token: `ghs_fake${randomBytes(16).toString('hex')}`, installationId, repositoryIds, permissions: { ...asked } };
    this.tokens.push(minted);
    return {
      token: minted.token,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: minted.permissions,
      repository_selection: repositoryIds ? 'selected' : 'all',
    };
  }

  private authorize(token: string | undefined, repoId: number, permission: string, level: Level): void {
    const minted = this.tokens.find((t) => t.token === token);
    if (!minted) throw refuse(401, 'Bad credentials');
    const installation = this.options.installations.find((i) => i.id === minted.installationId);
    const reachable = (minted.repositoryIds ?? installation?.repositoryIds ?? []).includes(repoId);
    if (!reachable) throw refuse(404, 'Not Found');
    const has = minted.permissions[permission];
    if (!has || (level === 'write' && has !== 'write')) throw refuse(403, 'Resource not accessible by integration');
  }

  private repoId(owner: string, repo: string): number {
    for (const pr of this.pulls.values()) if (pr.owner === owner && pr.repo === repo) return pr.repoId;
    throw refuse(404, 'Not Found');
  }

  private pull(owner: string, repo: string, number: number): FakePullRequest {
    const pr = this.pulls.get(`${owner}/${repo}#${number}`);
    if (!pr) throw refuse(404, 'Not Found');
    return pr;
  }

  private pullBody(pr: FakePullRequest): Record<string, unknown> {
    return {
      number: pr.number,
      state: 'open',
      draft: pr.draft ?? false,
      title: pr.title ?? `Pull request ${pr.number}`,
      user: { login: pr.author.login, id: pr.author.id, type: pr.author.type ?? 'User' },
      head: { sha: pr.headSha, ref: 'feature' },
      base: { sha: pr.baseSha, ref: 'main' },
      changed_files: listedFiles(pr).length,
    };
  }

  private reviewBody(review: FakeReview): Record<string, unknown> {
    return { id: review.id, user: { login: 'remit-fake[bot]', type: 'Bot' }, body: review.body, state: 'COMMENTED', commit_id: review.commitId };
  }

  private paginate(url: URL, items: unknown[]): { status: number; body: unknown; headers: Record<string, string> } {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return { status: 200, body: slice, headers };
  }
}

function decodeJwtSafe(token: string): boolean {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}
