import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { completeAuthorization, startAuthorization } from '@remit/agents';
import { RemitError, Slug } from '@remit/core';
import { getConnectionRecord, listRoles } from '@remit/db';
import { appendAudit } from '@remit/audit';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

/** The browser lands on the callback from the provider without our bearer token; the state proves who it is. */
export const isOAuthCallback = (path: string) => /^\/v1\/oauth\/[a-z][a-z0-9-]{0,62}\/callback$/.test(path);

const ConnectionParam = z.object({ connection: Slug.meta({ param: { name: 'connection', in: 'path' } }) });

export function mountOAuth(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{connection}/start',
      tags: ['oauth'],
      security: bearerSecurity,
      summary: 'Start authorizing Remit to act as you on a user-authorised connection',
      request: { params: ConnectionParam },
      responses: { 200: jsonContent(z.object({ authorizeUrl: z.url() }), 'Open this URL in a browser'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const actor = c.var.actor;
      const result = await deps.db.tenant({ orgId: deps.orgId, userId: actor.userId }, async (sql) => {
        const record = await getConnectionRecord(sql, connection);
        const reachable = (await listRoles(sql)).some((r) => actor.roles.includes(r.name) && r.connections.includes(record.name));
        if (!reachable) throw new RemitError('forbidden', `None of your roles uses "${connection}".`);
        const redirectUri = `${deps.publicUrl}/v1/oauth/${record.name}/callback`;
        const started = await startAuthorization(deps, sql, record, actor.userId, redirectUri);
        await auditRequest(sql, c, { action: 'oauth.start', targetType: 'connection', targetId: record.id, outcome: 'success', detail: { connection: record.name } });
        return started;
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{connection}/callback',
      tags: ['oauth'],
      summary: 'Where the provider sends the browser back; finishes the authorization',
      request: {
        params: ConnectionParam,
        query: z.object({ code: z.string().min(1).max(4096).optional(), state: z.string().min(1).max(512), error: z.string().max(256).optional() }).passthrough(),
      },
      responses: { 200: jsonContent(z.object({ connected: z.literal(true), connection: Slug }), 'Connected'), ...errorResponses(400) },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const q = c.req.valid('query');
      if (q.error || !q.code) throw new RemitError('oauth_exchange_failed', `The provider did not authorize Remit (${q.error && /^[a-z_]{1,64}$/.test(q.error) ? q.error : 'no code'}).`);
      const done = await deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
        const result = await completeAuthorization(deps, sql, (id) => getConnectionRecord(sql, id), { connectionName: connection, state: q.state, code: q.code! });
        await appendAudit(sql, { actorId: result.userId, action: 'oauth.connect', targetType: 'connection', targetId: result.connection.id, outcome: 'success', requestId: c.var.requestId, detail: { connection } });
        return result;
      });
      return c.json({ connected: true as const, connection: done.connection.name }, 200);
    },
  );
}
