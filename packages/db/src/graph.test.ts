import { indexRepository } from '@remit/graph';
import { createFixtureRepository } from '@remit/graph/testing';
import { describe, expect, it } from 'vitest';
import { paymentsSnapshot } from './fixtures/payments-graph.ts';
import { GraphRepositoryTaken, loadGraphSnapshot, saveGraphSnapshot } from './graph.ts';
import {
  findGraphRepository,
  findGraphSymbols,
  graphCallees,
  graphCallers,
  graphOwnersOf,
  listGraphRepositories,
  moduleDependencies,
  serviceMap,
} from './graph-queries.ts';
import type { GraphSnapshot } from '@remit/graph/schema';
import type { Database, Sql, TenantContext } from './sql.ts';
import { testDrivers, withTestDb } from './testing.ts';

interface Seeded {
  org: string;
  user: string;
  /** A role that reaches the repository's GitHub connection, and one that does not. */
  reader: string;
  outsider: string;
  connection: string;
}

async function seed(db: Database, org: string): Promise<Seeded> {
  return db.owner(async (sql) => {
    const one = async (text: string, params: unknown[]) => (await sql.query<{ id: string }>(text, params)).rows[0]!.id;
    const role = (name: string) =>
      one(`insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, $2, '{troubleshoot}', 60, 5) returning id`, [org, name]);
    const reader = await role('payments-dev');
    const outsider = await role('web-dev');
    const connection = await one(
      `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'payments-repo', 'github', 'service_account', '{}') returning id`,
      [org],
    );
    const other = await one(
      `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'web-repo', 'github', 'service_account', '{}') returning id`,
      [org],
    );
    await sql.query('insert into role_connections (org_id, role_id, connection_id) values ($1, $2, $3), ($1, $4, $5)', [
      org,
      reader,
      connection,
      outsider,
      other,
    ]);
    await sql.query(`insert into role_bindings (org_id, role_id, subject_kind, subject) values ($1, $2, 'group', 'payments')`, [org, reader]);
    await sql.query(`insert into role_bindings (org_id, role_id, subject_kind, subject) values ($1, $2, 'user', 'wendy@example.com')`, [org, outsider]);
    const user = await one(`insert into users (org_id, sub, email, groups) values ($1, 'pat', 'pat@example.com', '{payments}') returning id`, [org]);
    return { org, user, reader, outsider, connection };
  });
}

const GRAPH_TABLES = ['graph_repositories', 'graph_files', 'graph_symbols', 'graph_edges', 'graph_facts', 'graph_owners'] as const;

/** Every graph row a transaction can see with a raw, unfiltered query: what a hand-crafted query in that context gets. */
async function visibleRows(db: Database, ctx: TenantContext): Promise<Record<string, number>> {
  return db.tenant(ctx, async (sql) => {
    const counts: Record<string, number> = {};
    for (const t of GRAPH_TABLES) counts[t] = Number((await sql.query<{ n: number }>(`select count(*)::int as n from ${t}`)).rows[0]!.n);
    return counts;
  });
}

const none = Object.fromEntries(GRAPH_TABLES.map((t) => [t, 0]));

