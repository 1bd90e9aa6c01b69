import { verifyAuditChain } from '@remit/audit';
import { describe, expect, it } from 'vitest';
import { seedFindings } from '../testing/insight-findings.ts';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const JOBS = '/v1/admin/insight-jobs';
const FINDINGS = '/v1/insights/findings';
const job = { name: 'nightly-reliability', role: 'platform-engineer', schedule: '0 6 * * 1-5', timezone: 'Europe/London', focus: 'reliability' };

async function seedRoles(t: TestApp): Promise<string> {
  const admin = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'platform-engineer', runKinds: ['troubleshoot', 'insight'] } });
  await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'platform-engineer', subject: { kind: 'group', group: 'platform' } } });
  return admin;
}

async function auditActions(t: TestApp, like: string) {
  const res = await t.db.owner((sql) =>
    sql.query<{ action: string; detail: Record<string, unknown>; personal: Record<string, unknown> | null }>(
      `select e.action, e.detail, p.data as personal from audit_events e left join audit_personal p using (org_id, seq) where e.action like $1 order by e.seq`,
      [like],
    ),
  );
  return res.rows;
}

describe('insight jobs API (admins)', () => {
  it('creates, lists, updates, runs now and deletes a job, each write audited', async () => {
    await withTestApp(async (t) => {
      const admin = await seedRoles(t);
      const created = await t.request(JOBS, { method: 'POST', token: admin, json: job });
      expect(created.status).toBe(201);
      const saved = (await created.json()) as Record<string, unknown>;
      expect(saved).toMatchObject({ ...job, guidance: '', enabled: true, lastDueAt: null, nextDueAt: expect.stringMatching(/T0[56]:00:00\.000Z$/) });

      expect(await errorOf(await t.request(JOBS, { method: 'POST', token: admin, json: job }))).toMatchObject({ status: 409, code: 'already_exists' });
      const listed = (await (await t.request(JOBS, { token: admin })).json()) as { items: { id: string }[]; nextCursor: string | null };
      expect(listed).toEqual({ items: [expect.objectContaining({ id: saved.id, role: 'platform-engineer' })], nextCursor: null });

      const disabled = await t.request(`${JOBS}/nightly-reliability`, { method: 'PATCH', token: admin, json: { enabled: false, guidance: 'checkout only' } });
      expect(await disabled.json()).toMatchObject({ enabled: false, nextDueAt: null, guidance: 'checkout only' });
      const byId = (await (await t.request(`${JOBS}/${String(saved.id)}`, { token: admin })).json()) as Record<string, unknown>;
      expect(byId).toMatchObject({ name: 'nightly-reliability', enabled: false });

      const ran = await t.request(`${JOBS}/nightly-reliability/run`, { method: 'POST', token: admin });
      expect(ran.status).toBe(202);
      const { id: runId } = (await ran.json()) as { id: string };
      expect(ran.headers.get('location')).toBe(`/v1/runs/${runId}`);
      const run = (await (await t.request(`/v1/runs/${runId}`, { token: admin })).json()) as Record<string, unknown>;
      expect(run).toMatchObject({ kind: 'insight', role: 'platform-engineer', userId: null, status: 'queued' });
      expect(String(run.input)).toContain('Guidance from the admin: checkout only');

      expect((await t.request(`${JOBS}/nightly-reliability`, { method: 'DELETE', token: admin })).status).toBe(204);
      expect(await errorOf(await t.request(`${JOBS}/nightly-reliability`, { token: admin }))).toMatchObject({ status: 404, code: 'not_found' });

      expect((await auditActions(t, 'insight_job.%')).map((a) => a.action)).toEqual([
        'insight_job.create',
        'insight_job.update',
        'insight_job.run_now',
        'insight_job.delete',
      ]);
      expect(await verifyAuditChain(t.db, t.orgId)).toMatchObject({ ok: true });
    });
  });

  it('refuses a bad schedule, time zone, focus or role with a 4xx and a code, writing nothing', async () => {
    await withTestApp(async (t) => {
      const admin = await seedRoles(t);
      const bad: [Record<string, unknown>, number, string, RegExp?][] = [
        [{ schedule: '61 * * * *' }, 400, 'invalid_schedule', /minute/],
        [{ schedule: '* * * * * *' }, 400, 'invalid_schedule', /five cron fields/],
        [{ schedule: '0 0 30 2 *' }, 400, 'invalid_schedule', /never fires/],
        [{ timezone: 'Atlantis/Lost' }, 400, 'invalid_schedule', /IANA time zone/],
        [{ schedule: '' }, 400, 'validation_failed'],
        [{ focus: 'vibes' }, 400, 'validation_failed'],
        [{ role: 'developer' }, 400, 'validation_failed', /does not allow insight runs/],
        [{ role: 'nobody' }, 422, 'unknown_reference'],
        [{ name: '0b5a4c1e-1111-4222-8333-444455556666' }, 422, 'name_looks_like_id'],
        [{ owner: 'me' }, 400, 'unknown_field'],
      ];
      for (const [change, status, code, message] of bad) {
        const err = await errorOf(await t.request(JOBS, { method: 'POST', token: admin, json: { ...job, ...change } }));
        expect(err, JSON.stringify(change)).toMatchObject({ status, code });
        if (message) expect(err.message).toMatch(message);
      }
      await t.request(JOBS, { method: 'POST', token: admin, json: job });
      expect(await errorOf(await t.request(`${JOBS}/nightly-reliability`, { method: 'PATCH', token: admin, json: { timezone: 'Nowhere' } }))).toMatchObject({
        status: 400,
        code: 'invalid_schedule',
      });
      expect((await (await t.request(JOBS, { token: admin })).json()) as { items: unknown[] }).toMatchObject({ items: [{ timezone: 'Europe/London' }] });
    });
  });

  it('is for admins only: a non-admin, even one holding the job’s role, is refused every route, and nothing runs', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const { findingIds } = await seedFindings(t);
      await t.request('/v1/admin/bindings', {
        method: 'POST',
        token: admin,
        json: { role: 'platform-engineer', subject: { kind: 'group', group: 'platform' } },
      });
      const engineer = await t.tokenFor({ email: 'pat@example.com', groups: ['platform'] });
      const attempts: [string, string, unknown?][] = [
        ['GET', JOBS],
        ['POST', JOBS, { ...job, name: 'sneaky' }],
        ['GET', `${JOBS}/nightly-reliability`],
        ['PATCH', `${JOBS}/nightly-reliability`, { enabled: false }],
        ['DELETE', `${JOBS}/nightly-reliability`],
        ['POST', `${JOBS}/nightly-reliability/run`],
        ['GET', FINDINGS],
        ['GET', `${FINDINGS}/${findingIds[0]}`],
        ['POST', `${FINDINGS}/${findingIds[0]}/status`, { status: 'dismissed' }],
      ];
      for (const [method, path, json] of attempts) {
        expect(await errorOf(await t.request(path, { method, token: engineer, ...(json ? { json } : {}) })), `${method} ${path}`).toMatchObject({
          status: 403,
          code: 'forbidden',
        });
        expect(await errorOf(await t.request(path, { method, ...(json ? { json } : {}) }))).toMatchObject({ status: 401 });
      }
      const runs = await t.db.owner((sql) => sql.query<{ n: number }>("select count(*)::int as n from runs where kind = 'insight'"));
      expect(runs.rows[0]!.n).toBe(1);
      const jobs = (await (await t.request(JOBS, { token: admin })).json()) as { items: { name: string; enabled: boolean }[] };
      expect(jobs.items).toEqual([expect.objectContaining({ name: 'nightly-reliability', enabled: true })]);
      const finding = (await (await t.request(`${FINDINGS}/${findingIds[0]}`, { token: admin })).json()) as { status: string };
      expect(finding.status).toBe('new');
    });
  });
});

