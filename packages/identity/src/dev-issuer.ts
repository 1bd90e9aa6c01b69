import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';

/** The `iss` of development tokens; a URN so it can never be mistaken for a real IdP's URL. */
export const DEV_ISSUER = 'urn:remit:dev-issuer';

interface DevTokenClaims {
  sub: string;
  email?: string;
  groups?: string[];
  /** Lifetime of the token; default 3600. */
  ttlSeconds?: number;
}

// Each data directory has its own development key, so the usual cause of an unknown key here is a
// token signed with another directory's (a second checkout, another REMIT_DATA_DIR). The server's
// path is not named: an unauthenticated caller learns nothing about this machine.
const OTHER_DEV_KEY =
  "The bearer token was signed with another data directory's development key, not this server's. " +
  "Sign a new one with the data directory the server uses: run `bin/remit token --user you@example.com` from the server's checkout, " +
  'with REMIT_DATA_DIR set as the server has it.';

/** A local issuer for development; its first four fields are valid createTokenVerifier options. */
interface DevIssuer {
  issuer: string;
  audience: string;
  algorithm: 'ES256';
  keys: JWTVerifyGetKey;
  /** Refusal texts for createTokenVerifier's `messages`: a token of another data directory's key says so. */
  messages: { unknown_key: string };
  publicJwk: JWK;
  sign(claims: DevTokenClaims): Promise<string>;
}

interface PrivateEcJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
}

/**
 * Loads the development signing key from `<dataDir>/dev-issuer/private.jwk.json`, creating it
 * (0600, in a 0700 directory) on first use, so tokens stay valid across restarts. Audience
 * defaults to 'remit'.
 */
export async function loadOrCreateDevIssuer(dataDir: string, options: { audience?: string } = {}): Promise<DevIssuer> {
  const audience = options.audience ?? 'remit';
  const dir = join(dataDir, 'dev-issuer');
  const file = join(dir, 'private.jwk.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored when the directory already exists; the key must not be listable.
  await chmod(dir, 0o700);
  const jwk = (await readKey(file)) ?? (await createKey(file));
  const privateKey = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, 'ES256');
  const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: 'ES256', use: 'sig' };

  return {
    issuer: DEV_ISSUER,
    audience,
    algorithm: 'ES256',
    keys: createLocalJWKSet({ keys: [publicJwk] }),
    messages: { unknown_key: OTHER_DEV_KEY },
    publicJwk,
    async sign({ sub, email, groups, ttlSeconds = 3600 }) {
      if (typeof sub !== 'string' || sub === '') throw new TypeError('sub must be a non-empty string');
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('ttlSeconds must be a positive integer');
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...(email === undefined ? {} : { email }), ...(groups === undefined ? {} : { groups: [...groups] }) })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })
        .setIssuer(DEV_ISSUER)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(privateKey);
    },
  };
}

/** The stored key, or undefined if there is none yet. A damaged file is an error, never replaced. */
async function readKey(file: string): Promise<PrivateEcJwk | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    jwk = undefined; // refused just below; the parser's message could quote the private key
  }
  if (!isPrivateEcJwk(jwk) || jwk.kid !== (await thumbprint(jwk))) {
    throw new Error(`${file} is not the P-256 private JWK Remit wrote; move it away to create a new dev issuer key`);
  }
  return jwk;
}

/**
 * Writes a new key so that concurrent first starts agree on one: each process writes its own
 * temp file, then link(2) publishes it only if no key exists yet (rename(2) would overwrite,
 * leaving the loser signing with a key no one else has). The loser loads the winner's key.
 */
async function createKey(file: string): Promise<PrivateEcJwk> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  const stored = { kty, crv, x, y, d, kid: await thumbprint({ kty, crv, x, y }) };
  if (!isPrivateEcJwk(stored)) throw new Error('jose exported an unexpected ES256 key');
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(stored)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file);
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = await readKey(file);
    if (theirs === undefined) throw err;
    return theirs;
  } finally {
    await unlink(temp).catch(() => undefined); // usually already gone (never written); a leftover temp file is harmless
  }
}

/** RFC 7638 thumbprint over the public members only, so the kid names the public key. */
function thumbprint(jwk: Pick<JWK, 'kty' | 'crv' | 'x' | 'y'>): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');
}

function isPrivateEcJwk(value: unknown): value is PrivateEcJwk {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v['kty'] === 'EC' && v['crv'] === 'P-256' && ['x', 'y', 'd', 'kid'].every((k) => typeof v[k] === 'string');
}
