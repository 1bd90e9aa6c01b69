import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { errorResponses, jsonContent, publicSecurity } from '../http/openapi-helpers.ts';

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const Readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.enum(['ok', 'failing'])) }).meta({ id: 'Readiness' });

export function mountHealth(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // The 400 is the one every URL can get: a NUL or broken Unicode in it (storable-text.ts).
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getLiveness',
      tags: ['health'],
      security: publicSecurity,
      summary: 'Liveness',
      responses: { 200: jsonContent(Health, 'Alive'), ...errorResponses(400) },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tags: ['health'],
      security: publicSecurity,
      summary: 'Readiness: the database answers',
      responses: { 200: jsonContent(Readiness, 'Ready'), ...errorResponses(400), 503: jsonContent(Readiness, 'Not ready') },
    }),
    async (c) => {
      const database = await deps.db.ping().then(
        () => 'ok' as const,
        (err: unknown) => {
          c.var.log.warn({ err }, 'readiness: database failing');
          return 'failing' as const;
        },
      );
      const ready = database === 'ok';
      return c.json({ status: ready ? ('ready' as const) : ('not_ready' as const), checks: { database } }, ready ? 200 : 503);
    },
  );
}
