import { defaultRateLimits } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';

describe('public endpoints', () => {
  it('serves liveness, readiness and an OpenAPI document generated from the zod schemas', async () => {
    await withTestApp(async (t) => {
      expect(await (await t.request('/healthz')).json()).toEqual({ status: 'ok' });
      expect(await (await t.request('/readyz')).json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
      const doc = (await (await t.request('/openapi.json')).json()) as {
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, { additionalProperties?: boolean; properties?: Record<string, unknown> }> };
      };
      for (const path of [
        '/v1/admin/roles',
        '/v1/admin/roles/{ref}',
        '/v1/admin/connections',
        '/v1/admin/bindings/{ref}',
        '/v1/audit',
        '/v1/audit/verify',
        '/healthz',
        '/readyz',
      ]) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
      expect(Object.keys(doc.paths['/v1/admin/roles/{ref}']!).sort()).toEqual(['delete', 'get', 'patch']);
      // Request schemas are strict in the document too, so generated clients learn that unknown fields fail.
      expect(doc.components.schemas.RoleCreate?.additionalProperties).toBe(false);
      expect(doc.components.schemas.Role?.properties).toHaveProperty('limits');
    });
  });

  it('readiness reports a failing database as 503', async () => {
    await withTestApp(async (t) => {
      const failing = { ...t.db, ping: () => Promise.reject(new Error('connection refused')) };
      const { createApp } = await import('./create-app.ts');
      const { createLogger } = await import('../logging/logger.ts');
      const app = createApp({
        db: failing,
        orgId: t.orgId,
        verifier: { verify: () => Promise.reject(new Error('x')) },
        adminGroup: 'a',
        logger: createLogger({ level: 'silent' }),
        secrets: t.secrets,
        sandboxes: { name: 'local', list: () => Promise.resolve([]), destroy: () => Promise.resolve() },
        publicUrl: 'http://remit.test',
        rateLimits: defaultRateLimits,
        refusals: t.refusals,
      });
      const res = await app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not_ready', checks: { database: 'failing' } });
    });
  });
});
