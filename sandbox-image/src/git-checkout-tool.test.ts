import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCheckoutInput, type CredentialBundle } from '@remit/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gitCheckoutTool } from './git-checkout-tool.ts';
import { ProcessGroups } from './run-process.ts';
import { createScrubber } from './scrubber.ts';
import { createTestRepository, gitHttpBackendHandler, type RecordedRequest, type TestRepository } from './testing.ts';
import type { ToolContext } from './tool-context.ts';

const TOKEN = 'ghs_test0token0for0the0git0bridge0XYZ';

describe('git_checkout through the bridge and a git-http-backend egress fake', () => {
  let dir: string;
  let egress: Server;
  let seen: RecordedRequest[];
  let ctx: ToolContext;
  let repo: TestRepository;

  beforeAll(() => {
    repo = createTestRepository('hello from the fake repository\n');
  });
  afterAll(() => repo.remove());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-agent-git-'));
    seen = [];
    egress = createServer(gitHttpBackendHandler(repo.projectRoot, seen));
    await new Promise<void>((resolve) => egress.listen(join(dir, 'egress.sock'), resolve));
    const bundle: CredentialBundle = {
      runId: '00000000-0000-4000-8000-000000000001',
      connections: [{ name: 'github', type: 'github' }],
      secrets: [{ connection: 'github', kind: 'git_token', values: { token: TOKEN } }],
    };
    await mkdir(join(dir, 'work'));
    ctx = { workdir: join(dir, 'work'), egressSocketPath: join(dir, 'egress.sock'), bundle, scrubber: createScrubber([TOKEN]), groups: new ProcessGroups() };
  });

  afterEach(async () => {
    egress.closeAllConnections();
    await new Promise((resolve) => egress.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('checks out the commit, sending Host = connection and the token only as a header the bridge adds', async () => {
    const output = await gitCheckoutTool(ctx, GitCheckoutInput.parse({ connection: 'github', repository: repo.repository }));
    expect(output).toMatchObject({ dir: 'repo', commit: repo.commit });
    expect(await readFile(join(ctx.workdir, 'repo', 'README.md'), 'utf8')).toBe('hello from the fake repository\n');
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.host).toBe('github');
      expect(request.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
      expect(request.url.startsWith('/acme/payments.git/')).toBe(true);
    }
    // Nothing on disk in the checkout names the token: not .git/config, not the remote URL.
    const config = await readFile(join(ctx.workdir, 'repo', '.git', 'config'), 'utf8');
    expect(config).not.toContain(TOKEN);
  });

  it('fetches again into an existing checkout', async () => {
    await gitCheckoutTool(ctx, GitCheckoutInput.parse({ connection: 'github', repository: repo.repository, dir: 'again' }));
    const second = await gitCheckoutTool(ctx, GitCheckoutInput.parse({ connection: 'github', repository: repo.repository, dir: 'again', ref: 'main' }));
    expect(second.commit).toBe(repo.commit);
  });

  it('fails cleanly for a repository the backend does not have', async () => {
    await expect(gitCheckoutTool(ctx, GitCheckoutInput.parse({ connection: 'github', repository: 'acme/missing' }))).rejects.toMatchObject({ code: 'failed' });
  });

  it('refuses an option-looking ref and a dir outside the workdir before any request', async () => {
    const base = GitCheckoutInput.parse({ connection: 'github', repository: repo.repository });
    expect(GitCheckoutInput.safeParse({ ...base, ref: '-uupload-pack' }).success).toBe(true); // the schema lets it through
    await expect(gitCheckoutTool(ctx, { ...base, ref: '-uupload-pack' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(gitCheckoutTool(ctx, { ...base, dir: '/etc' })).rejects.toMatchObject({ code: 'not_allowed' });
    expect(seen).toEqual([]);
  });
});
