import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { verifySavedConnection } from '@remit/agents';
import { Connection, Id, RemitError, Slug, refFromSegment } from '@remit/core';
import type { Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

const Ref = z.object({ ref: z.union([Id, Slug]).meta({ param: { name: 'ref', in: 'path' }, description: 'Id, or name' }) });

/**
 * POST /v1/admin/connections/{ref}/verify: the live check a connection passed at save, run again
 * on demand with its stored credentials (an upstream rotated a token, a firewall moved). Both
 * outcomes are audited: a failure is an admin's finding too, so it is committed before the 422.
 */
export function mountConnectionVerify(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);
  const audit = (sql: Sql, c: Context<AppEnv>, item: Connection, outcome: 'success' | 'error', reason?: string) =>
    auditRequest(sql, c, {
      action: 'connection.verify',
      targetType: 'connection',
      targetId: item.id,
      outcome,
      detail: { name: item.name, type: item.type, ...(reason === undefined ? {} : { reason }) },
    });

  app.openapi(
    createRoute({
      tags: ['admin: connections'],
      security: bearerSecurity,
      method: 'post',
      path: '/v1/admin/connections/{ref}/verify',
      operationId: 'verifyConnection',
      summary: 'Check a saved connection live again, with its stored credentials',
      description:
        'The same check as at save. A pass records `verifiedAt`; a failure answers 422 `connection_verification_failed` with the reason, and changes nothing.',
      request: { params: Ref },
      responses: {
        200: jsonContent(Connection, 'It passed: the connection, with `verifiedAt` now'),
        ...errorResponses(400, 401, 403, 404, 409, 422, 429),
      },
    }),
    async (c) => {
      const result = await verifySavedConnection(
        deps,
        {
          tx: (fn) => tx(c, fn),
          write: (fn) =>
            tx(c, async (sql) => {
              const item = await fn(sql);
              await audit(sql, c, item, 'success');
              return item;
            }),
        },
        refFromSegment(c.req.valid('param').ref),
      );
      if (result.ok) return c.json(result.connection, 200);
      await tx(c, (sql) => audit(sql, c, result.connection, 'error', result.reason));
      throw new RemitError('connection_verification_failed', `The connection did not pass its live check: ${result.reason}`);
    },
  );
}