describe.each(testDrivers)('knowledge graph store on %s', (driver) => {
  it('saves incrementally: unchanged files keep their rows, changed ones are replaced, removed ones go; a second save changes nothing', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const s = await seed(db, orgA);
        const first = await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot() });
        expect(first).toMatchObject({ changedFiles: 2, removedFiles: 0, unchangedFiles: 0 });
        const asOrg: TenantContext = { orgId: orgA, userId: null, graphScope: { kind: 'org' } };
        const before = await visibleRows(db, asOrg);
        expect(before).toEqual({ graph_repositories: 1, graph_files: 2, graph_symbols: 4, graph_edges: 5, graph_facts: 3, graph_owners: 2 });

        expect(await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot() })).toMatchObject({
          changedFiles: 0,
          removedFiles: 0,
          unchangedFiles: 2,
        });
        expect(await visibleRows(db, asOrg)).toEqual(before);

        // The ledger changed: only its rows are replaced. An indexer that skipped the server (same sha256) loses nothing.
        const next = paymentsSnapshot({ ledgerVersion: 'v2' });
        const skipped = { ...next, symbols: next.symbols.filter((x) => x.path !== 'src/server.ts'), edges: [], facts: [] };
        expect(await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: skipped })).toMatchObject({ changedFiles: 1, unchangedFiles: 1 });
        const after = await db.tenant(asOrg, async (sql) => ({
          names: (await findGraphSymbols(sql, { limit: 10 })).map((x) => x.name),
          repo: await findGraphRepository(sql, 'acme/payments'),
        }));
        expect(after.names).toEqual(['Ledger', 'chargeCard', 'handle', 'ledger']);
        expect(after.repo).toMatchObject({ commit: 'commit-v2', files: 2, symbols: 4, edges: 5, facts: 3, connection: 'payments-repo' });

        expect(await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot({ withServer: false }) })).toMatchObject({
          removedFiles: 1,
          changedFiles: 1,
        });
        expect(await visibleRows(db, asOrg)).toMatchObject({ graph_files: 1, graph_symbols: 3, graph_edges: 0, graph_facts: 0 });
      },
      { driver },
    );
  });

  it('replaces an unchanged file’s edges when a module it imports changed: ledger’s call to money#round becomes unresolved', async () => {
    const repo = createFixtureRepository({
      'src/money.ts': 'export function round(value: number): number {\n  return Math.round(value);\n}\n',
      'src/ledger.ts': "import { round } from './money.js';\n\nexport function charge(amount: number): number {\n  return round(amount);\n}\n",
    });
    try {
      await withTestDb(
        async ({ db, orgA }) => {
          const asOrg: TenantContext = { orgId: orgA, userId: null, graphScope: { kind: 'org' } };
          const ledgerCalls = () =>
            db.tenant(
              asOrg,
              async (sql) =>
                (
                  await sql.query<{ to_ref: string; resolved: boolean }>(
                    `select to_ref, resolved from graph_edges where path = 'src/ledger.ts' and kind = 'calls'`,
                  )
                ).rows,
            );
          const index = (commit: string, previous?: GraphSnapshot) =>
            indexRepository({ root: repo.root, repository: 'acme/ledger', commit, ...(previous ? { previous } : {}) });

          const first = await index('c1');
          await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: first });
          expect(await ledgerCalls()).toEqual([{ to_ref: 'src/money.ts#round', resolved: true }]);
          const symbolsBefore = await db.tenant(asOrg, async (sql) => (await findGraphSymbols(sql, { limit: 10 })).map((x) => x.name));

          repo.write('src/money.ts', 'export function truncate(value: number): number {\n  return Math.trunc(value);\n}\n');
          const second = await index('c2', first);
          expect(await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: second })).toMatchObject({
            changedFiles: 1,
            unchangedFiles: 1,
            relinkedFiles: 1,
          });
          expect(await ledgerCalls()).toEqual([{ to_ref: 'round', resolved: false }]);
          // The ledger's own symbols are untouched; money's are replaced.
          const symbolsAfter = await db.tenant(asOrg, async (sql) => (await findGraphSymbols(sql, { limit: 10 })).map((x) => x.name));
          expect(symbolsAfter).toEqual(symbolsBefore.map((name) => (name === 'round' ? 'truncate' : name)).sort());
          expect(await db.tenant(asOrg, (sql) => findGraphRepository(sql, 'acme/ledger'))).toMatchObject({ edges: second.edges.length });

          // Saving the same snapshot again relinks nothing.
          expect(await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: second })).toMatchObject({ changedFiles: 0, relinkedFiles: 0 });
        },
        { driver },
      );
    } finally {
      repo.remove();
    }
  });

  it('an index run’s save never takes over a repository stored through another connection, as an attacker would try', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const s = await seed(db, orgA);
        const attackers = await db.owner(
          async (sql) =>
            (
              await sql.query<{ id: string }>(
                `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'my-fork', 'http', 'service_account', '{}') returning id`,
                [orgA],
              )
            ).rows[0]!.id,
        );
        await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot() });
        const asOrg: TenantContext = { orgId: orgA, userId: null, graphScope: { kind: 'org' } };
        const before = await visibleRows(db, asOrg);
        const poisoned = { ...paymentsSnapshot({ ledgerVersion: 'evil' }), commit: 'evil' };
        await expect(saveGraphSnapshot(db, orgA, { connectionId: attackers, snapshot: poisoned, sameConnectionOnly: true })).rejects.toBeInstanceOf(
          GraphRepositoryTaken,
        );
        expect(await visibleRows(db, asOrg)).toEqual(before);
        expect(await db.tenant(asOrg, (sql) => findGraphRepository(sql, 'acme/payments'))).toMatchObject({ commit: 'commit-v1', connection: 'payments-repo' });
        // A local path's repository of that name is not taken over either; its own connection re-indexes it.
        await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });
        await expect(
          saveGraphSnapshot(db, orgA, { connectionId: attackers, snapshot: { ...poisoned, repository: 'local/payments' }, sameConnectionOnly: true }),
        ).rejects.toBeInstanceOf(GraphRepositoryTaken);
        expect(
          await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot({ ledgerVersion: 'v2' }), sameConnectionOnly: true }),
        ).toMatchObject({ changedFiles: 1 });
      },
      { driver },
    );
  });

  it('refuses a snapshot that breaks its schema whole: a function body smuggled into a signature stores nothing', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const bad = paymentsSnapshot();
        bad.symbols[1]!.signature = 'export class Ledger {\n  private secret = 1;\n}';
        await expect(saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: bad })).rejects.toThrow(/one line/);
        expect(await visibleRows(db, { orgId: orgA, userId: null, graphScope: { kind: 'org' } })).toEqual(none);
      },
      { driver },
    );
  });

  it('answers symbols by name (exact, prefix) and kind, callers and callees, a module’s imports both ways, the service map and owners', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const s = await seed(db, orgA);
        const { repositoryId } = await saveGraphSnapshot(db, orgA, { connectionId: s.connection, snapshot: paymentsSnapshot() });
        await db.tenant({ orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: s.reader } }, async (sql: Sql) => {
          expect((await findGraphSymbols(sql, { repositoryId, q: 'charge', match: 'exact', limit: 10 })).map((x) => x.id)).toEqual([
            'src/ledger.ts#Ledger.charge',
          ]);
          expect((await findGraphSymbols(sql, { repositoryId, q: 'L', limit: 10 })).map((x) => x.name)).toEqual(['Ledger']);
          expect((await findGraphSymbols(sql, { repositoryId, q: 'ch', limit: 10 }))[0]).toMatchObject({
            repository: 'acme/payments',
            kind: 'method',
            signature: 'charge(amount: number): Promise<void>',
            doc: 'Charges the card on file.',
          });
          expect((await findGraphSymbols(sql, { kind: 'function', limit: 10 })).map((x) => x.name)).toEqual(['handle']);
          const firstPage = await findGraphSymbols(sql, { repositoryId, limit: 2 });
          const secondPage = await findGraphSymbols(sql, { repositoryId, limit: 2, after: { name: firstPage[1]!.name, id: firstPage[1]!.id } });
          expect([...firstPage, ...secondPage].map((x) => x.name)).toEqual(['Ledger', 'charge', 'handle', 'ledger']);

          const callers = await graphCallers(sql, repositoryId, { id: 'src/ledger.ts#Ledger.charge', name: 'charge' }, { limit: 10 });
          expect(callers).toEqual([
            {
              path: 'src/server.ts',
              line: 6,
              from: 'src/server.ts#handle',
              to: 'src/ledger.ts#Ledger.charge',
              resolved: true,
              symbol: { kind: 'function', signature: 'export async function handle(req: Request)' },
            },
            { path: 'src/server.ts', line: 8, from: 'src/server.ts#handle', to: 'ledger.charge', resolved: false, symbol: expect.anything() },
          ]);
          const callees = await graphCallees(sql, repositoryId, 'src/server.ts#handle', { limit: 2 });
          expect(callees.map((c) => [c.to, c.symbol?.kind ?? null])).toEqual([
            ['src/ledger.ts#Ledger.charge', 'method'],
            ['ledger.charge', null],
          ]);
          const rest = await graphCallees(sql, repositoryId, 'src/server.ts#handle', {
            limit: 2,
            after: { path: 'src/server.ts', line: 8, ref: 'ledger.charge' },
          });
          expect(rest.map((c) => c.to)).toEqual(['fetch']);

          expect(await moduleDependencies(sql, repositoryId, 'src/ledger.ts', 10)).toEqual({
            imports: [],
            importedBy: [{ path: 'src/server.ts', line: 1, from: 'src/server.ts#', to: 'src/ledger.ts#Ledger', resolved: true }],
            truncated: false,
          });
          const server = await moduleDependencies(sql, repositoryId, 'src/server.ts', 1);
          expect(server).toMatchObject({ imports: [{ to: 'src/ledger.ts#Ledger' }], truncated: true });

          expect(await serviceMap(sql, { limit: 10, perKind: 10 })).toEqual([
            {
              repository: 'acme/payments',
              routes: [{ path: 'src/server.ts', line: 3, method: 'POST', target: '/charges', symbol: 'src/server.ts#handle' }],
              clients: [{ path: 'src/server.ts', line: 9, method: 'GET', target: 'https://fraud.internal/score', symbol: null }],
              queues: [{ path: 'src/server.ts', line: 10, method: null, target: 'charges.settled', symbol: null }],
            },
          ]);
          expect(await graphOwnersOf(sql, repositoryId, 'src/ledger.ts')).toMatchObject({ owners: ['@acme/ledger'], line: 2 });
          expect(await graphOwnersOf(sql, repositoryId, 'src/server.ts')).toMatchObject({ owners: ['@acme/platform'], line: 1 });
        });
      },
      { driver },
    );
  });

  it('loads the stored graph back as the snapshot saved, for a scope that reaches it and for no other', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        const a = await seed(db, orgA);
        const b = await seed(db, orgB);
        const saved = paymentsSnapshot();
        await saveGraphSnapshot(db, orgA, { connectionId: a.connection, snapshot: saved });
        const key = (item: object) => JSON.stringify(item, Object.keys(item).sort());
        const order = <T extends object>(items: T[]) => [...items].sort((x, y) => (key(x) < key(y) ? -1 : 1));
        const sorted = (g: GraphSnapshot) => ({
          ...g,
          files: order(g.files),
          symbols: order(g.symbols),
          edges: order(g.edges),
          facts: order(g.facts),
          owners: order(g.owners),
        });
        expect(sorted((await loadGraphSnapshot(db, orgA, 'acme/payments'))!)).toEqual(sorted(saved));
        const asRole = (org: string, roleId: string) =>
          db.tenant({ orgId: org, userId: null, graphScope: { kind: 'role', roleId } }, (sql) => loadGraphSnapshot(sql, orgA, 'acme/payments'));
        expect(sorted((await asRole(orgA, a.reader))!)).toEqual(sorted(saved));
        expect(await asRole(orgA, a.outsider)).toBeUndefined();
        expect(await asRole(orgB, b.reader)).toBeUndefined();
        expect(await loadGraphSnapshot(db, orgB, 'acme/payments')).toBeUndefined();
        expect(await loadGraphSnapshot(db, orgA, 'acme/other')).toBeUndefined();
      },
      { driver },
    );
  });

  it('scoping, as an attacker: raw SQL in a run’s transaction reads no row of a repository its role does not reach', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        const a = await seed(db, orgA);
        const b = await seed(db, orgB);
        await saveGraphSnapshot(db, orgA, { connectionId: a.connection, snapshot: paymentsSnapshot() });
        await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });
        await saveGraphSnapshot(db, orgB, { connectionId: b.connection, snapshot: paymentsSnapshot() });
        const everything = await visibleRows(db, { orgId: orgA, userId: null, graphScope: { kind: 'org' } });
        expect(everything).toEqual({ graph_repositories: 2, graph_files: 4, graph_symbols: 8, graph_edges: 10, graph_facts: 6, graph_owners: 4 });

        // The run's role reaches the connection: it sees that repository only (not the local path).
        const reader = await visibleRows(db, { orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: a.reader } });
        expect(reader).toEqual({ graph_repositories: 1, graph_files: 2, graph_symbols: 4, graph_edges: 5, graph_facts: 3, graph_owners: 2 });

        // A role without the connection; another org's role that does reach a connection there; no scope at all;
        // an unknown role id; a scope string the policies do not know: nothing, whatever the query.
        for (const ctx of [
          { orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: a.outsider } },
          { orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: b.reader } },
          { orgId: orgA, userId: a.user },
          { orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: '00000000-0000-4000-8000-000000000000' } },
          { orgId: orgB, userId: null, graphScope: { kind: 'role', roleId: a.reader } },
          { orgId: null, userId: null, graphScope: { kind: 'org' } },
        ] satisfies TenantContext[]) {
          expect(await visibleRows(db, ctx), JSON.stringify(ctx)).toEqual(none);
        }
        const crafted = await db.tenant({ orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: a.outsider } }, async (sql) => [
          ...(await sql.query(`select * from graph_symbols where org_id = $1 or true`, [orgA])).rows,
          ...(await sql.query(`select s.* from graph_repositories r right join graph_symbols s on s.repository_id = r.id`)).rows,
          ...(await sql.query(`select * from graph_edges where repository_id in (select repository_id from graph_files)`)).rows,
        ]);
        expect(crafted).toEqual([]);

        // A run cannot write the graph either, even of a repository it reads.
        const write = db.tenant({ orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: a.reader } }, (sql) =>
          sql.query(`update graph_symbols set signature = 'x'`).then((r) => r.rowCount),
        );
        expect(await write).toBe(0);
        const insert = db.tenant({ orgId: orgA, userId: null, graphScope: { kind: 'role', roleId: a.reader } }, (sql) =>
          sql.query(`insert into graph_repositories (org_id, name, commit) values ($1, 'forged', 'x')`, [orgA]),
        );
        await expect(insert).rejects.toMatchObject({ code: '42501' });
      },
      { driver },
    );
  });

  it('people: a user sees repositories their bound roles reach (by group or email), follows unbinding, and admins see all', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const a = await seed(db, orgA);
        await saveGraphSnapshot(db, orgA, { connectionId: a.connection, snapshot: paymentsSnapshot() });
        await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });
        const names = (ctx: TenantContext) => db.tenant(ctx, async (sql) => (await listGraphRepositories(sql)).map((r) => r.name));
        expect(await names({ orgId: orgA, userId: a.user, graphScope: { kind: 'user' } })).toEqual(['acme/payments']);
        expect(await names({ orgId: orgA, userId: null, graphScope: { kind: 'user' } })).toEqual([]);
        expect(await names({ orgId: orgA, userId: a.user, graphScope: { kind: 'org' } })).toEqual(['acme/payments', 'local/payments']);
        await db.owner((sql) => sql.query(`update users set groups = '{}' where id = $1`, [a.user]));
        expect(await names({ orgId: orgA, userId: a.user, graphScope: { kind: 'user' } })).toEqual([]);
        await db.owner((sql) => sql.query(`update users set email = 'wendy@example.com', groups = '{payments}' where id = $1`, [a.user]));
        expect(await names({ orgId: orgA, userId: a.user, graphScope: { kind: 'user' } })).toEqual(['acme/payments']);
        // Deleting the connection deletes the graph read through it.
        await db.owner((sql) => sql.query('delete from role_connections where connection_id = $1; ', [a.connection]));
        await db.owner((sql) => sql.query('delete from connections where id = $1', [a.connection]));
        expect(await names({ orgId: orgA, userId: null, graphScope: { kind: 'org' } })).toEqual(['local/payments']);
      },
      { driver },
    );
  });
});