describe('insight findings API: the review queue', () => {
  it('moves a finding new → accepted → done with its history, refuses every other move with 409, and audits each move', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const { findingIds, runId, jobId } = await seedFindings(t, ['high', 'low']);
      const [first, second] = findingIds as [string, string];
      const move = (id: string, status: string, note?: string) =>
        t.request(`${FINDINGS}/${id}/status`, { method: 'POST', token: admin, json: { status, ...(note ? { note } : {}) } });

      const detail = (await (await t.request(`${FINDINGS}/${first}`, { token: admin })).json()) as Record<string, unknown>;
      expect(detail).toMatchObject({
        status: 'new',
        severity: 'high',
        runId,
        job: { id: jobId, name: 'nightly-reliability' },
        role: 'platform-engineer',
        evidence: [{ toolCallId: 'call-1', tool: 'http', callSeq: 4, resultSeq: 5, quote: 'card-processor timed out after 3000 ms' }],
        history: [{ from: null, to: 'new', by: null, byEmail: null, note: '' }],
      });

      expect(await errorOf(await move(first, 'done'))).toMatchObject({
        status: 409,
        code: 'invalid_transition',
        message: expect.stringMatching(/new: it can move to accepted or dismissed, not done/),
      });
      expect(await errorOf(await move(first, 'new'))).toMatchObject({ status: 409, code: 'invalid_transition' });
      const accepted = await move(first, 'accepted', 'Pool size change planned for Thursday');
      expect(accepted.status).toBe(200);
      expect(await errorOf(await move(first, 'dismissed'))).toMatchObject({ status: 409, code: 'invalid_transition' });
      const done = (await (await move(first, 'done')).json()) as { status: string; history: Record<string, unknown>[] };
      expect(done.status).toBe('done');
      expect(done.history).toEqual([
        expect.objectContaining({ from: null, to: 'new', by: null }),
        expect.objectContaining({
          from: 'new',
          to: 'accepted',
          byEmail: 'admin@example.com',
          note: 'Pool size change planned for Thursday',
          by: expect.any(String),
        }),
        expect.objectContaining({ from: 'accepted', to: 'done', note: '' }),
      ]);
      for (const to of ['new', 'accepted', 'dismissed', 'done'])
        expect(await errorOf(await move(first, to))).toMatchObject({ status: 409, code: 'invalid_transition' });

      // Dismissed, then reopened.
      await move(second, 'dismissed', 'Expected during the load test');
      expect(((await (await move(second, 'new')).json()) as { status: string }).status).toBe('new');

      const moves = await auditActions(t, 'finding.%');
      expect(moves.map((m) => m.detail)).toEqual([
        { from: 'new', to: 'accepted' },
        { from: 'accepted', to: 'done' },
        { from: 'new', to: 'dismissed' },
        { from: 'dismissed', to: 'new' },
      ]);
      // The note is sealed beside the entry (erasable), never in the hashed detail.
      expect(moves[0]!.personal).not.toBeNull();
      expect(JSON.stringify(moves)).not.toContain('Pool size');
      expect(await verifyAuditChain(t.db, t.orgId)).toMatchObject({ ok: true });
    });
  });

  it('refuses bad input with a 4xx and a code: unknown status, unknown finding, malformed id, a note too long', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const { findingIds } = await seedFindings(t);
      const id = findingIds[0]!;
      const post = (path: string, json: unknown) => t.request(path, { method: 'POST', token: admin, json });
      expect(await errorOf(await post(`${FINDINGS}/${id}/status`, { status: 'resolved' }))).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(await errorOf(await post(`${FINDINGS}/${id}/status`, { status: 'accepted', note: 'x'.repeat(2001) }))).toMatchObject({ status: 400 });
      expect(await errorOf(await post(`${FINDINGS}/${id}/status`, { status: 'accepted', by: 'someone-else' }))).toMatchObject({
        status: 400,
        code: 'unknown_field',
      });
      expect(await errorOf(await post(`${FINDINGS}/0b5a4c1e-1111-4222-8333-444455556666/status`, { status: 'accepted' }))).toMatchObject({
        status: 404,
        code: 'not_found',
      });
      expect(await errorOf(await post(`${FINDINGS}/not-an-id/status`, { status: 'accepted' }))).toMatchObject({ status: 400 });
      expect(await errorOf(await t.request(`${FINDINGS}?status=open`, { token: admin }))).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(await errorOf(await t.request(`${FINDINGS}?job=no-such-job`, { token: admin }))).toMatchObject({ status: 422, code: 'unknown_reference' });
      expect(await errorOf(await t.request(`${FINDINGS}?cursor=abc`, { token: admin }))).toMatchObject({ status: 400, code: 'invalid_cursor' });
      const finding = (await (await t.request(`${FINDINGS}/${id}`, { token: admin })).json()) as { status: string; history: unknown[] };
      expect(finding).toMatchObject({ status: 'new', history: [expect.anything()] });
    });
  });

  it('lists newest first, filtered by status, severity and job, in pages', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const { findingIds } = await seedFindings(t, ['info', 'high', 'critical', 'high', 'low']);
      await t.request(`${FINDINGS}/${findingIds[1]}/status`, { method: 'POST', token: admin, json: { status: 'dismissed' } });
      const list = async (query: string) => {
        const res = await t.request(`${FINDINGS}${query}`, { token: admin });
        expect(res.status).toBe(200);
        return (await res.json()) as { items: { id: string; severity: string; status: string }[]; nextCursor: string | null };
      };
      expect((await list('')).items.map((f) => f.id)).toEqual([...findingIds].reverse());
      expect((await list('?severity=high')).items.map((f) => f.id)).toEqual([findingIds[3], findingIds[1]]);
      expect((await list('?status=new&severity=high,critical')).items.map((f) => f.id)).toEqual([findingIds[3], findingIds[2]]);
      expect((await list('?status=dismissed')).items.map((f) => f.id)).toEqual([findingIds[1]]);
      expect((await list('?job=nightly-reliability')).items).toHaveLength(5);

      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([...findingIds].reverse());
    });
  });
});
