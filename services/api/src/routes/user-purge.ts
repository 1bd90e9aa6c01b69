import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { purgeUser } from '@remit/agents';
import { AdminUserList, AdminUserQuery, Id, UserPurged } from '@remit/core';
import { listUsersByEmail } from '@remit/db';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

/** `remit users purge`: find a user by email, and permanently delete their personal data (admins; /v1/admin/* is admin-only). */
export function mountUserPurge(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['admin: users'], security: bearerSecurity };

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/users',
      operationId: 'findUsers',
      summary: 'Users with an email (case-insensitive): the id a purge takes. A purged user has no email and is never listed',
      request: { query: AdminUserQuery },
      responses: { 200: jsonContent(AdminUserList, 'Matching users, oldest first'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const { email } = c.req.valid('query');
      const rows = await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, (sql) => listUsersByEmail(sql, email));
      const items = rows.map((u) => ({
        id: u.id,
        email: u.email,
        createdAt: new Date(u.createdAt).toISOString(),
        lastSeenAt: new Date(u.lastSeenAt).toISOString(),
      }));
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/admin/users/{id}',
      operationId: 'purgeUser',
      summary:
        'Permanently delete a user’s personal data: the row becomes a tombstone; bindings, OAuth grants and sealed tokens, GitHub links, console sessions and run transcripts go; personal audit details are crypto-shredded. Audited as user.purge; repeating it is harmless',
      request: { params: z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: jsonContent(UserPurged, 'Purged, with what was removed'), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const purged = await purgeUser(deps, { userId: c.req.valid('param').id, actorId: c.var.actor.userId, requestId: c.var.requestId });
      c.var.log.info({ userId: purged.id, removed: purged.removed }, 'user purged');
      return c.json(purged, 200);
    },
  );
}
