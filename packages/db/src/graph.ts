import { GraphSnapshot, type GraphEdge, type GraphFile } from '@remit/graph/schema';
import type { Database, Sql } from './sql.ts';

/**
 * What one save changed: files re-stored (new or another sha256), files removed, files kept as
 * they were, and of those the ones whose edges alone were replaced (relinked).
 */
export interface SavedGraph {
  repositoryId: string;
  changedFiles: number;
  removedFiles: number;
  unchangedFiles: number;
  relinkedFiles: number;
}

/**
 * Rows per INSERT … SELECT FROM unnest(…): one parameter per column whatever the count, so a
 * batch is a few round trips' worth of bytes, not tens of thousands of parameters.
 */
const BATCH = 5000;

/**
 * Stores a repository's graph at one commit, incrementally, in one transaction (the org's graph
 * scope, the only one that writes): a file whose sha256 is unchanged keeps the symbols and facts
 * stored for it and the snapshot's are ignored (so an indexer may skip re-parsing it), a file
 * that is new or changed has its symbols, edges and facts replaced, a file no longer in the
 * snapshot is removed with its rows; CODEOWNERS rules are replaced whole. An unchanged file's
 * edges also depend on the modules it imports (a call re-resolves, or no longer resolves, when
 * one of them changed), so they are replaced whenever the snapshot carries edges for the file
 * that differ from the stored ones; a snapshot with no edge for an unchanged file is one whose
 * indexer skipped it, and the stored edges stay. Saving the same
 * snapshot again changes nothing but the commit and the time. The snapshot is validated against
 * its schema first and refused whole on any failure. With `sameConnectionOnly` (an index run), a
 * repository stored through another connection is left alone and GraphRepositoryTaken thrown.
 */
export async function saveGraphSnapshot(
  db: Database,
  orgId: string,
  input: { connectionId: string | null; snapshot: GraphSnapshot; sameConnectionOnly?: boolean },
): Promise<SavedGraph> {
  const snapshot = GraphSnapshot.parse(input.snapshot);
  return db.tenant({ orgId, userId: null, graphScope: { kind: 'org' } }, async (sql) => {
    const repo = await sql.query<{ id: string }>(
      `insert into graph_repositories (org_id, name, connection_id, commit) values (remit_current_org(), $1, $2, $3)
       on conflict (org_id, name) do update set connection_id = excluded.connection_id, commit = excluded.commit, indexed_at = now(), reindex_queued_at = null
         where not $4::boolean or graph_repositories.connection_id is not distinct from excluded.connection_id
       returning id`,
      [snapshot.repository, input.connectionId, snapshot.commit, input.sameConnectionOnly === true],
    );
    if (repo.rows.length === 0) throw new GraphRepositoryTaken(snapshot.repository);
    const repositoryId = repo.rows[0]!.id;
    const stored = new Map(
      (await sql.query<{ path: string; sha256: string }>('select path, sha256 from graph_files where repository_id = $1', [repositoryId])).rows.map((f) => [
        f.path,
        f.sha256,
      ]),
    );
    const incoming = new Set(snapshot.files.map((f) => f.path));
    const changed = snapshot.files.filter((f) => stored.get(f.path) !== f.sha256);
    const removed = [...stored.keys()].filter((path) => !incoming.has(path));
    const replaced = [...changed.map((f) => f.path), ...removed];
    for (const paths of batches(replaced)) {
      for (const table of ['graph_symbols', 'graph_edges', 'graph_facts'] as const)
        await sql.query(`delete from ${table} where repository_id = $1 and path = any ($2::text[])`, [repositoryId, paths]);
    }
    for (const paths of batches(removed))
      await sql.query('delete from graph_files where repository_id = $1 and path = any ($2::text[])', [repositoryId, paths]);
    for (const files of batches(changed)) await upsertFiles(sql, repositoryId, files);
    const isChanged = new Set(changed.map((f) => f.path));
    const relinked = await relinkedPaths(
      sql,
      repositoryId,
      snapshot.edges.filter((e) => stored.has(e.path) && !isChanged.has(e.path)),
    );
    for (const paths of batches([...relinked]))
      await sql.query('delete from graph_edges where repository_id = $1 and path = any ($2::text[])', [repositoryId, paths]);
    await insertSymbols(
      sql,
      repositoryId,
      snapshot.symbols.filter((s) => isChanged.has(s.path)),
    );
    await insertEdges(
      sql,
      repositoryId,
      snapshot.edges.filter((e) => isChanged.has(e.path) || relinked.has(e.path)),
    );
    await insertFacts(
      sql,
      repositoryId,
      snapshot.facts.filter((f) => isChanged.has(f.path)),
    );
    await sql.query('delete from graph_owners where repository_id = $1', [repositoryId]);
    if (snapshot.owners.length)
      await sql.query(
        `insert into graph_owners (org_id, repository_id, line, pattern, owners)
         select remit_current_org(), $1, r.line, r.pattern, array(select jsonb_array_elements_text(r.owners))
           from jsonb_to_recordset($2::jsonb) as r(line integer, pattern text, owners jsonb)
         on conflict (repository_id, line) do nothing`,
        [repositoryId, JSON.stringify(snapshot.owners)],
      );
    await sql.query(
      `update graph_repositories set
         file_count = (select count(*) from graph_files where repository_id = $1),
         symbol_count = (select count(*) from graph_symbols where repository_id = $1),
         edge_count = (select count(*) from graph_edges where repository_id = $1),
         fact_count = (select count(*) from graph_facts where repository_id = $1)
       where id = $1`,
      [repositoryId],
    );
    return {
      repositoryId,
      changedFiles: changed.length,
      removedFiles: removed.length,
      unchangedFiles: snapshot.files.length - changed.length,
      relinkedFiles: relinked.size,
    };
  });
}

