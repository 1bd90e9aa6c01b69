import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { RemitError } from '@remit/core';
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
  type GraphRepositoryRecord,
  type GraphScope,
  type Sql,
} from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';
import {
  GraphCallPage,
  GraphCallQuery,
  GraphDependencyQuery,
  GraphModuleDependencies,
  GraphOwners,
  GraphRepositoryPage,
  GraphRepositoryQuery,
  GraphServiceMapQuery,
  GraphServicePage,
  GraphSymbolPage,
  GraphSymbolQuery,
  ModuleParams,
  RepoParams,
  SymbolParams,
} from './graph-schemas.ts';

const repositoryCursor = listCursor('graph-repositories', z.tuple([z.string()]));
const symbolCursor = listCursor('graph-symbols', z.tuple([z.string(), z.string()]));
const callCursor = listCursor('graph-calls', z.tuple([z.string(), z.int(), z.string()]));
const serviceCursor = listCursor('graph-services', z.tuple([z.string()]));

const repositoryView = (r: GraphRepositoryRecord) => ({
  name: r.name,
  connection: r.connection,
  commit: r.commit,
  indexedAt: r.indexedAt.toISOString(),
  files: r.files,
  symbols: r.symbols,
  edges: r.edges,
  facts: r.facts,
});

/**
 * The knowledge graph, for people. Each request reads under a graph scope the database enforces
 * (0016): an admin reads every repository of the org; anyone else, the repositories that the
 * roles bound to them (directly or through a group) reach through their connections. A
 * repository outside the caller's scope answers 404, like one that does not exist.
 */
export function mountGraph(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['graph'], security: bearerSecurity };
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => {
    const graphScope: GraphScope = c.var.actor.isAdmin ? { kind: 'org' } : { kind: 'user' };
    return deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId, graphScope }, fn);
  };
  const repository = async (sql: Sql, ref: string) => {
    const repo = await findGraphRepository(sql, ref);
    if (!repo) throw new RemitError('not_found', `No indexed repository ${JSON.stringify(ref)} that you can read.`);
    return repo;
  };

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/graph/repositories',
      operationId: 'listGraphRepositories',
      summary: 'Indexed repositories you can read, by name',
      request: { query: GraphRepositoryQuery },
      responses: { 200: jsonContent(GraphRepositoryPage, 'A page of repositories'), ...errorResponses(400, 401, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = repositoryCursor.decode(q.cursor);
      const rows = await tx(c, (sql) => listGraphRepositories(sql, { ...(after ? { after: after[0] } : {}), limit: q.limit + 1 }));
      const { items, nextCursor } = repositoryCursor.page(rows, q.limit, (r) => [r.name]);
      return c.json({ items: items.map(repositoryView), nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/graph/repositories/{repo}/symbols',
      operationId: 'findGraphSymbols',
      summary: 'Symbols of a repository by name (prefix or exact) and kind, in name order',
      request: { params: RepoParams, query: GraphSymbolQuery },
      responses: { 200: jsonContent(GraphSymbolPage, 'A page of symbols'), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      const { repo } = c.req.valid('param');
      const q = c.req.valid('query');
      const after = symbolCursor.decode(q.cursor);
      const rows = await tx(c, async (sql) =>
        findGraphSymbols(sql, {
          repositoryId: (await repository(sql, repo)).id,
          q: q.q,
          match: q.match,
          kind: q.kind,
          after: after ? { name: after[0], id: after[1] } : undefined,
          limit: q.limit + 1,
        }),
      );
      const { items, nextCursor } = symbolCursor.page(rows, q.limit, (s) => [s.name, s.id]);
      return c.json({ items, nextCursor }, 200);
    },
  );

  for (const direction of ['callers', 'callees'] as const) {
    app.openapi(
      createRoute({
        ...common,
        method: 'get',
        path: `/v1/graph/repositories/{repo}/symbols/{id}/${direction}`,
        operationId: direction === 'callers' ? 'listGraphCallers' : 'listGraphCallees',
        summary:
          direction === 'callers'
            ? 'Calls to a symbol: those resolved to it, and unresolved ones written with its name (resolved: false)'
            : 'Calls a symbol makes, resolved inside the repository or as written',
        request: { params: SymbolParams, query: GraphCallQuery },
        responses: { 200: jsonContent(GraphCallPage, `A page of ${direction}, with the symbol`), ...errorResponses(400, 401, 404, 429) },
      }),
      async (c) => {
        const { repo, id } = c.req.valid('param');
        const q = c.req.valid('query');
        const after = callCursor.decode(q.cursor);
        const position = after ? { path: after[0], line: after[1], ref: after[2] } : undefined;
        const { symbol, rows } = await tx(c, async (sql) => {
          const r = await repository(sql, repo);
          const symbol = await getGraphSymbol(sql, r.id, id);
          if (!symbol) throw new RemitError('not_found', `No symbol ${JSON.stringify(id)} in ${r.name}.`);
          const page = { after: position, limit: q.limit + 1 };
          const rows = direction === 'callers' ? await graphCallers(sql, r.id, symbol, page) : await graphCallees(sql, r.id, symbol.id, page);
          return { symbol, rows };
        });
        const { items, nextCursor } = callCursor.page(rows, q.limit, (e) => [e.path, e.line, direction === 'callers' ? e.from : e.to]);
        return c.json({ symbol, items, nextCursor }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/graph/repositories/{repo}/modules/{path}/dependencies',
      operationId: 'getGraphModuleDependencies',
      summary: 'A module’s imports both ways: what it imports, and which files import it',
      request: { params: ModuleParams, query: GraphDependencyQuery },
      responses: { 200: jsonContent(GraphModuleDependencies, 'The module’s imports'), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      const { repo, path } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      const body = await tx(c, async (sql) => {
        const r = await repository(sql, repo);
        return { repository: r.name, module: path, ...(await moduleDependencies(sql, r.id, path, limit)) };
      });
      return c.json(body, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/graph/repositories/{repo}/owners/{path}',
      operationId: 'getGraphOwners',
      summary: 'Who owns a path by the repository’s CODEOWNERS (the last matching rule wins)',
      request: { params: ModuleParams },
      responses: { 200: jsonContent(GraphOwners, 'The rule that owns the path'), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      const { repo, path } = c.req.valid('param');
      const body = await tx(c, async (sql) => {
        const r = await repository(sql, repo);
        return { repository: r.name, path, rule: (await graphOwnersOf(sql, r.id, path)) ?? null };
      });
      return c.json(body, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/graph/service-map',
      operationId: 'getGraphServiceMap',
      summary: 'Per repository you can read: the HTTP routes it serves, the HTTP clients it calls, the queues it names',
      request: { query: GraphServiceMapQuery },
      responses: { 200: jsonContent(GraphServicePage, 'A page of services, by repository name'), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = serviceCursor.decode(q.cursor);
      const rows = await tx(c, async (sql) =>
        serviceMap(sql, {
          repositoryId: q.repository === undefined ? undefined : (await repository(sql, q.repository)).id,
          after: after?.[0],
          limit: q.limit + 1,
          perKind: q.perKind,
        }),
      );
      const { items, nextCursor } = serviceCursor.page(rows, q.limit, (s) => [s.repository]);
      return c.json({ items, nextCursor }, 200);
    },
  );
}
