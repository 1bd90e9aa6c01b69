import type { FactKind, SymbolKind } from '@remit/graph/schema';
import { ownersOf } from './codeowners.ts';
import type { Sql } from './sql.ts';

// Every query here reads under the transaction's graph scope (0016): a repository outside it,
// and every row of it, is simply not there. Callers choose the scope, never a filter.

export interface GraphRepositoryRecord {
  id: string;
  name: string;
  /** The connection it is read through; null for a local path. */
  connection: string | null;
  commit: string;
  indexedAt: Date;
  files: number;
  symbols: number;
  edges: number;
  facts: number;
}

export interface GraphSymbolRecord {
  repository: string;
  id: string;
  path: string;
  name: string;
  qualifiedName: string;
  kind: SymbolKind;
  signature: string;
  exported: boolean;
  line: number;
  endLine: number;
  doc: string | null;
}

/** One call edge; `symbol` is the other end (the caller, or the callee) when it is a known symbol. */
export interface GraphCallRecord {
  path: string;
  line: number;
  from: string;
  to: string;
  resolved: boolean;
  symbol: { kind: SymbolKind; signature: string } | null;
}

export interface GraphImportRecord {
  path: string;
  line: number;
  from: string;
  to: string;
  resolved: boolean;
}

export interface GraphFactRecord {
  path: string;
  line: number;
  method: string | null;
  target: string;
  symbol: string | null;
}

export interface ServiceMapRecord {
  repository: string;
  routes: GraphFactRecord[];
  clients: GraphFactRecord[];
  queues: GraphFactRecord[];
}

interface RepositoryRow {
  id: string;
  name: string;
  connection: string | null;
  commit: string;
  indexed_at: Date;
  file_count: number;
  symbol_count: number;
  edge_count: number;
  fact_count: number;
}

const selectRepositories = `select r.id, r.name, c.name as connection, r.commit, r.indexed_at, r.file_count, r.symbol_count, r.edge_count, r.fact_count
                              from graph_repositories r left join connections c on c.id = r.connection_id`;

const toRepository = (r: RepositoryRow): GraphRepositoryRecord => ({
  id: r.id,
  name: r.name,
  connection: r.connection,
  commit: r.commit,
  indexedAt: new Date(r.indexed_at),
  files: Number(r.file_count),
  symbols: Number(r.symbol_count),
  edges: Number(r.edge_count),
  facts: Number(r.fact_count),
});

/** The repositories in scope, by name; `after` and `limit` take one page (default: all). */
export async function listGraphRepositories(sql: Sql, page: { after?: string; limit?: number } = {}): Promise<GraphRepositoryRecord[]> {
  const res = await sql.query<RepositoryRow>(`${selectRepositories} where $1::text is null or r.name > $1 order by r.name limit $2`, [
    page.after ?? null,
    page.limit ?? null,
  ]);
  return res.rows.map(toRepository);
}

/** A repository in scope by its name (`acme/payments`) or id. */
export async function findGraphRepository(sql: Sql, ref: string): Promise<GraphRepositoryRecord | undefined> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const res = await sql.query<RepositoryRow>(`${selectRepositories} where ${byId ? 'r.id = $1::uuid' : 'r.name = $1'}`, [ref]);
  return res.rows[0] ? toRepository(res.rows[0]) : undefined;
}

interface SymbolRow {
  repository: string;
  symbol_id: string;
  path: string;
  name: string;
  qualified_name: string;
  kind: SymbolKind;
  signature: string;
  exported: boolean;
  line: number;
  end_line: number;
  doc: string | null;
}

const toSymbol = (s: SymbolRow): GraphSymbolRecord => ({
  repository: s.repository,
  id: s.symbol_id,
  path: s.path,
  name: s.name,
  qualifiedName: s.qualified_name,
  kind: s.kind,
  signature: s.signature,
  exported: s.exported,
  line: s.line,
  endLine: s.end_line,
  doc: s.doc,
});

export interface SymbolSearch {
  /** One repository, or every one in scope. */
  repositoryId?: string | undefined;
  /** A name, matched exactly or as a prefix (case-sensitive); absent: every name. */
  q?: string | undefined;
  match?: 'exact' | 'prefix';
  kind?: string | undefined;
  /** The (name, id) of the last symbol of the previous page. */
  after?: { name: string; id: string } | undefined;
  limit: number;
}

