import { appendAudit } from '@remit/audit';
import type { AuditEntry, AuditPage } from '@remit/core';
import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const BASE = Date.parse('2025-01-01T00:00:00Z');
const minutes = (n: number) => new Date(BASE + n * 60_000);
const RUN_ID = '0b5e1f9c-7d1a-4c3e-9f00-000000000042';
const ACTIONS = ['role.create', 'role.update', 'connection.verify', 'roles.sync', 'run.create', 'connection.create', 'run.cancel'];
const OUTCOMES = ['success', 'success', 'denied', 'success', 'error'] as const;
const TARGETS = [
  ['role', 'r-1'],
  ['connection', 'payments-api'],
  ['run', RUN_ID],
  [null, null],
  ['role', 'r-2'],
] as const;

interface Users {
  alice: string;
  bob: string;
  /** Two users who signed in with the same email, in different case: the first one is the email's. */
  carolFirst: string;
  carolLater: string;
}

const userId = async (t: TestApp, token: string) => ((await (await t.request('/v1/me', { token })).json()) as { userId: string }).userId;

/** 40 entries, ten minutes apart from BASE, cycling through actions, outcomes, actors and targets. */
async function seed(t: TestApp): Promise<{ users: Users; entries: AuditEntry[]; admin: string }> {
  const admin = await t.adminToken();
  const users: Users = {
    alice: await userId(t, await t.tokenFor({ email: 'alice@example.com' })),
    bob: await userId(t, await t.tokenFor({ email: 'bob@example.com' })),
    carolFirst: await userId(t, await t.issuer.sign({ sub: 'carol-1', email: 'Carol@Example.com', groups: [] })),
    carolLater: await userId(t, await t.issuer.sign({ sub: 'carol-2', email: 'carol@example.com', groups: [] })),
  };
  const actors = [users.alice, users.bob, null, users.carolFirst, users.carolLater];
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    for (let i = 0; i < 40; i++) {
      const [targetType, targetId] = TARGETS[i % TARGETS.length]!;
      const record = { actorId: actors[i % 3 === 0 ? 2 : i % actors.length]!, action: ACTIONS[i % ACTIONS.length]!, targetType, targetId };
      await appendAudit(sql, { ...record, outcome: OUTCOMES[i % OUTCOMES.length]!, detail: { i } }, { now: minutes(10 * i) });
    }
  });
  const all = (await (await t.request('/v1/audit?limit=1000', { token: admin })).json()) as AuditPage;
  expect(all.items).toHaveLength(40);
  return { users, entries: all.items, admin };
}

async function list(t: TestApp, token: string, query: Record<string, string>): Promise<AuditPage> {
  const res = await t.request(`/v1/audit?${new URLSearchParams(query)}`, { token });
  expect(res.status, JSON.stringify(query)).toBe(200);
  return (await res.json()) as AuditPage;
}

