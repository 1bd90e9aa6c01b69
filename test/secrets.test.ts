import { troubleshootScript } from '@remit/api';
import { errorOf } from '@remit/api/testing';
import { describe, expect, it } from 'vitest';
import { PAYMENTS_READ_TOKEN, seedRoles, withRunStack, type RunStack } from './support/run-stack.ts';

// What an attacker's code would do: read the reflected credential and smuggle it out reversed,
// past any scrubber that only knows the secret's usual spellings.
const reflect = `require('node:http').get({ socketPath: '/run/remit/egress.sock', host: 'payments-api', path: '/debug/echo' }, (r) => {
  let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log([...String(JSON.parse(b).headers.authorization)].reverse().join('')));
})`;
const reflectScript = [
  { toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/debug/echo' } }] },
  { toolCalls: [{ name: 'exec', input: { command: ['node', '-e', reflect] } }] },
];

/** Every spelling of a secret that could leak: raw, base64, base64url, URL-encoded. */
function spellings(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret), [...secret].reverse().join('')];
}

async function everyTableDump(s: RunStack): Promise<string> {
  return s.db.owner(async (sql) => {
    const tables = await sql.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'`,
      [s.db.schema],
    );
    const dumps: string[] = [];
    for (const { relname } of tables.rows) dumps.push(JSON.stringify((await sql.query(`select * from "${relname}"`)).rows));
    return dumps.join('\n');
  });
}

describe('stored secrets never come back out', () => {
  it('no API response, log line, run event, audit row or table holds a connection’s secret, raw or encoded', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const admin = await s.adminToken();
        const bodies: string[] = [];
        const call = async (path: string, init: Parameters<RunStack['request']>[1] = {}) => {
          const res = await s.request(path, { token: admin, ...init });
          bodies.push(await res.text());
          return res;
        };
        // Every admin route, including the failures that echo input back.
        await call('/v1/admin/connections');
        await call('/v1/admin/connections/payments-api');
        await call('/v1/admin/connections/payments-api', { method: 'PATCH', json: { secret: { token: PAYMENTS_READ_TOKEN }, description: 'rotated' } });
        await call('/v1/admin/connections/payments-api', { method: 'PATCH', json: { secret: { token: PAYMENTS_READ_TOKEN, bogus: PAYMENTS_READ_TOKEN } } });
        await call('/v1/admin/connections', {
          method: 'POST',
          json: { name: 'wrong-token', type: 'http', config: { baseUrl: s.paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] }, secret: { token: `${PAYMENTS_READ_TOKEN}-x` } },
        });
        await call('/v1/admin/roles');
        await call('/v1/admin/bindings');
        await call('/v1/me');
        await call('/healthz');
        await call('/readyz');
        await call('/openapi.json');
        // A run whose model and code ask the connection to reflect the credentials it was sent.
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'why?' });
        await s.waitForStatus(runId, ['succeeded', 'failed']);
        bodies.push(await (await s.request(`/v1/runs/${runId}/events`, { token: dev })).text());
        await call(`/v1/runs/${runId}`);
        await call('/v1/audit?limit=1000');
        await call('/v1/audit/verify');

        const haystacks = { responses: bodies.join('\n'), logs: s.rawLogs.join('\n'), tables: await everyTableDump(s) };
        for (const spelling of spellings(PAYMENTS_READ_TOKEN)) {
          for (const [where, text] of Object.entries(haystacks)) expect(text.includes(spelling), `${where} contains ${spelling}`).toBe(false);
        }
        // The positive control: the run really used the credential (the logs endpoint needs it).
        expect(bodies.join('\n')).toContain('cardProcessorTimeouts');
        expect(bodies.join('\n')).toContain('Bearer [redacted]');
        expect(bodies.join('\n')).toContain([...'Bearer [redacted]'].reverse().join(''));
      },
      { script: [...reflectScript, ...troubleshootScript] },
    );
  });

  it('a connection that fails its live check is refused with 422 connection_verification_failed and nothing is saved', async () => {
    await withRunStack(
      async (s) => {
        const admin = await s.adminToken();
        const base = { type: 'http', config: { baseUrl: s.paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] } };
        expect(
          await errorOf(await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: { name: 'everything', ...base, config: { ...base.config, allowPrivateCidrs: ['0.0.0.0/0'] }, secret: { token: 't-token' } } })),
        ).toMatchObject({ status: 400, code: 'validation_failed' });
        // Metadata can never be allowed, not even explicitly.
        expect(
          await errorOf(await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: { name: 'imds', type: 'http', config: { baseUrl: 'http://169.254.169.254/', allowPrivateCidrs: ['169.254.0.0/16'] } } })),
        ).toMatchObject({ status: 400, code: 'validation_failed' });
        const cases = [
          { name: 'bad-token', ...base, secret: { token: 'not-the-token' } },
          { name: 'no-allowance', ...base, config: { ...base.config, allowPrivateCidrs: [] }, secret: { token: 'x-token' } },
          { name: 'metadata', type: 'http', config: { baseUrl: 'http://169.254.169.254/latest' } },
        ];
        for (const c of cases) {
          const err = await errorOf(await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: c }));
          expect(err, c.name).toMatchObject({ status: 422, code: 'connection_verification_failed' });
        }
        expect(await errorOf(await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: { name: 'needs-token', ...base } }))).toMatchObject({
          status: 400,
          code: 'validation_failed',
        });
        const rows = await s.db.owner((sql) => sql.query('select count(*)::int n from connections'));
        expect(rows.rows[0]).toEqual({ n: 0 });
        expect(await s.secrets.list({ orgId: s.orgId })).toEqual([]);
      },
      { script: [] , settings: { pollMs: 60_000 } },
    );
  });

  it('a connection that stops working is left out of the next run, and the transcript says why', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        // The upstream's token is rotated behind Remit's back: the stored one no longer works.
        await s.db.owner((sql) => sql.query(`update connections set config = jsonb_set(config, '{verifyPath}', '"/admin/status"') where name = 'payments-api'`));
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        await s.waitForStatus(runId, ['succeeded', 'failed']);
        const text = await (await s.request(`/v1/runs/${runId}/events`, { token: dev })).text();
        expect(text).toContain('connection_unavailable');
        expect(text).toContain('credentials were rejected');
        expect(s.bundles.at(-1)!.connections).toEqual([]);
      },
      { script: [{ text: 'nothing to call' }] },
    );
  });
});
