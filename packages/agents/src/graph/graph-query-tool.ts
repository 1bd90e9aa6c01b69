import {
  findGraphRepository,
  findGraphSymbols,
  getGraphSymbol,
  graphCallees,
  graphCallers,
  graphOwnersOf,
  listGraphRepositories,
  moduleDependencies,
  serviceMap,
  type Sql,
} from '@remit/db';
import { RepoPath, SymbolKind } from '@remit/graph/schema';
import type { ToolCallResult } from '@remit/sandbox';
import { z } from 'zod';

/** The one tool the orchestrator answers itself: the knowledge graph lives in the database, not the sandbox. */
export const GRAPH_QUERY = 'graph_query';

const line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\r\n\0]*$/, 'must be one line');

/**
 * What the model may ask. One flat object (a `query` and the fields it needs) rather than a
 * union: model providers want a tool's input schema to be a plain object.
 */
export const GraphQueryInput = z
  .object({
    query: z
      .enum(['repositories', 'find_symbol', 'callers', 'callees', 'module_dependencies', 'service_map', 'owners'])
      .describe(
        'repositories: what you can query; find_symbol: symbols by name (and kind); callers/callees: of a symbol; module_dependencies: a file’s imports both ways; service_map: routes served, HTTP clients and queues per repository; owners: CODEOWNERS of a path',
      ),
    repository: line(300).optional().describe('e.g. acme/payments; needed by callers, callees, module_dependencies and owners'),
    name: line(200).optional().describe('find_symbol: a symbol name, e.g. charge'),
    match: z.enum(['exact', 'prefix']).default('prefix').describe('find_symbol: how name matches (case-sensitive)'),
    kind: SymbolKind.optional().describe('find_symbol: only this kind'),
    symbol: line(1400).optional().describe('callers/callees: a symbol id as find_symbol returns it, e.g. src/pay.ts#Ledger.charge'),
    path: RepoPath.optional().describe('module_dependencies/owners: a file path inside the repository'),
    limit: z.int().min(1).max(200).default(50).describe('most items to return'),
  })
  .strict()
  .superRefine((input, ctx) => {
    const needs: Record<string, readonly ('repository' | 'name' | 'symbol' | 'path')[]> = {
      find_symbol: ['name'],
      callers: ['repository', 'symbol'],
      callees: ['repository', 'symbol'],
      module_dependencies: ['repository', 'path'],
      owners: ['repository', 'path'],
    };
    for (const field of needs[input.query] ?? []) {
      if (input[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${input.query} needs ${field}` });
    }
  });
export type GraphQueryInput = z.infer<typeof GraphQueryInput>;

/** The indexed repositories a run's role reaches (its graph scope), by name: graph_query is offered when there is one. */
export interface GraphReach {
  repositories: readonly string[];
}

/** How many repository names the tool's description lists; graph_query's `repositories` lists them all. */
const NAMED_IN_DESCRIPTION = 50;

/** What the run's role reaches, read in a transaction opened as the run. */
export async function graphReach(tenant: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>): Promise<GraphReach> {
  const repositories = await tenant((sql) => listGraphRepositories(sql, { limit: NAMED_IN_DESCRIPTION }));
  return { repositories: repositories.map((r) => r.name) };
}

const notFound = (message: string): ToolCallResult => ({ ok: false, error: { code: 'not_found', message } });

/**
 * Answers one graph_query call inside a transaction opened as the run (its role's graph scope):
 * a repository the role does not reach is "not found", exactly like one that does not exist.
 * The loop caps and scrubs the output like any tool's.
 */
export async function runGraphQuery(tenant: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>, raw: Record<string, unknown>): Promise<ToolCallResult> {
  const parsed = GraphQueryInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: { code: 'invalid_input', message: `${issue.path.join('.') || 'input'}: ${issue.message}` } };
  }
  const q = parsed.data;
  return tenant(async (sql) => {
    if (q.query === 'repositories') {
      const repositories = await listGraphRepositories(sql, { limit: q.limit });
      return ok({ repositories: repositories.map(({ id: _id, indexedAt, ...r }) => ({ ...r, indexedAt: indexedAt.toISOString() })) });
    }
    const repo = q.repository === undefined ? undefined : await findGraphRepository(sql, q.repository);
    if (q.repository !== undefined && !repo) return notFound(`No indexed repository "${q.repository}" is available to this run; ask for "repositories".`);
    switch (q.query) {
      case 'find_symbol':
        return ok({ symbols: await findGraphSymbols(sql, { repositoryId: repo?.id, q: q.name, match: q.match, kind: q.kind, limit: q.limit }) });
      case 'service_map':
        return ok({ services: await serviceMap(sql, { repositoryId: repo?.id, limit: q.limit, perKind: q.limit }) });
      case 'callers':
      case 'callees': {
        const symbol = await getGraphSymbol(sql, repo!.id, q.symbol!);
        if (!symbol) return notFound(`No symbol "${q.symbol}" in ${repo!.name}; find_symbol gives ids.`);
        const calls =
          q.query === 'callers'
            ? await graphCallers(sql, repo!.id, symbol, { limit: q.limit })
            : await graphCallees(sql, repo!.id, symbol.id, { limit: q.limit });
        return ok({ symbol, [q.query]: calls });
      }
      case 'module_dependencies':
        return ok({ module: q.path, ...(await moduleDependencies(sql, repo!.id, q.path!, q.limit)) });
      case 'owners':
        return ok({ path: q.path, rule: (await graphOwnersOf(sql, repo!.id, q.path!)) ?? null });
    }
  });
}

function ok(output: Record<string, unknown>): ToolCallResult {
  return { ok: true, output } as ToolCallResult;
}
