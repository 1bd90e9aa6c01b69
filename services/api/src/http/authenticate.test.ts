import { createHmac, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { loadOrCreateDevIssuer } from '@remit/identity';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Tokens an attacker would try against the API; each must be a 401 invalid_token, never a 500. */
async function forgeries(t: TestApp): Promise<Record<string, string>> {
  const claims = { sub: 'mallory@example.com', email: 'mallory@example.com', groups: ['remit-admins'] };
  const attacker = await generateKeyPair('ES256');
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker', alg: 'ES256' };
  const sign = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...header }).sign(attacker.privateKey);
  const pem = createPublicKey({ key: t.issuer.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const hsHeader = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const hsPayload = b64url(JSON.stringify({ ...claims, iss: t.issuer.issuer, aud: t.issuer.audience, exp: now() + 600 }));
  const hsSig = createHmac('sha256', pem).update(`${hsHeader}.${hsPayload}`).digest('base64url');
  const valid = { ...claims, iss: t.issuer.issuer, aud: t.issuer.audience, exp: now() + 600 };
  return {
    'alg none': `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(valid))}.`,
    'HS256 signed with the public key': `${hsHeader}.${hsPayload}.${hsSig}`,
    'unknown kid (attacker key)': await sign({ kid: 'attacker' }, valid),
    'attacker jku': await sign({ kid: 'attacker', jku: 'http://127.0.0.1:9/jwks.json' }, valid),
    'attacker embedded jwk': await sign({ jwk: attackerJwk }, valid),
    'wrong audience': await signWithIssuer(t, { ...claims, aud: 'someone-else' }),
    'missing audience': await signWithIssuer(t, { ...claims, aud: undefined }),
    'wrong issuer': await signWithIssuer(t, { ...claims, iss: 'https://evil.example.com' }),
    expired: await signWithIssuer(t, { ...claims, exp: now() - 3600 }),
    'not yet valid': await signWithIssuer(t, { ...claims, nbf: now() + 3600 }),
    'missing sub': await signWithIssuer(t, { ...claims, sub: undefined }),
    'oversized (> 8 KB)': await signWithIssuer(t, { ...claims, padding: 'x'.repeat(9000) }),
  };
}

/** Signs with the real issuer's private key (read from its key file) but lets the test choose every claim. */
async function signWithIssuer(t: TestApp, payload: Record<string, unknown>): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(t.dataDir, 'dev-issuer', 'private.jwk.json'), 'utf8')) as JWK;
  const key = await importJWK(jwk, 'ES256');
  const body: Record<string, unknown> = { iss: t.issuer.issuer, aud: t.issuer.audience, exp: now() + 600, iat: now(), ...payload };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return new SignJWT(body).setProtectedHeader({ alg: 'ES256', kid: jwk.kid! }).sign(key);
}

describe('authentication', () => {
  it('a token signed with another data directory’s development key is refused with a message that says so and how to fix it', async () => {
    await withTestApp(async (t) => {
      const otherDir = mkdtempSync(join(tmpdir(), 'remit-other-data-'));
      try {
        const other = await loadOrCreateDevIssuer(otherDir);
        const token = await other.sign({ sub: 'alice@example.com', email: 'alice@example.com', groups: [] });
        const res = await t.request('/v1/me', { token });
        const error = await errorOf(res);
        expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
        expect(error.message).toContain("another data directory's development key");
        expect(error.message).toContain('bin/remit token --user');
        // Nothing about this machine: the server's own data directory is not named.
        expect(error.message).not.toContain(t.dataDir);
        expect(res.headers.get('www-authenticate')).toContain('another data directory');
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });

  it('refuses every forged, tampered or mis-scoped token with 401 invalid_token, counts each in the audit log, and creates no user', async () => {
    await withTestApp(async (t) => {
      const tokens = await forgeries(t);
      for (const [name, token] of Object.entries(tokens)) {
        const res = await t.request('/v1/admin/roles', { token });
        expect(res.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="remit", error="invalid_token", error_description="[\x20-\x7e]*"$/);
        expect(await errorOf(res), name).toMatchObject({ status: 401, code: 'invalid_token' });
      }
      const users = await t.db.owner((sql) => sql.query('select count(*)::int n from users'));
      expect(users.rows[0]).toEqual({ n: 0 });
      await t.refusals.flush();
      // Identical refusals (same source, reason and route) share an entry; the counts add up.
      const denied = await t.db.owner((sql) =>
        sql.query(`select coalesce(sum((detail->>'count')::int), 0)::int n from audit_events where action = 'auth.denied'`),
      );
      expect(denied.rows[0]).toEqual({ n: Object.keys(tokens).length });
    });
  });

  it('challenges every 401 as RFC 6750 says: no error code without a token, invalid_token for a refused one', async () => {
    await withTestApp(async (t) => {
      const missing = await t.request('/v1/runs');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="remit"');
      for (const header of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer a b', 'Bearer "quoted\\"']) {
        const res = await t.request('/v1/runs', { headers: { authorization: header } });
        expect(res.status, header).toBe(401);
        // error_description may carry only %x20-21 / %x23-5B / %x5D-7E: no quote or backslash from the message leaks in.
        expect(res.headers.get('www-authenticate'), header).toMatch(/^Bearer realm="remit", error="invalid_token", error_description="[^"\\]*"$/);
      }
      // Other refusals are not authentication challenges.
      const alice = await t.tokenFor({ email: 'alice@example.com' });
      const forbidden = await t.request('/v1/admin/roles', { token: alice });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toBeNull();
    });
  });

  it('accepts a valid token and records the user once', async () => {
    await withTestApp(async (t) => {
      const token = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
      for (let i = 0; i < 3; i++) expect((await t.request('/v1/me', { token })).status).toBe(200);
      const users = await t.db.owner((sql) => sql.query('select sub, email from users'));
      expect(users.rows).toEqual([{ sub: 'alice@example.com', email: 'alice@example.com' }]);
    });
  });

  it('gives admin rights from the admin group only, never from a role named like one', async () => {
    await withTestApp(async (t) => {
      const admin = await t.adminToken();
      await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'remit-admins', runKinds: ['review'] } });
      await t.request('/v1/admin/bindings', {
        method: 'POST',
        token: admin,
        json: { role: 'remit-admins', subject: { kind: 'user', email: 'eve@example.com' } },
      });
      const eve = await t.tokenFor({ email: 'eve@example.com' });
      expect(await (await t.request('/v1/me', { token: eve })).json()).toMatchObject({ roles: ['remit-admins'], isAdmin: false });
      expect(await errorOf(await t.request('/v1/admin/roles', { token: eve }))).toMatchObject({ status: 403, code: 'forbidden' });
    });
  });
});
