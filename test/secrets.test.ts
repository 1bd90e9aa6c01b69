import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { troubleshootScript } from '@remit/api';
import { errorOf, withTestApp, type TestApp } from '@remit/api/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    [...secret].reverse().join(''),
  ];
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
          json: {
            name: 'wrong-token',
            type: 'http',
            config: { baseUrl: s.paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
            secret: { token: `${PAYMENTS_READ_TOKEN}-x` },
          },
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
        const base = {
          type: 'http',
          config: { baseUrl: s.paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
        };
        expect(
          await errorOf(
            await s.request('/v1/admin/connections', {
              method: 'POST',
              token: admin,
              json: { name: 'everything', ...base, config: { ...base.config, allowPrivateCidrs: ['0.0.0.0/0'] }, secret: { token: 't-token' } },
            }),
          ),
        ).toMatchObject({ status: 400, code: 'validation_failed' });
        // Metadata can never be allowed, not even explicitly.
        expect(
          await errorOf(
            await s.request('/v1/admin/connections', {
              method: 'POST',
              token: admin,
              json: { name: 'imds', type: 'http', config: { baseUrl: 'http://169.254.169.254/', allowPrivateCidrs: ['169.254.0.0/16'] } },
            }),
          ),
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
        expect(await errorOf(await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: { name: 'needs-token', ...base } }))).toMatchObject(
          {
            status: 400,
            code: 'validation_failed',
          },
        );
        const rows = await s.db.owner((sql) => sql.query('select count(*)::int n from connections'));
        expect(rows.rows[0]).toEqual({ n: 0 });
        expect(await s.secrets.list({ orgId: s.orgId })).toEqual([]);
      },
      { script: [], settings: { pollMs: 60_000 } },
    );
  });

  it('a connection that stops working is left out of the next run, and the transcript says why', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        // The upstream's token is rotated behind Remit's back: the stored one no longer works.
        await s.db.owner((sql) =>
          sql.query(`update connections set config = jsonb_set(config, '{verifyPath}', '"/admin/status"') where name = 'payments-api'`),
        );
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

/** A fake upstream on loopback that answers 200 to anything and records what it was sent: where a leaked secret would land. */
class RecordingUpstream {
  server!: Server;
  url = '';
  readonly seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        this.seen.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"x"}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  close = () => new Promise<void>((r) => this.server.close(() => r()));
}

const STORED = 'stored-vendor-key-5e1d9c';
const CLIENT_SECRET = 'stored-client-secret-8a2f';
const loopback = ['127.0.0.1/32'];

