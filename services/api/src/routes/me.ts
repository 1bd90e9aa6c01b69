import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

const Me = z
  .object({ userId: z.uuid(), sub: z.string(), email: z.string().nullable(), groups: z.array(z.string()), roles: z.array(z.string()), isAdmin: z.boolean() })
  .meta({ id: 'Me' });

/** Who the token says you are, and the roles that gives you: the first thing to check when a run is refused. */
export function mountMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      operationId: 'getMe',
      tags: ['identity'],
      security: bearerSecurity,
      summary: 'The caller, their roles and whether they are an admin',
      responses: { 200: jsonContent(Me, 'The caller'), ...errorResponses(401, 429) },
    }),
    (c) => c.json(c.var.actor, 200),
  );
}
