import type { AuditEntry, Connection } from '@remit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTokenApi, type FakeTokenApi } from '../testing/fake-token-api.ts';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const TOKEN = 'verify-test-token-7d1c9e';
let upstream: FakeTokenApi;
beforeAll(async () => {
  upstream = await startFakeTokenApi(TOKEN);
});
afterAll(() => upstream.close());

async function createConnection(t: TestApp, token: string): Promise<Connection> {
  const res = await t.request('/v1/admin/connections', {
    method: 'POST',
    token,
    json: {
      name: 'orders-api',
      type: 'http',
      config: { baseUrl: upstream.url, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
      secret: { token: TOKEN },
    },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Connection;
}

async function verifyAudits(t: TestApp, token: string): Promise<AuditEntry[]> {
  const res = await t.request('/v1/audit?limit=1000', { token });
  return ((await res.json()) as { items: AuditEntry[] }).items.filter((e) => e.action === 'connection.verify');
}

describe('POST /v1/admin/connections/{ref}/verify', () => {
  it('checks a saved connection live with its stored credentials, records the pass and audits it', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const created = await createConnection(t, admin);
      await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query('update connections set verified_at = null'));
      upstream.seen.length = 0;

      const res = await t.request('/v1/admin/connections/orders-api/verify', { method: 'POST', token: admin });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(TOKEN);
      const body = JSON.parse(text) as Connection;
      expect(body).toMatchObject({ id: created.id, name: 'orders-api', hasSecret: true });
      expect(body.verifiedAt).not.toBeNull();
      expect(upstream.seen).toEqual(['GET /status']);
      // By id as well as by name.
      expect((await t.request(`/v1/admin/connections/${created.id}/verify`, { method: 'POST', token: admin })).status).toBe(200);

      const audits = await verifyAudits(t, admin);
      expect(audits).toHaveLength(2);
      expect(audits[0]).toMatchObject({ targetId: created.id, outcome: 'success', detail: { name: 'orders-api', type: 'http' } });
      expect(JSON.stringify(audits)).not.toContain(TOKEN);
    });
  });

  it('answers 422 with the reason when the upstream refuses the stored token, records no pass, and audits the failure', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      await createConnection(t, admin);
      await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query('update connections set verified_at = null'));
      upstream.accept.token = 'rotated-upstream-token';
      try {
        const res = await t.request('/v1/admin/connections/orders-api/verify', { method: 'POST', token: admin });
        const err = await errorOf(res);
        expect(err).toMatchObject({ status: 422, code: 'connection_verification_failed' });
        expect(err.message).toContain('The credentials were rejected: GET /status answered HTTP 401');
        expect(err.message).not.toContain(TOKEN);
      } finally {
        upstream.accept.token = TOKEN;
      }
      const after = (await (await t.request('/v1/admin/connections/orders-api', { token: admin })).json()) as Connection;
      expect(after.verifiedAt).toBeNull();
      const [audit] = await verifyAudits(t, admin);
      expect(audit).toMatchObject({ outcome: 'error', detail: { name: 'orders-api', reason: expect.stringContaining('HTTP 401') } });
    });
  });

  it('records no pass for settings the connection no longer has: a change during the check is 409 in_use', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      await createConnection(t, admin);
      let release!: () => void;
      upstream.hold = new Promise<void>((r) => (release = r));
      try {
        const arrived = upstream.nextRequest();
        const verifying = t.request('/v1/admin/connections/orders-api/verify', { method: 'POST', token: admin });
        await arrived;
        const patched = await t.request('/v1/admin/connections/orders-api', { method: 'PATCH', token: admin, json: { description: 'changed meanwhile' } });
        expect(patched.status).toBe(200);
        release();
        expect(await errorOf(await verifying)).toMatchObject({ status: 409, code: 'in_use' });
      } finally {
        upstream.hold = undefined;
        release();
      }
      expect(await verifyAudits(t, admin)).toEqual([]);
    });
  });

  it('refuses a non-admin, an unknown connection and a malformed ref', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      await createConnection(t, admin);
      const dev = await t.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
      expect(await errorOf(await t.request('/v1/admin/connections/orders-api/verify', { method: 'POST', token: dev }))).toMatchObject({
        status: 403,
        code: 'forbidden',
      });
      expect((await t.request('/v1/admin/connections/orders-api/verify', { method: 'POST' })).status).toBe(401);
      expect(await errorOf(await t.request('/v1/admin/connections/nope/verify', { method: 'POST', token: admin }))).toMatchObject({
        status: 404,
        code: 'not_found',
      });
      expect(await errorOf(await t.request('/v1/admin/connections/Not_A_Name/verify', { method: 'POST', token: admin }))).toMatchObject({ status: 400 });
      const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, { post?: { operationId: string } }> };
      expect(doc.paths['/v1/admin/connections/{ref}/verify']?.post?.operationId).toBe('verifyConnection');
    });
  });
});
