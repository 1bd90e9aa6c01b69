import fc from 'fast-check';
import { testDrivers } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

// Generated inputs (fast-check) rather than a list: the question is "NUL or broken Unicode
// anywhere, on any endpoint", and a generator reaches nested keys, array items, every path
// position and every endpoint the OpenAPI document lists, including ones added later.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid-looking body per endpoint, so the poison is the only thing wrong with it. */
const templates: Record<string, Json> = {
  'post /v1/admin/roles': { name: 'dev2', description: 'd', runKinds: ['review'], connections: [], limits: { maxDurationSeconds: 60, maxSteps: 3 } },
  'patch /v1/admin/roles/{ref}': { description: 'x', runKinds: ['review'] },
  'post /v1/admin/connections': { name: 'c2', type: 'http', description: 'd', config: { baseUrl: 'https://example.com', auth: { scheme: 'none' } } },
  'patch /v1/admin/connections/{ref}': { description: 'x', config: { baseUrl: 'https://example.com' } },
  'post /v1/admin/bindings': { role: 'developer', subject: { kind: 'group', group: 'g2' } },
  'patch /v1/admin/bindings/{ref}': { role: 'developer' },
  'post /v1/runs': { kind: 'troubleshoot', input: 'why is checkout failing?', role: 'developer' },
  'put /v1/admin/budgets': { scope: 'org', monthlyCapUsd: 10 },
};

const badChar = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff');
const poisonText = fc.tuple(fc.string({ maxLength: 6 }), badChar, fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c);

/**
 * Puts `bad` somewhere in `value`: follows `steps` down through objects and arrays, then adds
 * it as a key, adds it as a value, splices it into a string, or replaces a scalar with it.
 */
function poison(value: Json, steps: number[], bad: string, asKey: boolean): Json {
  const root = structuredClone(value);
  let node: Json = root;
  let parent: { holder: Json[] | Record<string, Json>; at: string | number } | undefined;
  for (const step of steps) {
    const children: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : node && typeof node === 'object' ? Object.entries(node) : [];
    if (children.length === 0) break;
    const [at, child] = children[step % children.length]!;
    parent = { holder: node as Json[] | Record<string, Json>, at };
    node = child;
  }
  if (Array.isArray(node)) node.push(bad);
  else if (node && typeof node === 'object') node[asKey ? bad : 'x'] = asKey ? 1 : bad;
  else {
    const replaced = typeof node === 'string' ? node.slice(0, steps.length % (node.length + 1)) + bad + node.slice(steps.length % (node.length + 1)) : bad;
    if (!parent) return replaced;
    (parent.holder as Record<string | number, Json>)[parent.at] = replaced;
  }
  return root;
}

interface Endpoint {
  method: string;
  template: string;
  path: string;
}

/** Every /v1 endpoint of the OpenAPI document, with its path parameters filled with rows that exist. */
async function endpoints(t: TestApp, ids: Record<string, string>): Promise<Endpoint[]> {
  const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([template, methods]) =>
      Object.keys(methods).map((method) => ({
        method,
        template,
        path: template.replace(/\{(\w+)\}/g, (_, name: string) => ids[`${template}:${name}`] ?? ids[name] ?? 'x'),
      })),
    );
}

/** Row counts of every table in the test schema: "writes nothing" means none of them moves. */
async function snapshot(t: TestApp): Promise<Record<string, number>> {
  await t.refusals.flush();
  return t.db.owner(async (sql) => {
    const tables = await sql.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = current_schema() order by 1`);
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) counts[name] = (await sql.query<{ n: number }>(`select count(*)::int as n from "${name}"`)).rows[0]!.n;
    return counts;
  });
}

async function seed(t: TestApp): Promise<{ admin: string; ids: Record<string, string> }> {
  const admin = await t.adminToken();
  const json = async (res: Promise<Response>) => (await (await res).json()) as { id: string };
  const role = await json(t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['troubleshoot'] } }));
  const binding = await json(
    t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'user', email: 'admin@example.com' } } }),
  );
  const run = await json(t.request('/v1/runs', { method: 'POST', token: admin, json: { kind: 'troubleshoot', input: 'why?' } }));
  return {
    admin,
    ids: {
      '/v1/admin/roles/{ref}:ref': role.id,
      '/v1/admin/connections/{ref}:ref': 'payments',
      '/v1/admin/bindings/{ref}:ref': binding.id,
      id: run.id,
      connection: 'payments',
    },
  };
}

describe.each(testDrivers)('NUL and broken Unicode on %s', (driver) => {
  it('in any string of any JSON body, on every /v1 endpoint: 400 invalid_characters, never a 500, nothing written', async () => {
    await withTestApp(
      async (t) => {
        const { admin, ids } = await seed(t);
        const all = await endpoints(t, ids);
        // The GitHub webhook authenticates by a signature over the raw bytes before anything is
        // parsed, so an unsigned body is 401 (or 503 with no secret) whatever it holds; a signed
        // one with NUL is 400 invalid_characters (test/github-review.test.ts).
        const withBody = all.filter((e) => ['post', 'put', 'patch'].includes(e.method) && e.template !== '/v1/webhooks/github');
        expect(withBody.length).toBeGreaterThanOrEqual(8);
        const before = await snapshot(t);
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...withBody),
            fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, { maxKeys: 5 })),
            fc.array(fc.nat(), { maxLength: 6 }),
            poisonText,
            fc.boolean(),
            async (endpoint, random, steps, bad, asKey) => {
              const base = random ?? templates[`${endpoint.method} ${endpoint.template}`] ?? {};
              const body = JSON.stringify(poison(base, steps, bad, asKey));
              const res = await t.request(endpoint.path, {
                method: endpoint.method.toUpperCase(),
                token: admin,
                body,
                headers: { 'content-type': 'application/json' },
              });
              expect(await errorOf(res), `${endpoint.method} ${endpoint.path} ${body}`).toMatchObject({ status: 400, code: 'invalid_characters' });
            },
          ),
          { numRuns: 300 },
        );
        expect(await snapshot(t)).toEqual(before);
      },
      { driver },
    );
  });

  it('%00 or broken percent-encoding anywhere in the path or query of every /v1 endpoint, with or without a token: 400 invalid_characters, nothing written', async () => {
    await withTestApp(
      async (t) => {
        const { admin, ids } = await seed(t);
        const all = await endpoints(t, ids);
        const before = await snapshot(t);
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...all),
            fc.nat(),
            fc.constantFrom('%00', '%ED%A0%80', '%C0%80', '%E0%80', '%FF'),
            fc.constantFrom('path', 'query', 'query-value'),
            fc.constantFrom(admin, 'garbage', undefined),
            async (endpoint, position, bad, where, token) => {
              let url: string;
              if (where === 'path') {
                const at = 1 + (position % endpoint.path.length);
                url = endpoint.path.slice(0, at) + bad + endpoint.path.slice(at);
              } else url = where === 'query' ? `${endpoint.path}?${bad}=1` : `${endpoint.path}?limit=5${bad}`;
              const template = templates[`${endpoint.method} ${endpoint.template}`];
              const res = await t.request(url, { method: endpoint.method.toUpperCase(), ...(token ? { token } : {}), ...(template ? { json: template } : {}) });
              expect(await errorOf(res), `${endpoint.method} ${url}`).toMatchObject({ status: 400, code: 'invalid_characters' });
            },
          ),
          { numRuns: 300 },
        );
        expect(await snapshot(t)).toEqual(before);
      },
      { driver },
    );
  });
});
