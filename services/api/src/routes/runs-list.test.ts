import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

interface RunItem {
  id: string;
  kind: string;
  role: string;
  status: string;
  userId: string | null;
  userEmail: string | null;
  model: string | null;
  usage: { calls: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number };
  durationMs: number | null;
}
interface RunPage {
  items: RunItem[];
  nextCursor: string | null;
}

async function seed(t: TestApp) {
  const admin = await t.adminToken();
  for (const name of ['developer', 'sre']) {
    const res = await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name, runKinds: ['troubleshoot', 'review'] } });
    expect(res.status).toBe(201);
  }
  await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'sre', subject: { kind: 'group', group: 'sres' } } });
  const alice = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
  const bob = await t.tokenFor({ email: 'bob@example.com', groups: ['sres'] });
  const idOf = async (token: string) => ((await (await t.request('/v1/me', { token })).json()) as { userId: string }).userId;
  return { admin, alice, bob, aliceId: await idOf(alice), bobId: await idOf(bob) };
}

async function list(t: TestApp, token: string, query = ''): Promise<RunPage> {
  const res = await t.request(`/v1/runs${query}`, { token });
  expect(res.status, query).toBe(200);
  return (await res.json()) as RunPage;
}

/** Every page of a listing, following nextCursor; fails on a repeat. */
async function allPages(t: TestApp, token: string, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: RunPage = await list(t, token, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

describe.each(testDrivers)('GET /v1/runs on %s', (driver) => {
  it('answers POST with 202 and the run’s Location, shows who ran it, its model, tokens, cost and duration', async () => {
    await withTestApp(
      async (t) => {
        const { alice } = await seed(t);
        const post = await t.request('/v1/runs', { method: 'POST', token: alice, json: { kind: 'troubleshoot', input: 'why?' } });
        expect(post.status).toBe(202);
        const { id } = (await post.json()) as { id: string };
        expect(post.headers.get('location')).toBe(`/v1/runs/${id}`);
        expect((await t.request(post.headers.get('location')!, { token: alice })).status).toBe(200);

        const fresh = (await (await t.request(`/v1/runs/${id}`, { token: alice })).json()) as RunItem;
        expect(fresh).toMatchObject({
          userEmail: 'alice@example.com',
          model: null,
          usage: { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
          durationMs: null,
        });

        // Two settled calls and one still reserved (not spend yet), then the run ends 90.5 s after it started.
        await t.db.owner(async (sql) => {
          const call = `insert into model_calls (org_id, run_id, model, input_tokens, output_tokens, cache_read_tokens, cost_usd, status, at)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`;
          await sql.query(call, [t.orgId, id, 'model-a', 100, 20, 5, 0.0125, 'settled', 1]);
          await sql.query(call, [t.orgId, id, 'model-a', 300, 40, 0, 0.0375, 'settled', 2]);
          await sql.query(call, [t.orgId, id, 'model-b', 0, 0, 0, 0, 'reserved', 3]);
          await sql.query(
            `update runs set status = 'succeeded', started_at = now() - interval '90.5 seconds', finished_at = now(), lease_owner = null where id = $1`,
            [id],
          );
        });
        const done = (await (await t.request(`/v1/runs/${id}`, { token: alice })).json()) as RunItem;
        expect(done).toMatchObject({
          status: 'succeeded',
          model: 'model-b',
          usage: { calls: 2, inputTokens: 400, outputTokens: 60, cacheReadTokens: 5, cacheWriteTokens: 0 },
          durationMs: 90_500,
        });
        expect(done.usage.costUsd).toBeCloseTo(0.05, 10);
        // The list shows the same run the same way.
        expect((await list(t, alice)).items[0]).toEqual(done);

        const cancel = await t.request('/v1/runs', { method: 'POST', token: alice, json: { kind: 'troubleshoot', input: 'again' } });
        const second = ((await cancel.json()) as { id: string }).id;
        const cancelled = await t.request(`/v1/runs/${second}/cancel`, { method: 'POST', token: alice });
        expect(cancelled.status).toBe(202);
        expect(cancelled.headers.get('location')).toBe(`/v1/runs/${second}`);
      },
      { driver },
    );
  });

  it('filters by status, kind, role, user and since, within what the caller may see', async () => {
    await withTestApp(
      async (t) => {
        const { admin, alice, bob, aliceId, bobId } = await seed(t);
        const start = async (token: string, role: string) => {
          const res = await t.request('/v1/runs', { method: 'POST', token, json: { kind: 'troubleshoot', input: 'x', role } });
          expect(res.status).toBe(202);
          return ((await res.json()) as { id: string }).id;
        };
        const a1 = await start(alice, 'developer');
        const a2 = await start(alice, 'developer');
        const b1 = await start(bob, 'sre');
        await t.request(`/v1/runs/${a2}/cancel`, { method: 'POST', token: alice });
        // Only troubleshoot has a module in this release, so a review run is written directly.
        const b2 = await t.db.owner(async (sql) => {
          const res = await sql.query<{ id: string }>(
            `insert into runs (org_id, kind, role_id, user_id, trigger, input, status, created_at)
             select $1, 'review', id, $2, '{}', 'pr', 'failed', now() - interval '2 days' from roles where name = 'sre' returning id`,
            [t.orgId, bobId],
          );
          return res.rows[0]!.id;
        });

        const ids = async (token: string, query: string) => (await list(t, token, query)).items.map((r) => r.id);
        expect(await ids(admin, '')).toEqual([b1, a2, a1, b2]);
        expect(await ids(admin, '?status=cancelled')).toEqual([a2]);
        expect(await ids(admin, '?status=queued,failed')).toEqual([b1, a1, b2]);
        expect(await ids(admin, '?kind=review')).toEqual([b2]);
        expect(await ids(admin, '?role=sre')).toEqual([b1, b2]);
        expect(await ids(admin, `?user=${aliceId}`)).toEqual([a2, a1]);
        expect(await ids(admin, '?user=ALICE@example.com')).toEqual([a2, a1]);
        expect(await ids(admin, `?since=${new Date(Date.now() - 86_400_000).toISOString()}`)).toEqual([b1, a2, a1]);
        expect(await ids(admin, '?since=2000-01-01T00:00:00%2B02:00&kind=troubleshoot&role=developer&status=queued')).toEqual([a1]);
        expect(await ids(admin, '?mine=true')).toEqual([]);

        // A user sees only their own runs, whatever they filter on.
        expect(await ids(alice, '')).toEqual([a2, a1]);
        expect(await ids(alice, `?user=${bobId}`)).toEqual([]);
        expect(await ids(alice, '?role=sre')).toEqual([]);
        expect(await ids(bob, '?kind=review,troubleshoot')).toEqual([b1, b2]);

        for (const bad of [
          '?status=done',
          '?status=',
          '?status=queued,,failed',
          '?kind=deploy',
          '?since=yesterday',
          '?role=Not_A_Name',
          '?limit=0',
          '?limit=201',
          '?sort=id',
        ]) {
          expect((await errorOf(await t.request(`/v1/runs${bad}`, { token: admin }))).status, bad).toBe(400);
        }
      },
      { driver },
    );
  });

  it('pages newest first without skipping or repeating runs that share a creation time, and refuses a bad cursor', async () => {
    await withTestApp(
      async (t) => {
        const { admin, alice, aliceId } = await seed(t);
        // Seven runs in one statement share created_at exactly; two more a moment earlier differ only in microseconds.
        const created = await t.db.owner(async (sql) => {
          const same = await sql.query<{ id: string }>(
            `insert into runs (org_id, kind, role_id, user_id, trigger, input)
             select $1, 'troubleshoot', r.id, $2, '{}', 'x' from roles r, generate_series(1, 7) where r.name = 'developer' returning id`,
            [t.orgId, aliceId],
          );
          const close = await sql.query<{ id: string }>(
            `insert into runs (org_id, kind, role_id, user_id, trigger, input, created_at)
             select $1, 'troubleshoot', r.id, $2, '{}', 'x', now() - make_interval(secs => n / 1000000.0)
               from roles r, generate_series(1, 2) n where r.name = 'developer' returning id`,
            [t.orgId, aliceId],
          );
          return [...same.rows, ...close.rows].map((r) => r.id);
        });
        const everything = (await list(t, admin, '?limit=200')).items.map((r) => r.id);
        expect(everything.sort()).toEqual([...created].sort());

        for (const limit of [1, 2, 3, 4, 9]) {
          const { ids, pages } = await allPages(t, admin, `?limit=${limit}`);
          expect(ids, `limit ${limit}`).toEqual((await list(t, admin, '?limit=200')).items.map((r) => r.id));
          expect(pages).toBe(Math.ceil(created.length / limit));
        }
        // The same walk for a user, with a filter, crosses the same ties.
        expect((await allPages(t, alice, '?limit=2&status=queued')).ids).toHaveLength(9);
        const last = await list(t, admin, '?limit=9');
        expect(last.nextCursor).toBeNull();

        const first = await list(t, admin, '?limit=2');
        const decoded = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString()) as unknown[];
        const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const bad = {
          garbage: 'not a cursor!',
          'not base64': '@@@@',
          'not JSON': Buffer.from('{{{').toString('base64url'),
          'another list’s': forge(['roles', 'developer']),
          'wrong shape': forge(['runs', 'yesterday', decoded[2]]),
          'extra fields': forge([...decoded, 'more']),
          'SQL in it': forge(['runs', "2020-01-01T00:00:00Z' or 1=1 --", decoded[2]]),
          'too long': 'a'.repeat(513),
          empty: '',
        };
        for (const [name, cursor] of Object.entries(bad)) {
          expect(await errorOf(await t.request(`/v1/runs?cursor=${encodeURIComponent(cursor)}`, { token: admin })), name).toMatchObject({
            status: 400,
            code: 'invalid_cursor',
          });
        }
      },
      { driver },
    );
  });
});
