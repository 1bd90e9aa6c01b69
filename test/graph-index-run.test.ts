import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGraphSnapshot } from '@remit/db';
import { indexRepository } from '@remit/graph';
import type { GraphSnapshot } from '@remit/graph/schema';
import { createFixtureRepository, fixtureGit, SERVICE_FIXTURE } from '@remit/graph/testing';
import { gitHttpBackendHandler, type RecordedRequest } from '@remit/sandbox-agent/testing';
import { describe, expect, it } from 'vitest';
import { withRunStack, type RunStack } from './support/run-stack.ts';

const GITHUB_TOKEN = 'ghp_index0run0token0ABCDEFGHIJKLMNOPQRS';

/**
 * A GitHub Enterprise stand-in on loopback: `/user` answers the connection's verify probe, and
 * acme/payments (the graph package's four-language fixture) is served over git's smart HTTP by
 * the real git-http-backend, which the sandbox's `git_checkout` reaches through the egress proxy.
 */
async function startGitHost() {
  const work = createFixtureRepository(SERVICE_FIXTURE);
  const served = mkdtempSync(join(tmpdir(), 'remit-index-run-'));
  const git = fixtureGit(served);
  git(work.root, 'init', '-q');
  git(work.root, 'add', '-A', '-f');
  git(work.root, 'commit', '-q', '-m', 'payments');
  const commit = git(work.root, 'rev-parse', 'HEAD');
  mkdirSync(join(served, 'acme'));
  const bare = join(served, 'acme', 'payments.git');
  git(served, 'clone', '-q', '--bare', work.root, bare);
  const requests: RecordedRequest[] = [];
  const backend = gitHttpBackendHandler(served, requests);
  const server = createServer((req, res) => {
    if (req.url === '/user') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"login":"indexer"}');
    backend(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    commit,
    requests,
    /** The work tree: what a full index of the served HEAD reads. */
    root: work.root,
    /** Commits a change of one file and pushes it; returns the new HEAD. */
    commitChange(path: string, content: string): string {
      work.write(path, content);
      git(work.root, 'commit', '-q', '-a', '-m', `change ${path}`);
      git(work.root, 'push', '-q', bare, 'HEAD:refs/heads/main');
      return git(work.root, 'rev-parse', 'HEAD');
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      work.remove();
      rmSync(served, { recursive: true, force: true });
    },
  };
}

const body = async <T>(res: Response) => (await res.json()) as T;

/** A snapshot in one order whatever the order it was built or stored in. */
const sorted = (snapshot: GraphSnapshot) => {
  const key = (item: object) => JSON.stringify(item, Object.keys(item).sort());
  const order = <T extends object>(items: T[]) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return { ...snapshot, files: order(snapshot.files), symbols: order(snapshot.symbols), edges: order(snapshot.edges), facts: order(snapshot.facts) };
};

describe('an index run (bubblewrap sandbox, no model turn)', () => {
  it('checks the repository out through the role’s GitHub connection, indexes it in the sandbox and stores the graph its readers can query', async () => {
    const host = await startGitHost();
    try {
      await withRunStack(
        async (s: RunStack) => {
          const created = await s.admin('/v1/admin/connections', {
            name: 'payments-repo',
            type: 'github',
            config: { apiUrl: host.url, allowPrivateCidrs: ['127.0.0.1/32'] },
            secret: { token: GITHUB_TOKEN },
          });
          expect(created.status).toBe(201);
          await s.admin('/v1/admin/roles', { name: 'indexer', connections: ['payments-repo'], runKinds: ['index', 'troubleshoot'] });
          await s.admin('/v1/admin/roles', { name: 'outsider', connections: [], runKinds: ['index'] });
          await s.admin('/v1/admin/bindings', { role: 'indexer', subject: { kind: 'group', group: 'payments' } });
          await s.admin('/v1/admin/bindings', { role: 'outsider', subject: { kind: 'group', group: 'web' } });
          const pat = await s.tokenFor({ email: 'pat@example.com', groups: ['payments'] });
          const wendy = await s.tokenFor({ email: 'wendy@example.com', groups: ['web'] });
          const input = JSON.stringify({ repository: 'acme/payments', connection: 'payments-repo' });

          const runId = await s.startRun(pat, { kind: 'index', input });
          const run = await s.waitForStatus(runId, ['succeeded', 'failed'], 60_000);
          expect(run).toMatchObject({ status: 'succeeded', steps: 0 });
          expect(run.answer).toMatch(/^Indexed acme\/payments at [0-9a-f]{40}: 8 files, \d+ symbols, \d+ edges/);
          const result = (await s.db.owner((sql) => sql.query<{ result: Record<string, number | string> }>('select result from runs where id = $1', [runId])))
            .rows[0]!.result;
          expect(result).toMatchObject({ repository: 'acme/payments', commit: host.commit, changedFiles: 8, removedFiles: 0, parsedFiles: 8 });
          expect(result.files).toBe(8);
          expect(result.symbols).toBeGreaterThan(10);
          expect(result.edges).toBeGreaterThan(5);
          // The checkout went through the egress proxy with the connection's token, and no model was asked anything.
          expect(host.requests.some((r) => r.url.startsWith('/acme/payments.git/') && r.authorization !== undefined)).toBe(true);
          const events = await s.db.owner((sql) => sql.query<{ type: string }>('select type from run_events where run_id = $1', [runId]));
          const types = events.rows.map((e) => e.type);
          expect(types).toContain('egress');
          expect(types).not.toContain('model_turn');

          // A reader of the connection queries the stored graph; a role that does not reach it sees nothing.
          const repos = await body<{ items: { name: string; connection: string | null; commit: string }[] }>(
            await s.request('/v1/graph/repositories', { token: pat }),
          );
          expect(repos.items).toEqual([expect.objectContaining({ name: 'acme/payments', connection: 'payments-repo', commit: host.commit })]);
          const stored = await s.db.owner((sql) =>
            sql.query<{ resolved: boolean }>(
              `select e.resolved from graph_edges e where e.kind = 'calls' and e.from_ref = 'src/ledger.ts#Ledger.charge' and e.to_ref = 'src/money.ts#round'`,
            ),
          );
          expect(stored.rows).toEqual([{ resolved: true }]);
          expect((await body<{ items: unknown[] }>(await s.request('/v1/graph/repositories', { token: wendy }))).items).toEqual([]);

          // Indexing through a connection the role does not reach fails plainly, before any sandbox.
          const refused = await s.startRun(wendy, { kind: 'index', input });
          expect(await s.waitForStatus(refused, ['succeeded', 'failed'])).toMatchObject({ status: 'failed', statusReason: 'connection_not_reachable' });
          // Input an index run can never take is refused at the door, naming the field, and nothing is queued.
          const garbled = await s.request('/v1/runs', { method: 'POST', token: pat, json: { kind: 'index', input: '{"repository":"acme/payments"}' } });
          expect(garbled.status).toBe(400);
          expect(await body<{ error: { code: string; message: string } }>(garbled)).toMatchObject({
            error: { code: 'validation_failed', message: expect.stringMatching(/^input\.connection: /) },
          });

          // A new commit changes src/money.ts: the re-index parses it, and src/ledger.ts whose call into it must be
          // linked again; the other six files keep the stored graph's records, and the graph is a full index's.
          const next = host.commitChange(
            'src/money.ts',
            'export function round(value: number): number {\n  return Math.round(value * 100) / 100;\n}\n\nexport function floor(value: number): number {\n  return Math.floor(value);\n}\n',
          );
          const again = await s.startRun(pat, { kind: 'index', input });
          expect(await s.waitForStatus(again, ['succeeded', 'failed'], 60_000)).toMatchObject({ status: 'succeeded' });
          const reindexed = (
            await s.db.owner((sql) => sql.query<{ result: Record<string, number | string> }>('select result from runs where id = $1', [again]))
          ).rows[0]!.result;
          expect(reindexed).toMatchObject({ commit: next, files: 8, changedFiles: 1, removedFiles: 0, parsedFiles: 2 });
          const full = await indexRepository({ root: host.root, repository: 'acme/payments', commit: next });
          expect(full.symbols.some((symbol) => symbol.id === 'src/money.ts#floor')).toBe(true);
          expect(sorted((await loadGraphSnapshot(s.db, s.orgId, 'acme/payments'))!)).toEqual(sorted(full));
        },
        { script: [] },
      );
    } finally {
      await host.close();
    }
  }, 120_000);
});
