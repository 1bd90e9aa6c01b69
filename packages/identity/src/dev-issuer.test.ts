import { decodeProtectedHeader, decodeJwt } from 'jose';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_ISSUER, loadOrCreateDevIssuer } from './dev-issuer.ts';
import { createTokenVerifier } from './token-verifier.ts';
import { expectInvalidToken } from './testing.ts';

/** A fresh data directory per test, always removed afterwards. */
async function withDataDir<T>(cb: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'remit-identity-'));
  try {
    return await cb(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const keyFile = (dataDir: string) => join(dataDir, 'dev-issuer', 'private.jwk.json');

describe('loadOrCreateDevIssuer', () => {
  it('stores the private key 0600 in a 0700 directory', async () => {
    await withDataDir(async (dataDir) => {
      await loadOrCreateDevIssuer(dataDir);
      expect((await stat(keyFile(dataDir))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dataDir, 'dev-issuer'))).mode & 0o777).toBe(0o700);
    });
  });

  it('tightens a dev-issuer directory that already exists with looser permissions', async () => {
    await withDataDir(async (dataDir) => {
      await mkdir(join(dataDir, 'dev-issuer'), { mode: 0o755 });
      await chmod(join(dataDir, 'dev-issuer'), 0o755);
      await loadOrCreateDevIssuer(dataDir);
      expect((await stat(join(dataDir, 'dev-issuer'))).mode & 0o777).toBe(0o700);
    });
  });

  it('loads the same key on a later call, so earlier tokens stay valid across restarts', async () => {
    await withDataDir(async (dataDir) => {
      const first = await loadOrCreateDevIssuer(dataDir);
      const token = await first.sign({ sub: 'user-1' });
      const second = await loadOrCreateDevIssuer(dataDir);
      expect(second.publicJwk).toEqual(first.publicJwk);
      await expect(createTokenVerifier(second).verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    });
  });

  it('names the key by its RFC 7638 thumbprint and publishes no private member', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir);
      const stored = JSON.parse(await readFile(keyFile(dataDir), 'utf8')) as Record<string, unknown>;
      expect(stored['kid']).toBe(issuer.publicJwk.kid);
      expect(typeof stored['d']).toBe('string');
      expect(issuer.publicJwk).not.toHaveProperty('d');
      expect(issuer.publicJwk.kid).toMatch(/^[\w-]{43}$/);
    });
  });

  it('agrees on one key when several first starts race', async () => {
    await withDataDir(async (dataDir) => {
      const issuers = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevIssuer(dataDir)));
      const kids = new Set(issuers.map((i) => i.publicJwk.kid));
      expect(kids.size).toBe(1);
      const token = await issuers[7]!.sign({ sub: 'user-1' });
      await expect(createTokenVerifier(await loadOrCreateDevIssuer(dataDir)).verify(token)).resolves.toMatchObject({ sub: 'user-1' });
      expect(await readdir(join(dataDir, 'dev-issuer'))).toEqual(['private.jwk.json']);
    });
  });

  it('refuses a damaged key file instead of silently replacing it', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir);
      const stored = JSON.parse(await readFile(keyFile(dataDir), 'utf8')) as Record<string, unknown>;
      for (const damaged of ['', '{', '[]', JSON.stringify({ ...stored, kid: 'chosen-by-someone' }), JSON.stringify({ ...stored, d: undefined })]) {
        await writeFile(keyFile(dataDir), damaged);
        await expect(loadOrCreateDevIssuer(dataDir), damaged).rejects.toThrow(/is not the P-256 private JWK/);
      }
      await writeFile(keyFile(dataDir), JSON.stringify(stored));
      expect((await loadOrCreateDevIssuer(dataDir)).publicJwk).toEqual(issuer.publicJwk);
    });
  });
});

describe('dev issuer tokens', () => {
  it('verify through createTokenVerifier with the issuer settings and yield the Principal', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir);
      const token = await issuer.sign({ sub: 'user-1', email: 'ada@example.test', groups: ['devs', 'remit-admins'] });
      await expect(createTokenVerifier(issuer).verify(token)).resolves.toEqual({ sub: 'user-1', email: 'ada@example.test', groups: ['devs', 'remit-admins'] });
    });
  });

  it('carry iss, aud, sub, iat, exp and the kid header', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir, { audience: 'remit-staging' });
      const before = Math.floor(Date.now() / 1000);
      const token = await issuer.sign({ sub: 'user-1', ttlSeconds: 120 });
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: issuer.publicJwk.kid });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ iss: DEV_ISSUER, aud: 'remit-staging', sub: 'user-1' });
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect(claims.exp).toBe(claims.iat! + 120);
      expect(claims).not.toHaveProperty('email');
      expect(claims).not.toHaveProperty('groups');
    });
  });

  it('default to a one-hour lifetime and expire after it', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir);
      const token = await issuer.sign({ sub: 'user-1' });
      const { iat, exp } = decodeJwt(token);
      expect(exp! - iat!).toBe(3600);
      const later = createTokenVerifier({ ...issuer, now: () => new Date((exp! + 60) * 1000) });
      await expectInvalidToken(later.verify(token), 'expired');
    });
  });

  it('are refused by a verifier for another audience', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir, { audience: 'remit-staging' });
      const token = await issuer.sign({ sub: 'user-1' });
      await expectInvalidToken(createTokenVerifier({ ...issuer, audience: 'remit' }).verify(token), 'wrong_audience');
    });
  });

  it('refuse to sign without a subject or with a bad lifetime', async () => {
    await withDataDir(async (dataDir) => {
      const issuer = await loadOrCreateDevIssuer(dataDir);
      for (const claims of [{ sub: '' }, { sub: 'u', ttlSeconds: 0 }, { sub: 'u', ttlSeconds: -5 }, { sub: 'u', ttlSeconds: 1.5 }]) {
        await expect(issuer.sign(claims), JSON.stringify(claims)).rejects.toThrow(TypeError);
      }
    });
  });
});
