import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexInSandbox } from '@remit/agents';
import type { CredentialBundle } from '@remit/core';
import { indexRepository } from '@remit/graph';
import { createFixtureRepository, fixtureGit, SERVICE_FIXTURE } from '@remit/graph/testing';
import { createLocalDriver, openSandboxSession } from '@remit/sandbox';
import { gitHttpBackendHandler, type RecordedRequest } from '@remit/sandbox-agent/testing';
import { describe, expect, it } from 'vitest';

/**
 * The knowledge graph is built where the source is: a repository checked out by `git_checkout`
 * inside a real bubblewrap sandbox is indexed there, and only the validated graph comes out.
 */
const runId = randomUUID();
const bundle: CredentialBundle = {
  runId,
  connections: [{ name: 'github', type: 'github' }],
  secrets: [{ connection: 'github', kind: 'git_token', values: { token: 'ghs_graph0index0token0ABCDEFGHIJKLMNOP' } }],
};

describe('indexing a repository inside a sandbox', () => {
  it('checks out, indexes in the sandbox, and returns the same graph the host would build, nothing more', async () => {
    const work = createFixtureRepository(SERVICE_FIXTURE);
    const served = mkdtempSync(join(tmpdir(), 'remit-graph-served-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'remit-graph-state-'));
    const git = fixtureGit(served);
    const driver = createLocalDriver({ stateDir });
    try {
      git(work.root, 'init', '-q');
      git(work.root, 'add', '-A', '-f');
      git(work.root, 'commit', '-q', '-m', 'payments');
      const commit = git(work.root, 'rev-parse', 'HEAD');
      mkdirSync(join(served, 'acme'));
      git(served, 'clone', '-q', '--bare', work.root, join(served, 'acme', 'payments.git'));
      const seen: RecordedRequest[] = [];
      const session = await openSandboxSession(driver, { runId, bundle, egress: gitHttpBackendHandler(served, seen) });
      try {
        expect(await session.call('git_checkout', { connection: 'github', repository: 'acme/payments' })).toMatchObject({ ok: true, output: { commit } });
        const { snapshot } = await indexInSandbox(session, { repository: 'acme/payments' });

        const onHost = await indexRepository({ root: work.root, repository: 'acme/payments', commit });
        expect(snapshot).toEqual(onHost);
        expect(snapshot.commit).toBe(commit);
        expect(snapshot.symbols.map((s) => s.id)).toContain('src/ledger.ts#Ledger.charge');
        expect(snapshot.edges).toContainEqual(
          expect.objectContaining({ kind: 'calls', from: 'src/ledger.ts#Ledger.charge', to: 'src/money.ts#round', resolved: true }),
        );
        expect(snapshot.owners.length).toBeGreaterThan(0);
        // What came out holds no line of the code that stayed in.
        expect(JSON.stringify(snapshot)).not.toContain('Math.round(value)');

        // An index of a path the sandbox's own code pointed outside the workdir is refused.
        expect(await session.call('exec', { command: ['ln', '-s', '/usr', 'escape'] })).toMatchObject({ ok: true });
        await expect(indexInSandbox(session, { repository: 'acme/payments', dir: 'escape' })).rejects.toMatchObject({
          code: 'index_failed',
          details: { toolError: 'not_allowed' },
        });
      } finally {
        await session.close();
      }
    } finally {
      for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
      work.remove();
      rmSync(served, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