/**
 * Symbols by name and kind, in (name, id) order. A prefix is an index range on
 * graph_symbols_by_name (names are collate "C"), so it costs what it returns on 500k symbols.
 */
export async function findGraphSymbols(sql: Sql, search: SymbolSearch): Promise<GraphSymbolRecord[]> {
  const prefix = search.match !== 'exact';
  const res = await sql.query<SymbolRow>(
    `select r.name as repository, s.symbol_id, s.path, s.name, s.qualified_name, s.kind, s.signature, s.exported, s.line, s.end_line, s.doc
       from graph_symbols s join graph_repositories r on r.id = s.repository_id
      where ($1::uuid is null or s.repository_id = $1)
        and ($2::text is null or ${prefix ? '(s.name >= $2 and s.name < $2 || chr(1114111) and starts_with(s.name, $2))' : 's.name = $2'})
        and ($3::text is null or s.kind = $3)
        and ($4::text is null or (s.name, s.symbol_id) > ($4, $5))
      order by s.name, s.symbol_id
      limit $6`,
    [search.repositoryId ?? null, search.q ?? null, search.kind ?? null, search.after?.name ?? null, search.after?.id ?? null, search.limit],
  );
  return res.rows.map(toSymbol);
}

/** One symbol of a repository by its id (`src/pay.ts#Ledger.charge`). */
export async function getGraphSymbol(sql: Sql, repositoryId: string, symbolId: string): Promise<GraphSymbolRecord | undefined> {
  const res = await sql.query<SymbolRow>(
    `select r.name as repository, s.symbol_id, s.path, s.name, s.qualified_name, s.kind, s.signature, s.exported, s.line, s.end_line, s.doc
       from graph_symbols s join graph_repositories r on r.id = s.repository_id
      where s.repository_id = $1 and md5(s.symbol_id) = md5($2) and s.symbol_id = $2
      order by s.path, s.line limit 1`,
    [repositoryId, symbolId],
  );
  return res.rows[0] ? toSymbol(res.rows[0]) : undefined;
}

interface CallRow {
  path: string;
  line: number;
  from_ref: string;
  to_ref: string;
  resolved: boolean;
  kind: SymbolKind | null;
  signature: string | null;
}

const toCall = (r: CallRow): GraphCallRecord => ({
  path: r.path,
  line: r.line,
  from: r.from_ref,
  to: r.to_ref,
  resolved: r.resolved,
  symbol: r.kind === null || r.signature === null ? null : { kind: r.kind, signature: r.signature },
});

/** Where the last call of the previous page was read: (path, line, the other end). */
export interface CallPosition {
  path: string;
  line: number;
  ref: string;
}

/**
 * The calls to a symbol, in (path, line, caller) order: those the indexer resolved to it, and
 * the unresolved ones written with its name (`ledger.charge(…)`), marked `resolved: false`.
 */
export async function graphCallers(
  sql: Sql,
  repositoryId: string,
  symbol: { id: string; name: string },
  page: { after?: CallPosition | undefined; limit: number },
): Promise<GraphCallRecord[]> {
  const res = await sql.query<CallRow>(
    `select e.path, e.line, e.from_ref, e.to_ref, e.resolved, s.kind, s.signature
       from graph_edges e
       left join lateral (select kind, signature from graph_symbols s
                           where s.repository_id = e.repository_id and md5(s.symbol_id) = md5(e.from_ref) and s.symbol_id = e.from_ref limit 1) s on true
      where e.repository_id = $1 and e.kind = 'calls'
        and ((md5(e.to_ref) = md5($2) and e.to_ref = $2) or (not e.resolved and e.to_name = $3))
        and ($4::text is null or (e.path, e.line, e.from_ref) > ($4, $5::int, $6))
      order by e.path, e.line, e.from_ref
      limit $7`,
    [repositoryId, symbol.id, symbol.name, page.after?.path ?? null, page.after?.line ?? null, page.after?.ref ?? null, page.limit],
  );
  return res.rows.map(toCall);
}