/** Reads a filtered list to its end, `limit` at a time, passing each page's cursor back. */
async function readAll(t: TestApp, token: string, query: Record<string, string>, limit: number): Promise<number[]> {
  const seqs: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await list(t, token, { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seqs.push(...page.items.map((e) => e.seq));
    cursor = page.nextCursor;
    if (!cursor) return seqs;
    expect(page.items).toHaveLength(limit);
  }
  throw new Error('the list did not end');
}

describe.each(testDrivers)('GET /v1/audit filters on %s', (driver) => {
  it('each filter and their combinations keep exactly the entries they name, oldest or newest first', async () => {
    await withTestApp(
      async (t) => {
        const { users, entries, admin } = await seed(t);
        const at = (e: AuditEntry) => Date.parse(e.at);
        const none = () => false;
        const cases: [Record<string, string>, (e: AuditEntry) => boolean][] = [
          [{}, () => true],
          [{ action: 'role.create' }, (e) => e.action === 'role.create'],
          [{ action: 'role.' }, (e) => e.action.startsWith('role.')],
          [{ action: 'role.*' }, (e) => e.action.startsWith('role.')],
          [{ action: 'role*' }, (e) => e.action.startsWith('role')],
          [{ action: 'role' }, none],
          [{ outcome: 'denied' }, (e) => e.outcome === 'denied'],
          [{ outcome: 'denied,error' }, (e) => e.outcome !== 'success'],
          [{ actor: users.alice }, (e) => e.actorId === users.alice],
          [{ actor: users.alice.toUpperCase() }, (e) => e.actorId === users.alice],
          [{ actor: 'ALICE@example.COM' }, (e) => e.actorId === users.alice],
          [{ actor: 'carol@example.com' }, (e) => e.actorId === users.carolFirst],
          [{ actor: users.carolLater }, (e) => e.actorId === users.carolLater],
          [{ target: 'connection' }, (e) => e.targetType === 'connection'],
          [{ target: 'role:r-2' }, (e) => e.targetType === 'role' && e.targetId === 'r-2'],
          [{ target: `:${RUN_ID}` }, (e) => e.targetId === RUN_ID],
          [{ target: 'connection:r-2' }, none],
          [{ since: minutes(100).toISOString() }, (e) => at(e) >= minutes(100).getTime()],
          [{ until: minutes(100).toISOString() }, (e) => at(e) < minutes(100).getTime()],
          [{ since: '2025-01-01T03:00:00+02:00' }, (e) => at(e) >= minutes(60).getTime()],
          [{ since: minutes(55).toISOString(), until: minutes(205).toISOString() }, (e) => at(e) > minutes(50).getTime() && at(e) <= minutes(200).getTime()],
          [
            { action: 'role*', outcome: 'success,error', actor: 'bob@example.com', since: minutes(100).toISOString() },
            (e) => e.action.startsWith('role') && e.outcome !== 'denied' && e.actorId === users.bob && at(e) >= minutes(100).getTime(),
          ],
          [
            { target: 'role', outcome: 'success,error', until: minutes(300).toISOString(), action: 'role.' },
            (e) => e.targetType === 'role' && e.outcome !== 'denied' && at(e) < minutes(300).getTime() && e.action.startsWith('role.'),
          ],
        ];
        for (const [query, keep] of cases) {
          const expected = entries.filter(keep).map((e) => e.seq);
          // Each filter keeps some entries and drops others, so a filter ignored or applied to everything fails.
          if (keep !== none) expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
          if (Object.keys(query).length > 0) expect(expected.length, JSON.stringify(query)).toBeLessThan(entries.length);
          const oldest = await list(t, admin, { ...query, limit: '1000' });
          expect(
            oldest.items.map((e) => e.seq),
            JSON.stringify(query),
          ).toEqual(expected);
          const newest = await list(t, admin, { ...query, order: 'desc', limit: '1000' });
          expect(
            newest.items.map((e) => e.seq),
            `${JSON.stringify(query)} desc`,
          ).toEqual([...expected].reverse());
          expect(newest.items).toEqual([...oldest.items].reverse());
        }
      },
      { driver },
    );
  });

  it('pages filtered lists with the cursor in both orders; a cursor continues only its own order', async () => {
    await withTestApp(
      async (t) => {
        const { users, entries, admin } = await seed(t);
        const queries: Record<string, string>[] = [
          {},
          { action: 'role.', outcome: 'success,denied' },
          { actor: 'alice@example.com' },
          { target: 'connection', since: minutes(30).toISOString() },
        ];
        for (const query of queries) {
          const expected = await list(t, admin, { ...query, limit: '1000' }).then((p) => p.items.map((e) => e.seq));
          expect(expected.length).toBeGreaterThan(3);
          for (const limit of [1, 2, 3, expected.length, 1000]) {
            expect(await readAll(t, admin, query, limit), `${JSON.stringify(query)} limit ${limit}`).toEqual(expected);
            expect(await readAll(t, admin, { ...query, order: 'desc' }, limit), `${JSON.stringify(query)} desc limit ${limit}`).toEqual(
              [...expected].reverse(),
            );
          }
        }

        // order=asc stays the default, so existing clients see no change; `next` is only for them.
        const first = await list(t, admin, { limit: '2' });
        expect(first.items.map((e) => e.seq)).toEqual([1, 2]);
        expect(first.next).toBe(2);
        const newest = await list(t, admin, { order: 'desc', actor: users.alice, limit: '2' });
        expect(newest.items.map((e) => e.seq)).toEqual(
          entries
            .filter((e) => e.actorId === users.alice)
            .map((e) => e.seq)
            .reverse()
            .slice(0, 2),
        );
        expect(newest.next).toBeNull();

        const misuse: { name: string; query: Record<string, string> }[] = [
          { name: 'an oldest-first cursor newest first', query: { order: 'desc', cursor: first.nextCursor! } },
          { name: 'a newest-first cursor oldest first', query: { actor: users.alice, cursor: newest.nextCursor! } },
          { name: 'a newest-first cursor with order=asc', query: { order: 'asc', cursor: newest.nextCursor! } },
          {
            name: 'a newest-first cursor past the first entry',
            query: { order: 'desc', cursor: Buffer.from(JSON.stringify(['audit-newest-first', 0])).toString('base64url') },
          },
          { name: 'a forged order', query: { order: 'desc', cursor: Buffer.from(JSON.stringify(['audit', 'desc', 5])).toString('base64url') } },
        ];
        for (const { name, query } of misuse) {
          expect(await errorOf(await t.request(`/v1/audit?${new URLSearchParams(query)}`, { token: admin })), name).toMatchObject({
            status: 400,
            code: 'invalid_cursor',
          });
        }
        expect(await errorOf(await t.request('/v1/audit?order=desc&after=3', { token: admin }))).toMatchObject({
          status: 400,
          code: 'validation_failed',
          message: 'after: pages oldest first only; use cursor with order=desc.',
        });
      },
      { driver },
    );
  });

  it('an email nobody signed in with gives an empty page, not an error', async () => {
    await withTestApp(
      async (t) => {
        const { admin } = await seed(t);
        for (const order of ['asc', 'desc']) {
          expect(await list(t, admin, { actor: 'nobody@example.com', order })).toEqual({ items: [], nextCursor: null, next: null });
        }
      },
      { driver },
    );
  });
});

describe('GET /v1/audit refuses', () => {
  it('bad filter values with 400 validation_failed, naming the parameter and what it expects', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const bad: [Record<string, string>, string][] = [
        [{ action: 'Role.Create' }, 'action: expected an action (role.create) or a prefix ending in . or * (connection.).'],
        [{ action: '*' }, 'action: expected'],
        [{ action: 'role.**' }, 'action: expected'],
        [{ action: 'role create' }, 'action: expected'],
        [{ action: '' }, 'action: expected'],
        [{ outcome: 'maybe' }, 'outcome.0: Invalid option'],
        [{ outcome: 'denied,,error' }, 'outcome.1: Invalid option'],
        [{ outcome: '' }, 'outcome.0: Invalid option'],
        [{ actor: 'alice' }, 'actor: expected a user id (UUID) or an email'],
        [{ actor: '' }, 'actor: expected a user id'],
        [{ actor: `${'a'.repeat(320)}@example.com` }, 'actor: '],
        [{ target: 'Role' }, 'target: expected a target type (connection), a type and id'],
        [{ target: ':' }, 'target: expected'],
        [{ target: 'role:' }, 'target: expected'],
        [{ target: 'role:a\tb' }, 'target: expected'],
        [{ target: '' }, 'target: expected'],
        [{ since: 'yesterday' }, 'since: expected an RFC 3339 time such as 2025-01-31T00:00:00Z'],
        [{ since: '2025-01-31' }, 'since: expected an RFC 3339 time'],
        [{ until: '2025-01-31T00:00:00' }, 'until: expected an RFC 3339 time'],
        [{ since: '2025-02-01T00:00:00Z', until: '2025-01-31T00:00:00+01:00' }, 'until: must be later than since.'],
        [{ since: '2025-02-01T00:00:00Z', until: '2025-02-01T01:00:00+01:00' }, 'until: must be later than since.'],
        [{ order: 'newest' }, 'order: Invalid option'],
      ];
      for (const [query, message] of bad) {
        const error = await errorOf(await t.request(`/v1/audit?${new URLSearchParams(query)}`, { token: admin }));
        expect(error, JSON.stringify(query)).toMatchObject({ status: 400, code: 'validation_failed' });
        expect(error.message, JSON.stringify(query)).toContain(message);
      }
    });
  });

  it('anyone but an admin, whatever the filters', async () => {
    await withTestApp(async (t) => {
      const developer = await t.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
      for (const query of ['', '?order=desc', '?actor=dev@example.com', '?action=role.&outcome=denied']) {
        expect(await errorOf(await t.request(`/v1/audit${query}`, { token: developer })), query).toMatchObject({ status: 403, code: 'forbidden' });
        expect((await t.request(`/v1/audit${query}`)).status, query).toBe(401);
      }
    });
  });
});

describe('GET /v1/audit in the OpenAPI document', () => {
  it('lists every filter as a query parameter', async () => {
    await withTestApp(async (t) => {
      const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, { get: { parameters: { name: string; in: string }[] } }> };
      const params = doc.paths['/v1/audit']!.get.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      expect(params).toEqual(expect.arrayContaining(['action', 'outcome', 'actor', 'target', 'since', 'until', 'order', 'limit', 'cursor']));
    });
  });
});
