import { RemitError } from '@remit/core';
import { createLocalJWKSet, exportSPKI, SignJWT } from 'jose';
import { createHmac, createPublicKey } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { InvalidTokenReason } from './invalid-token.ts';
import { createTokenVerifier, type TokenVerifierOptions } from './token-verifier.ts';
import {
  b64url,
  createTestKey,
  expectInvalidToken,
  forgeToken,
  honestClaims,
  NOW,
  signTestToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  withFakeJwksServer,
  type TestKey,
} from './testing.ts';

const issuerKey = await createTestKey('ES256');
const attackerKey = await createTestKey('ES256');

/** A verifier whose key function is a spy, so a test can prove no key was ever looked up. */
function spiedVerifier(key: TestKey = issuerKey, extra: Partial<TokenVerifierOptions> = {}) {
  const keys = vi.fn(createLocalJWKSet({ keys: [key.publicJwk] }));
  const algorithm = key.alg as TokenVerifierOptions['algorithm'];
  return { keys, verifier: createTokenVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, algorithm, keys, now: () => NOW, ...extra }) };
}

describe('forged signatures and algorithm games', () => {
  it('refuses alg "none" in any spelling without looking up a key', async () => {
    const { keys, verifier } = spiedVerifier();
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expectInvalidToken(verifier.verify(forgeToken({ alg, typ: 'JWT' }, honestClaims())), 'wrong_algorithm');
      await expectInvalidToken(verifier.verify(forgeToken({ alg, kid: issuerKey.kid }, honestClaims(), () => 'c2ln')), 'wrong_algorithm');
    }
    expect(keys).not.toHaveBeenCalled();
  });

  it('refuses HS256 signed with the issuer public key as the HMAC secret (key confusion)', async () => {
    // The classic attack: a verifier that lets the token pick the algorithm feeds the public
    // key it trusts to HMAC. Try every form an implementation might use as the "secret".
    for (const alg of ['ES256', 'RS256'] as const) {
      const key = alg === 'ES256' ? issuerKey : await createTestKey(alg);
      const { keys, verifier } = spiedVerifier(key);
      const spkiPem = await exportSPKI(key.publicKey);
      const spkiDer = createPublicKey(spkiPem).export({ type: 'spki', format: 'der' });
      const secrets: (string | Buffer)[] = [spkiPem, spkiPem.trim(), spkiDer, JSON.stringify(key.publicJwk), JSON.stringify({ keys: [key.publicJwk] })];
      if (alg === 'ES256') secrets.push(Buffer.concat([Buffer.of(4), Buffer.from(key.publicJwk.x!, 'base64url'), Buffer.from(key.publicJwk.y!, 'base64url')]));
      for (const secret of secrets) {
        const hmac = (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
        await expectInvalidToken(verifier.verify(forgeToken({ alg: 'HS256', typ: 'JWT', kid: key.kid }, honestClaims(), hmac)), 'wrong_algorithm');
      }
      expect(keys).not.toHaveBeenCalled();
    }
  });

  it('refuses a real signature made with any algorithm other than the pinned ES256', async () => {
    const { verifier } = spiedVerifier();
    for (const alg of ['RS256', 'PS256', 'ES384', 'ES512', 'EdDSA'] as const) {
      const other = await createTestKey(alg);
      // Claim the issuer's kid too: the algorithm check must not depend on the key found.
      await expectInvalidToken(verifier.verify(await signTestToken(other, honestClaims(), { kid: issuerKey.kid })), 'wrong_algorithm');
    }
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const { verifier } = spiedVerifier();
    const [header, , signature] = (await signTestToken(issuerKey, honestClaims())).split('.');
    const escalated = b64url(JSON.stringify({ ...honestClaims(), groups: ['remit-admins'] }));
    await expectInvalidToken(verifier.verify(`${header}.${escalated}.${signature}`), 'bad_signature');
  });

  it('refuses a token signed by an unknown key', async () => {
    const { verifier } = spiedVerifier();
    await expectInvalidToken(verifier.verify(await signTestToken(attackerKey, honestClaims())), 'unknown_key');
  });

  it('refuses an attacker signature that claims the issuer kid', async () => {
    const { verifier } = spiedVerifier();
    await expectInvalidToken(verifier.verify(await signTestToken(attackerKey, honestClaims(), { kid: issuerKey.kid })), 'bad_signature');
  });
});