/** What a symbol calls, in (path, line, callee) order; `symbol` describes a callee resolved inside the repository. */
export async function graphCallees(
  sql: Sql,
  repositoryId: string,
  symbolId: string,
  page: { after?: CallPosition | undefined; limit: number },
): Promise<GraphCallRecord[]> {
  const res = await sql.query<CallRow>(
    `select e.path, e.line, e.from_ref, e.to_ref, e.resolved, s.kind, s.signature
       from graph_edges e
       left join lateral (select kind, signature from graph_symbols s
                           where e.resolved and s.repository_id = e.repository_id and md5(s.symbol_id) = md5(e.to_ref) and s.symbol_id = e.to_ref limit 1) s on true
      where e.repository_id = $1 and e.kind = 'calls' and md5(e.from_ref) = md5($2) and e.from_ref = $2
        and ($3::text is null or (e.path, e.line, e.to_ref) > ($3, $4::int, $5))
      order by e.path, e.line, e.to_ref
      limit $6`,
    [repositoryId, symbolId, page.after?.path ?? null, page.after?.line ?? null, page.after?.ref ?? null, page.limit],
  );
  return res.rows.map(toCall);
}

export interface ModuleDependencies {
  /** What the module imports (read from its file). */
  imports: GraphImportRecord[];
  /** Which files import it (resolved imports of the module or any of its symbols). */
  importedBy: GraphImportRecord[];
  /** A list was cut at `limit`. */
  truncated: boolean;
}

/** A module's imports both ways, each list at most `limit` long, in (path, line) order. */
export async function moduleDependencies(sql: Sql, repositoryId: string, path: string, limit: number): Promise<ModuleDependencies> {
  const read = async (where: string) =>
    (
      await sql.query<GraphImportRecord & { from_ref: string; to_ref: string }>(
        `select e.path, e.line, e.from_ref, e.to_ref, e.resolved from graph_edges e
          where e.repository_id = $1 and e.kind = 'imports' and ${where}
          order by e.path, e.line, e.to_ref limit $3`,
        [repositoryId, path, limit + 1],
      )
    ).rows.map((r) => ({ path: r.path, line: r.line, from: r.from_ref, to: r.to_ref, resolved: r.resolved }));
  const imports = await read('e.path = $2');
  const importedBy = await read('e.resolved and e.to_path = $2 and e.path <> $2');
  return { imports: imports.slice(0, limit), importedBy: importedBy.slice(0, limit), truncated: imports.length > limit || importedBy.length > limit };
}

/** Routes served, HTTP clients and queues named, per repository in scope by name; each list at most `perKind` long. */
export async function serviceMap(
  sql: Sql,
  page: { repositoryId?: string | undefined; after?: string | undefined; limit: number; perKind: number },
): Promise<ServiceMapRecord[]> {
  const repos = await sql.query<{ id: string; name: string }>(
    `select id, name from graph_repositories where ($1::uuid is null or id = $1) and ($2::text is null or name > $2) order by name limit $3`,
    [page.repositoryId ?? null, page.after ?? null, page.limit],
  );
  if (repos.rows.length === 0) return [];
  const facts = await sql.query<{
    repository_id: string;
    kind: FactKind;
    path: string;
    line: number;
    method: string | null;
    target: string;
    symbol_ref: string | null;
  }>(
    `select f.repository_id, k.kind, f.path, f.line, f.method, f.target, f.symbol_ref
       from unnest($1::uuid[]) as r(id)
       cross join unnest(array['http_route', 'http_client', 'queue']) as k(kind)
       cross join lateral (select * from graph_facts f where f.repository_id = r.id and f.kind = k.kind order by f.target, f.path, f.line limit $2) f
      order by f.target, f.path, f.line`,
    [repos.rows.map((r) => r.id), page.perKind],
  );
  const byRepo = new Map(repos.rows.map((r) => [r.id, { repository: r.name, routes: [], clients: [], queues: [] } as ServiceMapRecord]));
  const list = { http_route: 'routes', http_client: 'clients', queue: 'queues' } as const satisfies Record<FactKind, string>;
  for (const f of facts.rows) {
    const service = byRepo.get(f.repository_id)!;
    service[list[f.kind]].push({ path: f.path, line: f.line, method: f.method, target: f.target, symbol: f.symbol_ref });
  }
  return [...byRepo.values()];
}

/** Who owns `path` by the repository's CODEOWNERS: the last matching rule, or undefined when none matches. */
export async function graphOwnersOf(sql: Sql, repositoryId: string, path: string): Promise<{ pattern: string; owners: string[]; line: number } | undefined> {
  const rules = await sql.query<{ pattern: string; owners: string[]; line: number }>(
    'select pattern, owners, line from graph_owners where repository_id = $1',
    [repositoryId],
  );
  return ownersOf(rules.rows, path);
}
