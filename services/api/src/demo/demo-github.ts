import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigEnv } from '@remit/core';
import { FakeGithub, generateFakeAppKeys } from '@remit/github/fake';
import { gitHttpBackendHandler } from '@remit/sandbox-agent/testing';

const OWNER = 'acme';
const REPO = 'payments';
const REPO_ID = 4100;
const INSTALLATION_ID = 41;
export const DEMO_AUTHOR = { login: 'alice-gh', id: 9001 };

/**
 * The demo's GitHub, all on loopback: a FAKE GitHub API (the real Octokit client talks to it)
 * under /api/v3, laid out as GitHub Enterprise Server is, and a real git repository served over
 * smart HTTP beside it, holding a pull request that sets the card processor's timeout to 0.
 */
export interface DemoGithub {
  /** REMIT_GITHUB_* for the demo's runtime. */
  config: Pick<
    ConfigEnv,
    'REMIT_GITHUB_APP_ID' | 'REMIT_GITHUB_APP_PRIVATE_KEY' | 'REMIT_GITHUB_WEBHOOK_SECRET' | 'REMIT_GITHUB_API_URL' | 'REMIT_GITHUB_ALLOW_CIDRS'
  >;
  fake: FakeGithub;
  pullNumber: number;
  /** A pull_request.opened delivery for the demo pull request, signed as GitHub signs it. */
  delivery(): { headers: Record<string, string>; body: string };
  close(): Promise<void>;
}

export async function startDemoGithub(): Promise<DemoGithub> {
  const keys = generateFakeAppKeys();
  const fake = await FakeGithub.start({
    appId: 4242,
    appPublicKey: keys.publicKey,
    installations: [
      { id: INSTALLATION_ID, repositoryIds: [REPO_ID], permissions: { contents: 'read', pull_requests: 'write', checks: 'write', issues: 'write' } },
    ],
  });
  const repo = createRepository();
  const git = gitHttpBackendHandler(repo.projectRoot, []);
  const api = new URL(fake.baseUrl);
  // /api/v3/… goes to the fake API, everything else (…/payments.git/…) to git-http-backend.
  const front: Server = createServer((req, res) => {
    if (!req.url?.startsWith('/api/v3/')) return git(req, res);
    const upstream = request(
      { host: api.hostname, port: api.port, method: req.method, path: req.url.slice('/api/v3'.length), headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const pullNumber = 7;
  fake.addPullRequest({
    owner: OWNER,
    repo: REPO,
    repoId: REPO_ID,
    number: pullNumber,
    headSha: repo.head,
    baseSha: repo.base,
    diff: repo.diff,
    author: { login: DEMO_AUTHOR.login, id: DEMO_AUTHOR.id, type: 'User' },
    title: 'Fail checkout faster: lower the card processor timeout',
  });
  const secret = randomBytes(24).toString('hex');
  return {
    config: {
      REMIT_GITHUB_APP_ID: 4242,
      REMIT_GITHUB_APP_PRIVATE_KEY: keys.privateKey,
      REMIT_GITHUB_WEBHOOK_SECRET: secret,
      REMIT_GITHUB_API_URL: `${url}/api/v3`,
      REMIT_GITHUB_ALLOW_CIDRS: ['127.0.0.1/32'],
    },
    fake,
    pullNumber,
    delivery() {
      const user = { login: DEMO_AUTHOR.login, id: DEMO_AUTHOR.id, type: 'User' };
      const repository = { id: REPO_ID, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, id: 1, type: 'Organization' } };
      const body = JSON.stringify({
        action: 'opened',
        number: pullNumber,
        pull_request: {
          number: pullNumber,
          state: 'open',
          draft: false,
          title: 'Fail checkout faster',
          user,
          head: { sha: repo.head },
          base: { sha: repo.base },
        },
        repository,
        installation: { id: INSTALLATION_ID },
        sender: user,
      });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      return {
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
        body,
      };
    },
    async close() {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await fake.close();
      repo.remove();
    },
  };
}

/** acme/payments as a bare repository: a base commit, and the pull request's head commit on top. */
function createRepository(): { projectRoot: string; base: string; head: string; diff: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'remit-demo-git-'));
  const work = join(root, 'work');
  mkdirSync(join(work, 'src'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.com', '-c', 'init.defaultBranch=main', ...args], {
      cwd: work,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
    }).trim();
  git('init', '-q');
  writeFileSync(join(work, 'src', 'charge.js'), '// Calls the card processor.\nconst TIMEOUT_MS = 3000;\nmodule.exports = { TIMEOUT_MS };\n');
  git('add', '.');
  git('commit', '-q', '-m', 'card processor client');
  const base = git('rev-parse', 'HEAD');
  writeFileSync(join(work, 'src', 'charge.js'), '// Calls the card processor.\nconst TIMEOUT_MS = 0;\nmodule.exports = { TIMEOUT_MS };\n');
  git('commit', '-q', '-am', 'fail checkout faster');
  const head = git('rev-parse', 'HEAD');
  const diff = `${git('diff', base, head)}\n`;
  const projectRoot = join(root, 'served');
  mkdirSync(join(projectRoot, OWNER), { recursive: true });
  execFileSync('git', ['clone', '-q', '--bare', work, join(projectRoot, OWNER, `${REPO}.git`)], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
  });
  return { projectRoot, base, head, diff, remove: () => rmSync(root, { recursive: true, force: true }) };
}
