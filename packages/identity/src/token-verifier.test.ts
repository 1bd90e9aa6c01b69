import { createLocalJWKSet, type JWTPayload } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, type TokenVerifierOptions } from './token-verifier.ts';
import { createTestKey, expectInvalidToken, honestClaims, NOW, nowSeconds, signTestToken, TEST_AUDIENCE, TEST_ISSUER } from './testing.ts';

const issuerKey = await createTestKey('ES256');
const options: TokenVerifierOptions = Object.freeze({
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  algorithm: 'ES256',
  keys: createLocalJWKSet({ keys: [issuerKey.publicJwk] }),
  now: () => NOW,
});
const verifier = createTokenVerifier(options);
const sign = (claims: Record<string, unknown>) => signTestToken(issuerKey, claims);
const without = (claim: string): JWTPayload => Object.fromEntries(Object.entries(honestClaims()).filter(([k]) => k !== claim));

describe('createTokenVerifier options', () => {
  it('refuses a clock tolerance above 60 s, negative or not finite', () => {
    for (const clockToleranceSeconds of [61, 3600, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createTokenVerifier({ ...options, clockToleranceSeconds }), String(clockToleranceSeconds)).toThrow(TypeError);
    }
    expect(() => createTokenVerifier({ ...options, clockToleranceSeconds: 60 })).not.toThrow();
    expect(() => createTokenVerifier({ ...options, clockToleranceSeconds: 0 })).not.toThrow();
  });

  it('refuses any algorithm outside the asymmetric allow-list', () => {
    for (const algorithm of ['HS256', 'none', 'ES384', '', 'es256', 'constructor']) {
      expect(() => createTokenVerifier({ ...options, algorithm: algorithm as 'ES256' }), algorithm).toThrow(TypeError);
    }
  });

  it('refuses a maxTokenBytes that is not a positive integer', () => {
    for (const maxTokenBytes of [0, -1, 1.5, Number.NaN]) {
      expect(() => createTokenVerifier({ ...options, maxTokenBytes }), String(maxTokenBytes)).toThrow(TypeError);
    }
  });

  it('pins exactly the configured algorithm in jwtVerify', async () => {
    // A token is never consulted for its algorithm: the spy sees only what we configured.
    const keys = vi.fn(options.keys);
    await createTokenVerifier({ ...options, keys }).verify(await sign(honestClaims()));
    expect(keys).toHaveBeenCalledOnce();
    expect(keys.mock.calls[0]![0].alg).toBe('ES256');
  });
});

