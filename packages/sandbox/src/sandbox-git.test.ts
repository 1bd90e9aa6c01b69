import { randomUUID } from 'node:crypto';
import type { CredentialBundle } from '@remit/core';
import { createTestRepository, gitHttpBackendHandler, type RecordedRequest } from '@remit/sandbox-agent/testing';
import { describe, expect, it } from 'vitest';
import { exec, withSession } from './testing.ts';

const runId = randomUUID();
const TOKEN = 'ghs_sandbox0git0token0ABCDEFGHIJKLMNOP';
const bundle: CredentialBundle = {
  runId,
  connections: [{ name: 'github', type: 'github' }],
  secrets: [{ connection: 'github', kind: 'git_token', values: { token: TOKEN } }],
};

describe('git_checkout inside a sandbox', () => {
  it('clones through the bridge on the sandbox loopback and the egress socket, the token only in a header', async () => {
    const repo = createTestRepository('checked out inside the sandbox\n');
    const seen: RecordedRequest[] = [];
    try {
      await withSession({ runId, bundle, egress: gitHttpBackendHandler(repo.projectRoot, seen) }, async (session) => {
        const checkout = await session.call('git_checkout', { connection: 'github', repository: repo.repository });
        expect(checkout).toMatchObject({ ok: true, output: { dir: 'repo', commit: repo.commit } });
        expect(await session.call('read_file', { path: 'repo/README.md' })).toMatchObject({
          ok: true,
          output: { content: 'checked out inside the sandbox\n' },
        });
        expect(seen.length).toBeGreaterThan(0);
        for (const request of seen) {
          expect(request.host).toBe('github');
          expect(request.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
        }
        // Nothing git left in the workdir holds the token.
        const grep = await exec(session, ['sh', '-c', `grep -rl "${TOKEN}" /work || echo none`]);
        expect(grep.stdout.trim()).toBe('none');
      });
    } finally {
      repo.remove();
    }
  });
});
