import type { JWK } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { remoteJwks } from './remote-jwks.ts';
import { createTokenVerifier } from './token-verifier.ts';
import { createTestKey, expectInvalidToken, signTestToken, TEST_AUDIENCE, TEST_ISSUER, withFakeJwksServer, type FakeAnswer } from './testing.ts';

// jose's JWKS cache and cooldown read Date.now(); tests that need time to pass fake only Date
// and move it with vi.setSystemTime, so sockets and fetch timeouts keep real timers.
afterEach(() => {
  vi.useRealTimers();
});

const issuerKey = await createTestKey('ES256');
const rotatedKey = await createTestKey('ES256');
const attackerKey = await createTestKey('ES256');

function claims() {
  const now = Math.floor(Date.now() / 1000);
  return { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', iat: now, exp: now + 3600 };
}

function verifierFor(url: string) {
  return createTokenVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, algorithm: 'ES256', keys: remoteJwks(url) });
}

function publish(...keys: JWK[]): () => FakeAnswer {
  return () => ({ body: { keys } });
}

describe('remoteJwks', () => {
  it('verifies a token signed by a key the IdP publishes', async () => {
    await withFakeJwksServer(publish(issuerKey.publicJwk), async (idp) => {
      const verifier = verifierFor(idp.url);
      await expect(verifier.verify(await signTestToken(issuerKey, claims()))).resolves.toEqual({ sub: 'user-1', email: null, groups: [] });
      await expect(verifier.verify(await signTestToken(issuerKey, claims()))).resolves.toMatchObject({ sub: 'user-1' });
      expect(idp.requests()).toBe(1);
    });
  });

  it('refuses an unknown kid with unknown_key', async () => {
    await withFakeJwksServer(publish(issuerKey.publicJwk), async (idp) => {
      await expectInvalidToken(verifierFor(idp.url).verify(await signTestToken(attackerKey, claims())), 'unknown_key');
    });
  });

  it('does not refetch for a flood of unknown kids within the 30 s cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await withFakeJwksServer(publish(issuerKey.publicJwk), async (idp) => {
      const verifier = verifierFor(idp.url);
      await verifier.verify(await signTestToken(issuerKey, claims()));
      expect(idp.requests()).toBe(1);
      const flood = await Promise.all(Array.from({ length: 20 }, async (_, i) => signTestToken(attackerKey, claims(), { kid: `attacker-${i}` })));
      for (const token of flood.slice(0, 10)) await expectInvalidToken(verifier.verify(token), 'unknown_key');
      await Promise.all(flood.slice(10).map((token) => expectInvalidToken(verifier.verify(token), 'unknown_key')));
      expect(idp.requests()).toBe(1);

      // Past the cooldown, a burst of unknown kids costs exactly one more fetch, then none.
      vi.setSystemTime(Date.now() + 31_000);
      await Promise.all(flood.map((token) => expectInvalidToken(verifier.verify(token), 'unknown_key')));
      expect(idp.requests()).toBe(2);
      for (const token of flood.slice(0, 5)) await expectInvalidToken(verifier.verify(token), 'unknown_key');
      expect(idp.requests()).toBe(2);
    });
  });

  it('picks up a rotated key once the cooldown has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let published = [issuerKey.publicJwk];
    await withFakeJwksServer(
      () => ({ body: { keys: published } }),
      async (idp) => {
        const verifier = verifierFor(idp.url);
        await verifier.verify(await signTestToken(issuerKey, claims()));
        published = [issuerKey.publicJwk, rotatedKey.publicJwk];
        const rotated = await signTestToken(rotatedKey, claims());
        await expectInvalidToken(verifier.verify(rotated), 'unknown_key');
        vi.setSystemTime(Date.now() + 31_000);
        await expect(verifier.verify(rotated)).resolves.toMatchObject({ sub: 'user-1' });
        expect(idp.requests()).toBe(2);
      },
    );
  });

  it('reports keys_unavailable when the IdP answers with an error or is unreachable', async () => {
    const token = await signTestToken(issuerKey, claims());
    for (const answer of [{ status: 500 }, { status: 200, body: 'not a key set' }, { status: 404 }]) {
      await withFakeJwksServer(
        () => answer,
        async (idp) => {
          await expectInvalidToken(verifierFor(idp.url).verify(token), 'keys_unavailable');
        },
      );
    }
    const closedUrl = await withFakeJwksServer(publish(), async (idp) => idp.url);
    await expectInvalidToken(verifierFor(closedUrl).verify(token), 'keys_unavailable');
  });

  it('does not follow a redirect from the JWKS URL to an attacker key set', async () => {
    await withFakeJwksServer(publish(attackerKey.publicJwk), async (attacker) => {
      await withFakeJwksServer(
        () => ({ status: 302, headers: { location: attacker.url } }),
        async (idp) => {
          await expectInvalidToken(verifierFor(idp.url).verify(await signTestToken(attackerKey, claims())), 'keys_unavailable');
          expect(idp.requests()).toBe(1);
        },
      );
      expect(attacker.requests()).toBe(0);
    });
  });
});
