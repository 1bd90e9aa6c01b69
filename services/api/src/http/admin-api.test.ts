import { readAuditPersonal } from '@remit/audit';
import { testDrivers } from '@remit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsService, type PaymentsService } from '../demo/payments-service.ts';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const READ_TOKEN = 'read-token-for-tests';
const loopback = ['127.0.0.1/32'];
let paymentsUrl = '';
const httpConnection = () => ({
  name: 'payments-api',
  type: 'http',
  config: { baseUrl: paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: loopback },
  secret: { token: READ_TOKEN },
});

let payments: PaymentsService;
beforeAll(async () => {
  payments = await startPaymentsService({ readToken: READ_TOKEN, adminToken: 'admin-token-for-tests' });
  paymentsUrl = payments.url;
});
afterAll(() => payments.close());
const developer = { name: 'developer', connections: ['payments-api'], runKinds: ['troubleshoot'], limits: { maxDurationSeconds: 300, maxSteps: 10 } };

async function auditActions(t: TestApp, token: string): Promise<string[]> {
  const res = await t.request('/v1/audit?limit=1000', { token });
  const body = (await res.json()) as { items: { action: string }[] };
  return body.items.map((i) => i.action);
}

describe.each(testDrivers)('admin API on %s', (driver) => {
  it('creates, reads, updates and deletes roles, connections and bindings, auditing each change', async () => {
    await withTestApp(
      async (t) => {
        const token = await t.adminToken();
        const conn = await t.request('/v1/admin/connections', { method: 'POST', token, json: httpConnection() });
        expect(conn.status).toBe(201);
        expect(await conn.json()).toMatchObject({ name: 'payments-api', type: 'http', authMode: 'service_account', description: '' });

        const role = await t.request('/v1/admin/roles', { method: 'POST', token, json: developer });
        expect(role.status).toBe(201);
        const created = (await role.json()) as { id: string };
        expect(created).toMatchObject({
          name: 'developer',
          connections: ['payments-api'],
          runKinds: ['troubleshoot'],
          limits: { maxDurationSeconds: 300, maxSteps: 10 },
        });

        // By id and by name.
        expect((await t.request(`/v1/admin/roles/${created.id}`, { token })).status).toBe(200);
        const byName = await t.request('/v1/admin/roles/developer', { token });
        expect(((await byName.json()) as { id: string }).id).toBe(created.id);

        const patched = await t.request('/v1/admin/roles/developer', {
          method: 'PATCH',
          token,
          json: { description: 'reads logs', limits: { maxDurationSeconds: 60, maxSteps: 3 } },
        });
        expect(patched.status).toBe(200);
        expect(await patched.json()).toMatchObject({
          description: 'reads logs',
          connections: ['payments-api'],
          limits: { maxDurationSeconds: 60, maxSteps: 3 },
        });

        const binding = await t.request('/v1/admin/bindings', {
          method: 'POST',
          token,
          json: { role: 'developer', subject: { kind: 'user', email: 'Alice@Example.com' } },
        });
        expect(binding.status).toBe(201);
        const b = (await binding.json()) as { id: string; subject: unknown };
        expect(b.subject).toEqual({ kind: 'user', email: 'alice@example.com' });

        const list = (await (await t.request('/v1/admin/bindings', { token })).json()) as { items: unknown[] };
        expect(list.items).toHaveLength(1);

        // The binding gives alice the role.
        const alice = await t.tokenFor({ email: 'alice@example.com' });
        expect(await (await t.request('/v1/me', { token: alice })).json()).toMatchObject({ roles: ['developer'], isAdmin: false });

        // A role still bound cannot be deleted; a connection still used cannot either.
        expect(await errorOf(await t.request('/v1/admin/roles/developer', { method: 'DELETE', token }))).toMatchObject({ status: 409, code: 'in_use' });
        expect(await errorOf(await t.request('/v1/admin/connections/payments-api', { method: 'DELETE', token }))).toMatchObject({
          status: 409,
          code: 'in_use',
        });

        expect((await t.request(`/v1/admin/bindings/${b.id}`, { method: 'DELETE', token })).status).toBe(204);
        expect((await t.request('/v1/admin/roles/developer', { method: 'DELETE', token })).status).toBe(204);
        expect((await t.request('/v1/admin/connections/payments-api', { method: 'DELETE', token })).status).toBe(204);
        expect((await t.request('/v1/admin/roles/developer', { token })).status).toBe(404);

        expect(await auditActions(t, token)).toEqual([
          'connection.create',
          'role.create',
          'role.update',
          'binding.create',
          'binding.delete',
          'role.delete',
          'connection.delete',
        ]);
        const verify = await (await t.request('/v1/audit/verify', { token })).json();
        expect(verify).toMatchObject({ ok: true, checked: 7, firstBadSeq: null });
      },
      { driver },
    );
  });

  it('keeps a user’s email out of the hashed audit entry', async () => {
    await withTestApp(
      async (t) => {
        const token = await t.adminToken();
        await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'dev', runKinds: ['troubleshoot'] } });
        await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'dev', subject: { kind: 'user', email: 'carol@example.com' } } });
        const hashed = await t.db.owner((sql) => sql.query(`select * from audit_events where org_id = $1`, [t.orgId]));
        expect(JSON.stringify(hashed.rows)).not.toContain('carol@example.com');
        const side = await t.db.owner((sql) => sql.query<{ data: unknown }>(`select data from audit_personal where org_id = $1`, [t.orgId]));
        expect(JSON.stringify(side.rows)).not.toContain('carol@example.com'); // sealed (personal-seal.ts)
        const seqs = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query<{ seq: number }>(`select seq from audit_personal`));
        const opened = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
          readAuditPersonal(
            sql,
            seqs.rows.map((r) => Number(r.seq)),
          ),
        );
        expect([...opened.values()]).toContainEqual({ email: 'carol@example.com' });
      },
      { driver },
    );
  });

  it('updates a connection config only with one that fits its type', async () => {
    await withTestApp(
      async (t) => {
        const token = await t.adminToken();
        await t.request('/v1/admin/connections', { method: 'POST', token, json: httpConnection() });
        const bad = await t.request('/v1/admin/connections/payments-api', { method: 'PATCH', token, json: { config: { roleArn: 'x' } } });
        expect(await errorOf(bad)).toMatchObject({ status: 400, code: 'unknown_field' });
        const wrongType = await t.request('/v1/admin/connections/payments-api', { method: 'PATCH', token, json: { config: { baseUrl: 'ftp://x' } } });
        expect(await errorOf(wrongType)).toMatchObject({ status: 400, code: 'validation_failed' });
        const ok = await t.request('/v1/admin/connections/payments-api', {
          method: 'PATCH',
          token,
          // A new verifyPath is a new destination for the stored token, so the token comes again.
          json: {
            description: 'moved',
            config: { baseUrl: `${paymentsUrl}/`, auth: { scheme: 'bearer' }, verifyPath: '/metrics', allowPrivateCidrs: loopback },
            secret: { token: READ_TOKEN },
          },
        });
        expect(ok.status).toBe(200);
        expect(await ok.json()).toMatchObject({ description: 'moved', hasSecret: true, config: { verifyPath: '/metrics' } });
      },
      { driver },
    );
  });
});