describe('headers that point at attacker keys (RFC 8725 §3.10: never trust them)', () => {
  it('ignores jku and x5u: rejected, and the attacker server receives no request', async () => {
    const { verifier } = spiedVerifier();
    await withFakeJwksServer(
      () => ({ body: { keys: [attackerKey.publicJwk] } }),
      async (attacker) => {
        const headers = [{ jku: attacker.url }, { x5u: attacker.url }, { jku: attacker.url, x5u: attacker.url }];
        for (const header of headers) {
          await expectInvalidToken(verifier.verify(await signTestToken(attackerKey, honestClaims(), header)), 'unknown_key');
          await expectInvalidToken(verifier.verify(await signTestToken(attackerKey, honestClaims(), { ...header, kid: issuerKey.kid })), 'bad_signature');
        }
        expect(attacker.requests()).toBe(0);
      },
    );
  });

  it('ignores an embedded jwk header carrying the attacker key', async () => {
    const { verifier } = spiedVerifier();
    const { kid: _kid, ...jwk } = attackerKey.publicJwk;
    const cases = [
      { header: { jwk, kid: undefined }, reason: 'bad_signature' },
      { header: { jwk, kid: issuerKey.kid }, reason: 'bad_signature' },
      { header: { jwk: attackerKey.publicJwk }, reason: 'unknown_key' },
    ];
    for (const { header, reason } of cases) {
      await expectInvalidToken(verifier.verify(await signTestToken(attackerKey, honestClaims(), header)), reason);
    }
  });

  it('refuses a crit extension it does not understand (RFC 7515 §4.1.11)', async () => {
    const { verifier } = spiedVerifier();
    const token = await new SignJWT(honestClaims())
      .setProtectedHeader({ alg: 'ES256', kid: issuerKey.kid, crit: ['x-bypass'], 'x-bypass': true })
      .sign(issuerKey.privateKey, { crit: { 'x-bypass': true } });
    await expectInvalidToken(verifier.verify(token), 'unsupported');
  });
});

describe('oversized tokens', () => {
  it('refuses a token over 8 KiB before any key lookup', async () => {
    const { keys, verifier } = spiedVerifier();
    const padded = await signTestToken(issuerKey, { ...honestClaims(), pad: 'x'.repeat(8192) });
    await expectInvalidToken(verifier.verify(padded), 'too_large');
    await expectInvalidToken(verifier.verify('a'.repeat(8193)), 'too_large');
    await expectInvalidToken(verifier.verify('a'.repeat(50_000_000)), 'too_large');
    expect(keys).not.toHaveBeenCalled();
  });

  it('counts UTF-8 bytes, not UTF-16 units', async () => {
    const { keys, verifier } = spiedVerifier();
    await expectInvalidToken(verifier.verify('é'.repeat(5000)), 'too_large');
    expect(keys).not.toHaveBeenCalled();
  });

  it('honours a configured limit, inclusive', async () => {
    const token = await signTestToken(issuerKey, honestClaims());
    await expect(spiedVerifier(issuerKey, { maxTokenBytes: token.length }).verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    await expectInvalidToken(spiedVerifier(issuerKey, { maxTokenBytes: token.length - 1 }).verifier.verify(token), 'too_large');
  });
});

describe('non-canonical spellings of a valid token', () => {
  it('refuses padding, whitespace and non-base64url characters that a lenient decoder would accept', async () => {
    const { keys, verifier } = spiedVerifier();
    const token = await signTestToken(issuerKey, honestClaims());
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    for (const variant of [`${token} `, `${token}=`, `${token}==`, `${token}\n`, `\t${token}`, token.replace('.', '=.'), `${token.slice(0, -2)}+/`]) {
      await expectInvalidToken(verifier.verify(variant), 'malformed');
    }
    expect(keys).toHaveBeenCalledOnce();
  });
});

describe('garbage input', () => {
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: issuerKey.kid }));
  const cases: [string, unknown, InvalidTokenReason][] = [
    ['empty', '', 'malformed'],
    ['dots', '...', 'malformed'],
    ['two parts', 'a.b', 'malformed'],
    ['a.b.c', 'a.b.c', 'malformed'],
    ['four parts', `${header}.e30.e30.e30`, 'malformed'],
    ['random base64', Buffer.from('qZ3k9w8LrB1pYt0s', 'utf8').toString('base64'), 'malformed'],
    ['standard base64 with padding', `${Buffer.from('{"alg":"ES256"}').toString('base64')}.e30=.AA==`, 'malformed'],
    ['header is an array', forgeToken(['ES256'], honestClaims()), 'malformed'],
    ['header is a string', forgeToken('ES256', honestClaims()), 'malformed'],
    ['header alg is an object', forgeToken({ alg: { name: 'ES256' } }, honestClaims()), 'malformed'],
    ['header with __proto__', `${b64url('{"__proto__":{"alg":"ES256"}}')}.e30.AA`, 'malformed'],
    ['deeply nested header', `${b64url(`${'['.repeat(2000)}${']'.repeat(2000)}`)}.e30.AA`, 'malformed'],
    ['unsigned payload with __proto__', `${header}.${b64url('{"sub":{"__proto__":{"admin":true}},"groups":[[[[]]]]}')}.AA`, 'bad_signature'],
    ['lone surrogate', `${header}.\ud800.AA`, 'malformed'],
    ['NUL bytes', `${header}.\u0000.\u0000`, 'malformed'],
    ['whitespace around a token', ` ${header}.e30.AA `, 'malformed'],
    ['huge', 'eyJ'.repeat(1_000_000), 'too_large'],
    ['not a string: undefined', undefined, 'malformed'],
    ['not a string: null', null, 'malformed'],
    ['not a string: number', 42, 'malformed'],
    ['not a string: object', { toString: () => 'a.b.c' }, 'malformed'],
  ];

  it.each(cases)('refuses %s with invalid_token and never echoes it', async (_name, input, reason) => {
    const { verifier } = spiedVerifier();
    const err = await expectInvalidToken(verifier.verify(input as string), reason);
    expect(err).toBeInstanceOf(RemitError);
    if (typeof input === 'string' && input.length > 3) {
      expect(err.message).not.toContain(input.slice(0, 40));
      expect(JSON.stringify(err.details)).not.toContain(input.slice(0, 40));
    }
  });
});
