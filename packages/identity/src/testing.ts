import { RemitError } from '@remit/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

/** Test-only helpers: a fake IdP key endpoint and hand-made keys and tokens. Not exported. */

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function createTestKey(alg: 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'PS256' | 'EdDSA'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/**
 * Signs `claims` exactly as given (no defaults added), with `header` merged over {alg, kid}.
 * Claims are untyped on purpose: hostile tests need a numeric sub or an object aud.
 */
export function signTestToken(key: TestKey, claims: Record<string, unknown>, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

/** A compact JWS built by hand, for tokens no honest library would produce. */
export function forgeToken(header: unknown, payload: unknown, sign: (signingInput: string) => string = () => ''): string {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${signingInput}.${sign(signingInput)}`;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface FakeJwksServer {
  url: string;
  /** How many HTTP requests the server has received so far. */
  requests(): number;
}

/**
 * Runs `cb` against a fake IdP JWKS endpoint on 127.0.0.1 (random port; nothing leaves the
 * machine), answering each request with `answer()`, and always closes it afterwards.
 */
export async function withFakeJwksServer<T>(answer: () => FakeAnswer, cb: (server: FakeJwksServer) => Promise<T>): Promise<T> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    const { status = 200, body, headers = {} } = answer();
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await cb({ url: `http://127.0.0.1:${port}/.well-known/jwks.json`, requests: () => requests });
  } finally {
    // fetch keeps connections alive; drop them so close() does not wait for their timeout.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A frozen clock for verifier tests: 2031-03-04T05:06:07Z. */
export const NOW = new Date('2031-03-04T05:06:07Z');
export const nowSeconds = Math.floor(NOW.getTime() / 1000);
export const TEST_ISSUER = 'https://idp.example.test/';
export const TEST_AUDIENCE = 'remit';

/** Claims an honest IdP would issue at NOW; spread and override to make a bad one. */
export function honestClaims(): JWTPayload {
  return { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', email: 'ada@example.test', groups: ['devs'], iat: nowSeconds - 5, exp: nowSeconds + 300 };
}

/** Rejects unless `promise` fails with invalid_token and exactly `{ reason }` in its details. */
export async function expectInvalidToken(promise: Promise<unknown>, reason: string): Promise<RemitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RemitError)) throw new Error(`expected RemitError(invalid_token, ${reason}), got ${err === undefined ? 'success' : String(err)}`);
  expect({ code: err.code, details: err.details }).toEqual({ code: 'invalid_token', details: { reason } });
  return err;
}