/** The unchanged files whose snapshot edges (given) differ from their stored ones, compared as sets per file. */
async function relinkedPaths(sql: Sql, repositoryId: string, edges: GraphEdge[]): Promise<Set<string>> {
  const incoming = edgeKeysByPath(edges);
  const stored = new Map<string, string[]>();
  for (const paths of batches([...incoming.keys()])) {
    const res = await sql.query<{ path: string; kind: string; from_ref: string; to_ref: string; resolved: boolean; line: number }>(
      'select path, kind, from_ref, to_ref, resolved, line from graph_edges where repository_id = $1 and path = any ($2::text[])',
      [repositoryId, paths],
    );
    for (const [path, keys] of edgeKeysByPath(
      res.rows.map((r) => ({ path: r.path, kind: r.kind, from: r.from_ref, to: r.to_ref, resolved: r.resolved, line: r.line })),
    ))
      stored.set(path, keys);
  }
  const same = (a: string[], b: string[] | undefined) => b !== undefined && a.length === b.length && a.every((key, i) => key === b[i]);
  return new Set([...incoming].filter(([path, keys]) => !same(keys, stored.get(path))).map(([path]) => path));
}

function edgeKeysByPath(edges: { path: string; kind: string; from: string; to: string; resolved: boolean; line: number }[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const e of edges) {
    const keys = byPath.get(e.path) ?? [];
    keys.push(JSON.stringify([e.kind, e.from, e.to, e.resolved, Number(e.line)]));
    byPath.set(e.path, keys);
  }
  for (const keys of byPath.values()) keys.sort();
  return byPath;
}

/**
 * A save with `sameConnectionOnly` of a repository name the org's graph already holds through
 * another connection (or none): a role must not replace, or take over, a graph that other roles
 * read through a connection it does not reach. Nothing was written.
 */
export class GraphRepositoryTaken extends Error {
  constructor(readonly repository: string) {
    super(`The graph of ${repository} is stored through another connection.`);
    this.name = 'GraphRepositoryTaken';
  }
}

/** Each stored file's sha256, by path: what an indexer compares to re-parse only changed files. */
export async function graphFileHashes(db: Database, orgId: string, repository: string): Promise<Map<string, string>> {
  return db.tenant({ orgId, userId: null, graphScope: { kind: 'org' } }, async (sql) => {
    const res = await sql.query<{ path: string; sha256: string }>(
      'select f.path, f.sha256 from graph_files f join graph_repositories r on r.id = f.repository_id where r.name = $1',
      [repository],
    );
    return new Map(res.rows.map((f) => [f.path, f.sha256]));
  });
}