describe('a valid token', () => {
  it('yields the Principal', async () => {
    await expect(verifier.verify(await sign(honestClaims()))).resolves.toEqual({ sub: 'user-1', email: 'ada@example.test', groups: ['devs'] });
  });

  it('accepts an aud array that contains our audience (RFC 7519 §4.1.3)', async () => {
    await expect(verifier.verify(await sign({ ...honestClaims(), aud: ['other-api', TEST_AUDIENCE] }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('reads absent email as null and absent groups as no groups', async () => {
    const claims = honestClaims();
    delete claims['email'];
    delete claims['groups'];
    await expect(verifier.verify(await sign(claims))).resolves.toEqual({ sub: 'user-1', email: null, groups: [] });
  });

  it('drops an email the IdP marks unverified, since bindings match on email', async () => {
    await expect(verifier.verify(await sign({ ...honestClaims(), email_verified: false }))).resolves.toMatchObject({ email: null });
    await expect(verifier.verify(await sign({ ...honestClaims(), email_verified: true }))).resolves.toMatchObject({ email: 'ada@example.test' });
  });

  it('reads groups from the configured claim only', async () => {
    const roles = createTokenVerifier({ ...options, groupsClaim: 'roles' });
    await expect(roles.verify(await sign({ ...honestClaims(), roles: ['ops'] }))).resolves.toMatchObject({ groups: ['ops'] });
    await expect(roles.verify(await sign(honestClaims()))).resolves.toMatchObject({ groups: [] });
  });

  it('does not read a groups claim named like an Object.prototype member from the prototype', async () => {
    const proto = createTokenVerifier({ ...options, groupsClaim: 'constructor' });
    await expect(proto.verify(await sign(honestClaims()))).resolves.toMatchObject({ groups: [] });
  });
});

describe('claims an attacker or a broken IdP might send', () => {
  it('refuses a wrong aud', async () => {
    for (const aud of ['other-api', ['other-api', 'x'], 'REMIT', 'remit ', '', [], 123, {}, null]) {
      await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), aud })), 'wrong_audience');
    }
  });

  it('refuses a wrong iss', async () => {
    for (const iss of ['https://evil.example.test/', 'https://idp.example.test', 'HTTPS://IDP.EXAMPLE.TEST/', [TEST_ISSUER], 123, null]) {
      await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), iss })), 'wrong_issuer');
    }
  });

  it('refuses a token missing aud, iss, sub or exp', async () => {
    for (const claim of ['aud', 'iss', 'sub', 'exp']) {
      const err = await expectInvalidToken(verifier.verify(await sign(without(claim))), 'missing_claim');
      expect(err.message, claim).not.toContain('undefined');
    }
  });

  it('refuses a sub, exp or email of the wrong type', async () => {
    for (const bad of [{ sub: '' }, { sub: 42 }, { sub: null }, { sub: ['user-1'] }, { exp: 'tomorrow' }, { nbf: '0' }, { email: 42 }, { email: ['a@b'] }]) {
      await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), ...bad })), 'bad_claim');
    }
  });

  it('refuses a groups claim that is present but not an array of strings', async () => {
    for (const groups of ['admins', 'admins,devs', [1], [['admins']], [null], { 0: 'admins' }, null, true]) {
      await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), groups })), 'bad_groups');
    }
  });
});

describe('the clock', () => {
  const at = (exp: number) => sign({ ...honestClaims(), iat: exp - 600, exp });

  it('still accepts a token that expired 10 s ago (within the 30 s tolerance)', async () => {
    await expect(verifier.verify(await at(nowSeconds - 10))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('refuses a token that expired beyond the tolerance', async () => {
    for (const ago of [30, 31, 61, 86_400]) {
      await expectInvalidToken(verifier.verify(await at(nowSeconds - ago)), 'expired');
    }
  });

  it('refuses a token that expired 61 s ago even at the largest tolerance', async () => {
    const lenient = createTokenVerifier({ ...options, clockToleranceSeconds: 60 });
    await expect(lenient.verify(await at(nowSeconds - 59))).resolves.toMatchObject({ sub: 'user-1' });
    await expectInvalidToken(lenient.verify(await at(nowSeconds - 61)), 'expired');
  });

  it('applies no leeway when the tolerance is 0', async () => {
    const strict = createTokenVerifier({ ...options, clockToleranceSeconds: 0 });
    await expectInvalidToken(strict.verify(await at(nowSeconds - 1)), 'expired');
  });

  it('refuses an nbf beyond the tolerance and accepts one within it', async () => {
    await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), nbf: nowSeconds + 31 })), 'not_yet_valid');
    await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), nbf: nowSeconds + 3600 })), 'not_yet_valid');
    await expect(verifier.verify(await sign({ ...honestClaims(), nbf: nowSeconds + 10 }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('uses the system clock when no clock is given', async () => {
    const { now: _frozen, ...rest } = options;
    const realNow = Math.floor(Date.now() / 1000);
    const current = await sign({ ...honestClaims(), iat: realNow, exp: realNow + 300 });
    await expect(createTokenVerifier(rest).verify(current)).resolves.toMatchObject({ sub: 'user-1' });
    await expectInvalidToken(verifier.verify(current), 'expired');
  });
});

describe('what a failure carries', () => {
  it('keeps the verified payload (personal data) out of the logged cause', async () => {
    const err = await expectInvalidToken(verifier.verify(await sign({ ...honestClaims(), exp: nowSeconds - 3600 })), 'expired');
    expect(err.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(err.cause)).not.toContain('ada@example.test');
    expect(String(err.cause)).toContain('ERR_JWT_EXPIRED');
    expect(Object.keys(err.cause as object)).not.toContain('payload');
  });
});
