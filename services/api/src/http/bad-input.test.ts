import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

interface Case {
  name: string;
  send: (t: TestApp, admin: string) => Promise<Response>;
  status: number;
  code: string;
}

const post = (t: TestApp, path: string, body: string, token?: string, type = 'application/json') =>
  t.request(path, { method: 'POST', body, headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

const cases: Case[] = [
  { name: 'malformed JSON', send: (t, a) => post(t, '/v1/admin/roles', '{"name": "dev",', a), status: 400, code: 'invalid_json' },
  { name: 'empty body', send: (t, a) => post(t, '/v1/admin/roles', '', a), status: 400, code: 'invalid_json' },
  { name: 'a JSON array instead of an object', send: (t, a) => post(t, '/v1/admin/roles', '[]', a), status: 400, code: 'validation_failed' },
  {
    name: 'not JSON at all',
    send: (t, a) => post(t, '/v1/admin/roles', 'name=dev', a, 'application/x-www-form-urlencoded'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'wrong type',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'dev', runKinds: 'troubleshoot' } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'bad enum value',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'dev', runKinds: ['root'] } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'bad name',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'Dev Team', runKinds: ['review'] } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'out-of-range limit',
    send: (t, a) =>
      t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'dev', runKinds: ['review'], limits: { maxDurationSeconds: 1, maxSteps: 1 } } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'unknown top-level field',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'dev', runKinds: ['review'], superuser: true } }),
    status: 400,
    code: 'unknown_field',
  },
  {
    name: 'unknown nested field',
    send: (t, a) =>
      t.request('/v1/admin/roles', {
        method: 'POST',
        token: a,
        json: { name: 'dev', runKinds: ['review'], limits: { maxSteps: 3, maxDurationSeconds: 60, cpu: 9 } },
      }),
    status: 400,
    code: 'unknown_field',
  },
  {
    name: 'secret smuggled into a connection',
    send: (t, a) =>
      t.request('/v1/admin/connections', {
        method: 'POST',
        token: a,
        json: { name: 'x', type: 'http', config: { baseUrl: 'https://x.example.com', token: 'hunter2' } },
      }),
    status: 400,
    code: 'unknown_field',
  },
  {
    name: 'oversized body',
    send: (t, a) => post(t, '/v1/admin/roles', JSON.stringify({ name: 'dev', runKinds: ['review'], description: 'x'.repeat(70_000) }), a),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a NUL character in a JSON string',
    send: (t, a) => post(t, '/v1/admin/roles', '{"name":"dev","runKinds":["review"],"description":"a\\u0000b"}', a),
    status: 400,
    code: 'invalid_characters',
  },
  {
    name: 'a NUL character in a field name',
    send: (t, a) => post(t, '/v1/admin/roles', '{"name":"dev","runKinds":["review"],"limits":{"\\u0000":1}}', a),
    status: 400,
    code: 'invalid_characters',
  },
  {
    name: 'a lone surrogate in a JSON string',
    send: (t, a) => post(t, '/v1/admin/roles', '{"name":"dev","runKinds":["review"],"description":"\\ud800"}', a),
    status: 400,
    code: 'invalid_characters',
  },
  { name: '%00 in the path', send: (t, a) => t.request('/v1/admin/roles/dev%00', { token: a }), status: 400, code: 'invalid_characters' },
  { name: '%00 in the path with a bad token', send: (t) => t.request('/v1/admin/roles/dev%00', { token: 'garbage' }), status: 400, code: 'invalid_characters' },
  { name: '%00 in the query', send: (t, a) => t.request('/v1/audit?limit=1%00', { token: a }), status: 400, code: 'invalid_characters' },
  {
    name: 'broken percent-encoding in the path',
    send: (t, a) => t.request('/v1/admin/roles/%ED%A0%80', { token: a }),
    status: 400,
    code: 'invalid_characters',
  },
  {
    name: 'a role name shaped like an id',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'a0000000-0000-4000-8000-000000000000', runKinds: ['review'] } }),
    status: 422,
    code: 'name_looks_like_id',
  },
  { name: 'bad id in path', send: (t, a) => t.request('/v1/admin/roles/..%2F..%2Fetc', { token: a }), status: 400, code: 'invalid_id' },
  { name: 'a name where only ids are allowed', send: (t, a) => t.request('/v1/admin/bindings/developer', { token: a }), status: 400, code: 'invalid_id' },
  { name: 'unknown id', send: (t, a) => t.request('/v1/admin/roles/00000000-0000-4000-8000-000000000000', { token: a }), status: 404, code: 'not_found' },
  {
    name: 'unknown connection named by a role',
    send: (t, a) => t.request('/v1/admin/roles', { method: 'POST', token: a, json: { name: 'dev', runKinds: ['review'], connections: ['nope'] } }),
    status: 422,
    code: 'unknown_reference',
  },
  {
    name: 'binding to an unknown role',
    send: (t, a) => t.request('/v1/admin/bindings', { method: 'POST', token: a, json: { role: 'nope', subject: { kind: 'group', group: 'g' } } }),
    status: 422,
    code: 'unknown_reference',
  },
  { name: 'missing token', send: (t) => t.request('/v1/admin/roles'), status: 401, code: 'missing_token' },
  {
    name: 'not a bearer token',
    send: (t) => t.request('/v1/admin/roles', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'forged token',
    send: (t) => t.request('/v1/admin/roles', { token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA' }),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'not an admin',
    send: async (t) => t.request('/v1/admin/roles', { token: await t.tokenFor({ email: 'eve@example.com', groups: ['developers'] }) }),
    status: 403,
    code: 'forbidden',
  },
  { name: 'unknown route', send: (t, a) => t.request('/v1/admin/nothing', { token: a }), status: 404, code: 'not_found' },
  { name: 'bad audit query', send: (t, a) => t.request('/v1/audit?limit=-1', { token: a }), status: 400, code: 'validation_failed' },
];

async function snapshot(t: TestApp): Promise<string> {
  return t.db.owner(async (sql) => {
    const counts = await sql.query(
      `select (select count(*) from roles) r, (select count(*) from connections) c, (select count(*) from role_bindings) b,
              (select count(*) from role_connections) rc`,
    );
    return JSON.stringify(counts.rows[0]);
  });
}

describe('bad input', () => {
  it.each(cases)('$name → $status $code, and nothing is written', async (c) => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      const before = await snapshot(t);
      const res = await c.send(t, admin);
      const err = await errorOf(res);
      expect(err).toMatchObject({ status: c.status, code: c.code });
      expect(err.message).toEqual(expect.any(String));
      expect(await snapshot(t)).toBe(before);
    });
  });

  it('a duplicate name is 409 already_exists and leaves the first intact', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const body = { name: 'dev', description: 'first', runKinds: ['review'] };
      expect((await t.request('/v1/admin/roles', { method: 'POST', token, json: body })).status).toBe(201);
      const dup = await t.request('/v1/admin/roles', { method: 'POST', token, json: { ...body, description: 'second' } });
      expect(await errorOf(dup)).toMatchObject({ status: 409, code: 'already_exists' });
      const kept = (await (await t.request('/v1/admin/roles/dev', { token })).json()) as { description: string };
      expect(kept.description).toBe('first');
    });
  });

  it('a failure half-way through a request writes nothing: a role naming one good and one missing connection', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      await t.request('/v1/admin/connections', {
        method: 'POST',
        token,
        json: { name: 'good', type: 'http', config: { baseUrl: 'https://good.example.com' } },
      });
      const auditBefore = await t.db.owner((sql) => sql.query('select count(*)::int n from audit_events'));
      const res = await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'dev', runKinds: ['review'], connections: ['good', 'missing'] } });
      expect(await errorOf(res)).toMatchObject({ status: 422, code: 'unknown_reference' });
      const after = await t.db.owner((sql) => sql.query('select (select count(*)::int from roles) r, (select count(*)::int from audit_events) a'));
      expect(after.rows[0]).toEqual({ r: 0, a: (auditBefore.rows[0] as { n: number }).n });
    });
  });

  it('every refusal of a token or of admin rights is audited, and the handler never runs', async () => {
    await withTestApp(async (t) => {
      await t.request('/v1/admin/roles', { method: 'POST', json: { name: 'x', runKinds: ['review'] } });
      await t.request('/v1/admin/roles', { method: 'POST', token: 'garbage', json: { name: 'x', runKinds: ['review'] } });
      const dev = await t.tokenFor({ email: 'eve@example.com', groups: ['developers'] });
      await t.request('/v1/admin/roles', { method: 'POST', token: dev, json: { name: 'x', runKinds: ['review'] } });
      await t.refusals.flush();
      const rows = await t.db.owner((sql) =>
        sql.query<{ action: string; outcome: string; detail: { reason: string } }>('select action, outcome, detail from audit_events order by seq'),
      );
      expect(rows.rows.map((r) => [r.action, r.outcome, r.detail.reason])).toEqual([
        ['auth.denied', 'denied', 'missing_token'],
        ['auth.denied', 'denied', 'malformed'],
        ['authz.denied', 'denied', 'not_admin'],
      ]);
      const roles = await t.db.owner((sql) => sql.query('select count(*)::int n from roles'));
      expect(roles.rows[0]).toEqual({ n: 0 });
    });
  });
});