/**
 * A repository's stored graph rebuilt as a GraphSnapshot (files, symbols, edges, facts and
 * CODEOWNERS rules at the commit last indexed), or undefined when none is stored: what an
 * indexer is given as `previous` to parse only changed files. With a Database it reads as the
 * org's graph scope; with a Sql it reads under the caller's scope (an index run's role), so a
 * repository the scope does not see is undefined. The rows are checked against GraphSnapshot on
 * the way out, as any snapshot is.
 */
export async function loadGraphSnapshot(from: Sql | Database, orgId: string, repository: string): Promise<GraphSnapshot | undefined> {
  if ('tenant' in from) return from.tenant({ orgId, userId: null, graphScope: { kind: 'org' } }, (sql) => loadGraphSnapshot(sql, orgId, repository));
  const repo = await from.query<{ id: string; commit: string }>('select id, commit from graph_repositories where org_id = $1 and name = $2', [
    orgId,
    repository,
  ]);
  const row = repo.rows[0];
  if (!row) return undefined;
  const rows = async <Row>(text: string) => (await from.query<Row>(text, [row.id])).rows;
  const files = await rows<{ path: string; language: string; size: string | number; sha256: string }>(
    'select path, language, size, sha256 from graph_files where repository_id = $1 order by path',
  );
  const symbols = await rows<{
    symbol_id: string;
    path: string;
    name: string;
    qualified_name: string;
    kind: string;
    signature: string;
    exported: boolean;
    line: number;
    end_line: number;
    doc: string | null;
  }>(
    'select symbol_id, path, name, qualified_name, kind, signature, exported, line, end_line, doc from graph_symbols where repository_id = $1 order by path, line, symbol_id',
  );
  const edges = await rows<{ path: string; kind: string; from_ref: string; to_ref: string; resolved: boolean; line: number }>(
    'select path, kind, from_ref, to_ref, resolved, line from graph_edges where repository_id = $1 order by path, line, kind, from_ref, to_ref',
  );
  const facts = await rows<{ path: string; kind: string; line: number; method: string | null; target: string; symbol_ref: string | null }>(
    'select path, kind, line, method, target, symbol_ref from graph_facts where repository_id = $1 order by path, line, kind, target',
  );
  const owners = await rows<{ line: number; pattern: string; owners: string[] }>(
    'select line, pattern, owners from graph_owners where repository_id = $1 order by line',
  );
  return GraphSnapshot.parse({
    repository,
    commit: row.commit,
    files: files.map((f) => ({ path: f.path, language: f.language, size: Number(f.size), sha256: f.sha256 })),
    symbols: symbols.map((s) => ({
      id: s.symbol_id,
      path: s.path,
      name: s.name,
      qualifiedName: s.qualified_name,
      kind: s.kind,
      signature: s.signature,
      exported: s.exported,
      line: s.line,
      endLine: s.end_line,
      ...(s.doc === null ? {} : { doc: s.doc }),
    })),
    edges: edges.map((e) => ({ kind: e.kind, path: e.path, from: e.from_ref, to: e.to_ref, resolved: e.resolved, line: Number(e.line) })),
    facts: facts.map((f) => ({
      kind: f.kind,
      path: f.path,
      line: f.line,
      ...(f.method === null ? {} : { method: f.method }),
      target: f.target,
      ...(f.symbol_ref === null ? {} : { symbol: f.symbol_ref }),
    })),
    owners: owners.map((o) => ({ line: o.line, pattern: o.pattern, owners: o.owners })),
  });
}

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}

async function upsertFiles(sql: Sql, repositoryId: string, files: GraphFile[]): Promise<void> {
  await sql.query(
    `insert into graph_files (org_id, repository_id, path, language, size, sha256)
     select remit_current_org(), $1, * from unnest($2::text[], $3::text[], $4::bigint[], $5::text[])
     on conflict (repository_id, path) do update set language = excluded.language, size = excluded.size, sha256 = excluded.sha256`,
    [repositoryId, files.map((f) => f.path), files.map((f) => f.language), files.map((f) => f.size), files.map((f) => f.sha256)],
  );
}

