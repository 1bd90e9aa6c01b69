import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { completeAuthorization, startAuthorization } from '@remit/agents';
import { RemitError, Slug, Timestamp } from '@remit/core';
import { getConnectionRecord, listRoles, type Sql } from '@remit/db';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent, publicSecurity } from '../http/openapi-helpers.ts';
import { browserCookie, takeBrowserCookie } from './oauth-browser-cookie.ts';
import { confirmUrl, mountOAuthConfirm } from './oauth-confirm.ts';

/**
 * The browser lands on the callback from the provider without our bearer token; the state
 * says which flow it is, and the cookie set at confirmation proves it is the same browser.
 */
export const isOAuthCallback = (path: string) => /^\/v1\/oauth\/[a-z][a-z0-9-]{0,62}\/callback$/.test(path);

const ConnectionParam = z.object({ connection: Slug.meta({ param: { name: 'connection', in: 'path' } }) });

export function mountOAuth(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{connection}/start',
      operationId: 'startOAuth',
      tags: ['oauth'],
      security: bearerSecurity,
      summary: 'Start authorizing Remit to act as you on a user-authorised connection',
      description:
        'Answers a link to Remit’s own confirmation page. Open it in your browser, press Continue, approve at the provider, and the browser comes back to the callback; the whole flow must happen in that one browser.',
      request: { params: ConnectionParam },
      responses: {
        200: jsonContent(
          z
            .object({ authorizeUrl: z.url().meta({ description: 'Open in your browser; works once, in one browser' }), expiresAt: Timestamp })
            .meta({ id: 'OAuthStart' }),
          'Open authorizeUrl in a browser and confirm there',
        ),
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const actor = c.var.actor;
      const tx = <T>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: actor.userId }, fn);
      const record = await tx(async (sql) => {
        const found = await getConnectionRecord(sql, { name: connection });
        const reachable = (await listRoles(sql)).some((r) => actor.roles.includes(r.name) && r.connections.includes(found.name));
        if (!reachable) throw new RemitError('forbidden', `None of your roles uses "${connection}".`);
        return found;
      });
      const redirectUri = `${deps.publicUrl}/v1/oauth/${record.name}/callback`;
      // The flow's verifier is sealed between the read and the write, never inside a transaction.
      const started = await startAuthorization(
        deps,
        {
          tx,
          write: (fn) =>
            tx(async (sql) => {
              const flow = await fn(sql);
              await auditRequest(sql, c, {
                action: 'oauth.start',
                targetType: 'connection',
                targetId: record.id,
                outcome: 'success',
                detail: { connection: record.name },
              });
              return flow;
            }),
        },
        record,
        actor.userId,
        redirectUri,
      );
      return c.json({ authorizeUrl: confirmUrl(deps.publicUrl, record.name, started.state), expiresAt: started.expiresAt.toISOString() }, 200);
    },
  );

  mountOAuthConfirm(app, deps);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{connection}/callback',
      operationId: 'completeOAuth',
      tags: ['oauth'],
      security: publicSecurity,
      summary: 'Where the provider sends the browser back; finishes the authorization in the browser that confirmed it',
      request: {
        params: ConnectionParam,
        // All optional so that every malformed return is spent and audited by the flow, not refused before it.
        query: z
          .object({ code: z.string().min(1).max(4096).optional(), state: z.string().min(1).max(512).optional(), error: z.string().max(256).optional() })
          .passthrough(),
      },
      responses: {
        200: jsonContent(z.object({ connected: z.literal(true), connection: Slug }).meta({ id: 'OAuthConnected' }), 'Connected'),
        ...errorResponses(400, 403),
        502: { description: 'The provider’s token endpoint refused the code or could not be reached' },
      },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const q = c.req.valid('query');
      const browserValue = q.state ? takeBrowserCookie(c, browserCookie(c, deps.publicUrl, connection, q.state)) : undefined;
      const tx = <T>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn);
      const done = await completeAuthorization(deps, tx, {
        connectionName: connection,
        state: q.state,
        browserValue,
        code: q.code,
        error: q.error,
        requestId: c.var.requestId,
      });
      return c.json({ connected: true as const, connection: done.connection.name }, 200);
    },
  );
}
