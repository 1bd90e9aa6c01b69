import { appendAudit } from '@remit/audit';
import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const PLANTED_EMAIL = 'siem-export-planted@example.com';
const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 60_000);

/** `count` entries at one a minute from 2025-01-01, each with personal details beside it; one transaction, for speed. */
async function seed(t: TestApp, count: number): Promise<void> {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    for (let i = 0; i < count; i++) {
      await appendAudit(sql, { actorId: null, action: 'role.update', outcome: 'success', detail: { i }, personal: { email: PLANTED_EMAIL } }, { now: at(i) });
    }
  });
}

const lines = async (res: Response) => (await res.text()).split('\n');

describe.each(testDrivers)('GET /v1/audit/export on %s', (driver) => {
  it('streams every entry oldest first as NDJSON, page by page, without personal details', async () => {
    await withTestApp(
      async (t) => {
        await seed(t, 1234);
        const res = await t.request('/v1/audit/export', { token: await t.adminToken() });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
        const reader = res.body!.getReader();
        const chunks: string[] = [];
        for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(new TextDecoder().decode(r.value));
        expect(chunks.length).toBeGreaterThanOrEqual(3); // 500 entries a read
        const text = chunks.join('');
        expect(text.endsWith('\n')).toBe(true);
        expect(text).not.toContain(PLANTED_EMAIL);
        const entries = text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { seq: number; hash: string; action: string });
        const seeded = entries.filter((e) => e.action === 'role.update');
        expect(seeded).toHaveLength(1234);
        expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
        expect(Object.keys(seeded[0]!).sort()).toEqual(['action', 'actorId', 'at', 'detail', 'hash', 'outcome', 'requestId', 'seq', 'targetId', 'targetType']);
      },
      { driver },
    );
  });

  it('keeps to the from/to window: at or after from, before to', async () => {
    await withTestApp(
      async (t) => {
        await seed(t, 10);
        const res = await t.request(`/v1/audit/export?from=${at(3).toISOString()}&to=${at(6).toISOString()}`, { token: await t.adminToken() });
        const got = (await lines(res)).filter(Boolean).map((l) => (JSON.parse(l) as { detail: { i: number } }).detail.i);
        expect(got).toEqual([3, 4, 5]);
        const empty = await t.request(`/v1/audit/export?from=2030-01-01T00:00:00Z`, { token: await t.adminToken() });
        expect(await empty.text()).toBe('');
      },
      { driver },
    );
  });

  it('refuses non-admins, no token, and a bad or backwards window, with a code', async () => {
    await withTestApp(
      async (t) => {
        await seed(t, 2);
        const user = await t.tokenFor({ email: 'dev@example.com' });
        expect(await errorOf(await t.request('/v1/audit/export', { token: user }))).toMatchObject({ status: 403 });
        expect(await errorOf(await t.request('/v1/audit/export'))).toMatchObject({ status: 401 });
        const admin = await t.adminToken();
        for (const q of ['from=yesterday', 'to=2025-13-01T00:00:00Z', 'from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z']) {
          expect(await errorOf(await t.request(`/v1/audit/export?${q}`, { token: admin })), q).toMatchObject({ status: 400, code: 'validation_failed' });
        }
        expect(await errorOf(await t.request('/v1/audit/export?limit=5', { token: admin }))).toMatchObject({ status: 400, code: 'unknown_field' });
      },
      { driver },
    );
  });
});