async function insertSymbols(sql: Sql, repositoryId: string, symbols: GraphSnapshot['symbols']): Promise<void> {
  for (const b of batches(symbols)) {
    await sql.query(
      `insert into graph_symbols (org_id, repository_id, symbol_id, path, name, qualified_name, kind, signature, exported, line, end_line, doc)
       select remit_current_org(), $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::int[], $10::int[], $11::text[])`,
      [
        repositoryId,
        b.map((s) => s.id),
        b.map((s) => s.path),
        b.map((s) => s.name),
        b.map((s) => s.qualifiedName),
        b.map((s) => s.kind),
        b.map((s) => s.signature),
        b.map((s) => s.exported),
        b.map((s) => s.line),
        b.map((s) => s.endLine),
        b.map((s) => s.doc ?? null),
      ],
    );
  }
}

async function insertEdges(sql: Sql, repositoryId: string, edges: GraphEdge[]): Promise<void> {
  for (const b of batches(edges)) {
    await sql.query(
      `insert into graph_edges (org_id, repository_id, path, kind, from_ref, to_ref, to_name, to_path, resolved, line)
       select remit_current_org(), $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::int[])`,
      [
        repositoryId,
        b.map((e) => e.path),
        b.map((e) => e.kind),
        b.map((e) => e.from),
        b.map((e) => e.to),
        b.map((e) => lastIdentifier(e.to)),
        b.map((e) => (e.resolved ? pathOfSymbolId(e.to) : null)),
        b.map((e) => e.resolved),
        b.map((e) => e.line),
      ],
    );
  }
}

async function insertFacts(sql: Sql, repositoryId: string, facts: GraphSnapshot['facts']): Promise<void> {
  for (const b of batches(facts)) {
    await sql.query(
      `insert into graph_facts (org_id, repository_id, path, kind, line, method, target, symbol_ref)
       select remit_current_org(), $1, * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])`,
      [
        repositoryId,
        b.map((f) => f.path),
        b.map((f) => f.kind),
        b.map((f) => f.line),
        b.map((f) => f.method ?? null),
        b.map((f) => f.target),
        b.map((f) => f.symbol ?? null),
      ],
    );
  }
}

/** `charge` of `src/pay.ts#Ledger.charge`, `ledger.charge` or `fmt.Println`'s `Println`; null for a module (`src/pay.ts#`). */
export function lastIdentifier(ref: string): string | null {
  const name =
    ref
      .slice(ref.lastIndexOf('#') + 1)
      .split('.')
      .pop() ?? '';
  return name === '' ? null : name.slice(0, 200);
}

/** The file part of a symbol id (`src/pay.ts` of `src/pay.ts#Ledger`). */
export function pathOfSymbolId(id: string): string {
  const hash = id.indexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}

/** A repository read through a connection whose re-index fell due. */
export interface DueReindex {
  repositoryId: string;
  repository: string;
  connectionId: string;
  commit: string;
  indexedAt: Date;
  /** The roles that reach its connection, by name: the ones a re-index run may act as. */
  roles: string[];
}

/**
 * Claims the repositories read through a connection that were last indexed (or last queued for
 * re-indexing) at least `intervalSeconds` before `now`, oldest first, and marks them queued at
 * `now`: the caller queues their re-index in the same transaction, so a claim and its work commit
 * together, and SKIP LOCKED lets every replica run this at once without claiming one twice.
 * A repository without a connection (a local path) is never due: nothing could check it out.
 */
export async function claimDueReindexes(sql: Sql, options: { now: Date; intervalSeconds: number; limit: number }): Promise<DueReindex[]> {
  const res = await sql.query<{ id: string; name: string; connection_id: string; commit: string; indexed_at: Date; roles: string[] }>(
    `update graph_repositories r set reindex_queued_at = $1
      where r.id in (select id from graph_repositories
                      where connection_id is not null
                        and greatest(indexed_at, coalesce(reindex_queued_at, '-infinity')) <= $1::timestamptz - make_interval(secs => $2)
                      order by indexed_at, id
                      limit $3
                      for update skip locked)
      returning r.id, r.name, r.connection_id, r.commit, r.indexed_at,
                array(select ro.name from role_connections rc join roles ro on ro.id = rc.role_id where rc.connection_id = r.connection_id order by ro.name) as roles`,
    [options.now, options.intervalSeconds, options.limit],
  );
  return res.rows
    .map((r) => ({
      repositoryId: r.id,
      repository: r.name,
      connectionId: r.connection_id,
      commit: r.commit,
      indexedAt: new Date(r.indexed_at),
      roles: r.roles,
    }))
    .sort((a, b) => a.indexedAt.getTime() - b.indexedAt.getTime());
}