describe('a stored secret is only sent to the destination it was saved for', () => {
  const victim = new RecordingUpstream();
  const attacker = new RecordingUpstream();
  beforeAll(() => Promise.all([victim.start(), attacker.start()]));
  afterAll(() => Promise.all([victim.close(), attacker.close()]));

  const saved = () => ({
    baseUrl: `${victim.url}/tenant-a`,
    auth: { scheme: 'header', headerName: 'X-Vendor-Key' },
    verifyPath: '/status',
    allowPrivateCidrs: loopback,
  });
  const oauth = () => ({ authorizeUrl: `${victim.url}/authorize`, tokenUrl: `${victim.url}/token`, clientId: 'remit', scopes: [] as string[] });

  async function seed(t: TestApp): Promise<string> {
    const admin = await t.adminToken();
    for (const json of [
      { name: 'vendor', type: 'http', config: saved(), secret: { token: STORED } },
      {
        name: 'tickets',
        type: 'http',
        authMode: 'oauth_user',
        config: { baseUrl: victim.url, allowPrivateCidrs: loopback },
        oauth: oauth(),
        secret: { clientSecret: CLIENT_SECRET },
      },
    ]) {
      expect((await t.request('/v1/admin/connections', { method: 'POST', token: admin, json })).status).toBe(201);
    }
    // Saving verified the connection at the victim with the secret: that one was meant to happen.
    victim.seen.length = 0;
    attacker.seen.length = 0;
    return admin;
  }

  /** Every spelling a leaked secret could take on the wire. */
  const leaked = (secret: string) => {
    const wire = JSON.stringify([...victim.seen, ...attacker.seen]);
    return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)].some((s) => wire.includes(s));
  };

  // One or more fields that decide where the stored key goes, each changed, and nothing else
  // about the secret given: the base URL (another origin; the same host on another path), the
  // verify path (including one that climbs out of the base path), the scheme (header → bearer
  // or basic) and the header name.
  const moves = () => {
    const baseUrl = fc.oneof(
      fc.webSegment().map((p) => `${attacker.url}/${p}`),
      fc
        .webSegment()
        .filter((p) => p !== 'tenant-a')
        .map((p) => `${victim.url}/${p}`),
      fc
        .webSegment()
        .filter((p) => p.length > 0)
        .map((p) => `${victim.url}/tenant-a/${p}`),
      fc.constant(`${victim.url.replace('127.0.0.1', 'localhost')}/tenant-a`),
    );
    const verifyPath = fc.oneof(
      fc
        .webPath()
        .map((p) => (p.startsWith('/') ? p : `/${p}`))
        .filter((p) => p !== '/status'),
      fc.constantFrom('/../tenant-b/status', '/%2e%2e/tenant-b/status', '/status/'),
    );
    const auth = fc.oneof(
      fc.constantFrom({ scheme: 'bearer' }, { scheme: 'basic' }, { scheme: 'header' }),
      fc
        .stringMatching(/^[A-Za-z0-9-]{1,64}$/)
        .filter((h) => h.toLowerCase() !== 'x-vendor-key')
        .map((headerName) => ({ scheme: 'header', headerName })),
    );
    return fc.record({ baseUrl, verifyPath, auth }, { requiredKeys: [] }).filter((m) => Object.keys(m).length > 0);
  };
  // Changes that do not move the secret, mixed in so the refusal is not about them.
  const noise = fc.record(
    { description: fc.string({ maxLength: 40 }), allowPrivateCidrs: fc.constantFrom(loopback, ['127.0.0.1/32', '10.0.0.0/8']) },
    { requiredKeys: [] },
  );

  it('a PATCH that moves the secret without giving it again is 422 secret_required_for_new_destination, before any network call and with nothing written (property)', async () => {
    await withTestApp(async (t) => {
      const admin = await seed(t);
      const before = await (await t.request('/v1/admin/connections/vendor', { token: admin })).json();
      const sealed = await t.secrets.list({ orgId: t.orgId });
      await fc.assert(
        fc.asyncProperty(moves(), noise, async (move, extra) => {
          const { description, ...configExtra } = extra;
          const body = { ...(description !== undefined ? { description } : {}), config: { ...saved(), ...configExtra, ...move } };
          const res = await t.request('/v1/admin/connections/vendor', { method: 'PATCH', token: admin, json: body });
          const err = await errorOf(res);
          expect(err).toMatchObject({ status: 422, code: 'secret_required_for_new_destination' });
          expect(err.message).toMatch(/config\.(baseUrl|verifyPath|auth\.scheme|auth\.headerName)/);
          // Refused before any network call: neither upstream saw anything at all.
          expect(victim.seen).toEqual([]);
          expect(attacker.seen).toEqual([]);
          expect(await (await t.request('/v1/admin/connections/vendor', { token: admin })).json()).toEqual(before);
        }),
        { numRuns: 60 },
      );
      // Moving to OAuth with a token URL elsewhere would hand over the same slot: refused too.
      const toOAuth = await t.request('/v1/admin/connections/vendor', {
        method: 'PATCH',
        token: admin,
        json: { authMode: 'oauth_user', oauth: { ...oauth(), tokenUrl: `${attacker.url}/token` } },
      });
      expect(await errorOf(toOAuth)).toMatchObject({ status: 422, code: 'secret_required_for_new_destination' });
      expect(leaked(STORED)).toBe(false);
      expect(await t.secrets.list({ orgId: t.orgId })).toEqual(sealed);

      // The positive control: with the secret given again the move is allowed, and the new
      // destination gets the new secret — the recorders do see what is sent them.
      const moved = await t.request('/v1/admin/connections/vendor', {
        method: 'PATCH',
        token: admin,
        json: { config: { ...saved(), baseUrl: attacker.url }, secret: { token: 'a-new-key-for-the-new-place' } },
      });
      expect(moved.status).toBe(200);
      expect(attacker.seen.map((r) => r.headers['x-vendor-key'])).toEqual(['a-new-key-for-the-new-place']);
      expect(leaked(STORED)).toBe(false);
    });
  });

  it('an OAuth client secret stays with its token endpoint, client id and authorize URL (property)', async () => {
    await withTestApp(async (t) => {
      const admin = await seed(t);
      const before = await (await t.request('/v1/admin/connections/tickets', { token: admin })).json();
      const elsewhere = fc.oneof(
        fc.webSegment().map((p) => `${attacker.url}/${p}`),
        fc
          .webSegment()
          .filter((p) => p !== 'token' && p !== 'authorize')
          .map((p) => `${victim.url}/${p}`),
      );
      const move = fc
        .record(
          { tokenUrl: elsewhere, authorizeUrl: elsewhere, clientId: fc.stringMatching(/^[a-z0-9-]{1,20}$/).filter((id) => id !== 'remit') },
          { requiredKeys: [] },
        )
        .filter((m) => Object.keys(m).length > 0);
      await fc.assert(
        fc.asyncProperty(move, async (m) => {
          const res = await t.request('/v1/admin/connections/tickets', { method: 'PATCH', token: admin, json: { oauth: { ...oauth(), ...m } } });
          expect(await errorOf(res)).toMatchObject({ status: 422, code: 'secret_required_for_new_destination' });
          expect([...victim.seen, ...attacker.seen]).toEqual([]);
          expect(await (await t.request('/v1/admin/connections/tickets', { token: admin })).json()).toEqual(before);
        }),
        { numRuns: 30 },
      );
      expect(leaked(CLIENT_SECRET)).toBe(false);
    });
  });

  it('changes that leave the secret where it was need no secret: description, a trailing slash, a private range, rotating the secret in place', async () => {
    await withTestApp(async (t) => {
      const admin = await seed(t);
      for (const json of [
        { description: 'renamed' },
        { config: { ...saved(), baseUrl: `${victim.url}/tenant-a/` } },
        { config: { ...saved(), auth: { scheme: 'header', headerName: 'x-vendor-key' } } },
        { config: { ...saved(), allowPrivateCidrs: ['127.0.0.1/32', '10.0.0.0/8'] } },
        { secret: { token: 'rotated-in-place' } },
      ]) {
        expect((await t.request('/v1/admin/connections/vendor', { method: 'PATCH', token: admin, json })).status, JSON.stringify(json)).toBe(200);
      }
      // Only the victim, where the key was saved for, was ever sent it.
      expect(attacker.seen).toEqual([]);
      expect(victim.seen.every((r) => r.url === '/tenant-a/status')).toBe(true);
    });
  });
});
