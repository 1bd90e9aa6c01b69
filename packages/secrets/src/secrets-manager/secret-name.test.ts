import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSecretRef, type SecretRef } from '../secret-ref.ts';
import { CONNECTION, ORG_A, connectionRef, expectSecretError } from '../testing.ts';
import { checkNamePrefix, MAX_PREFIX_LENGTH, secretNameOf, secretNamePrefixOf, secretRefOfName } from './secret-name.ts';

const SECRETS_MANAGER_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const chars = (set: string) => fc.constantFrom(...set.split(''));
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Every ref secret-ref.ts accepts, weighted towards ':' and '.', the characters that need care. */
const validRef: fc.Arbitrary<SecretRef> = fc
  .record({
    orgId: fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }),
    scope: fc.constantFrom('connection', 'oauth_user', 'webhook' as const),
    ownerId: fc
      .tuple(chars(ALNUM), fc.string({ unit: fc.oneof(chars(`${ALNUM}._@-`), fc.constant(':')), maxLength: 199 }))
      .map(([head, tail]) => head + tail)
      .filter((owner) => !owner.includes('..')),
    name: fc
      .tuple(chars('abcdefghijklmnopqrstuvwxyz'), fc.string({ unit: chars('abcdefghijklmnopqrstuvwxyz0123456789_-'), maxLength: 62 }))
      .map(([head, tail]) => head + tail),
  })
  .filter((ref) => {
    try {
      checkSecretRef(ref);
      return true;
    } catch {
      return false;
    }
  });

const LONGEST_PREFIX = `${'p/'.repeat(MAX_PREFIX_LENGTH / 2)}`;

describe('secretNameOf', () => {
  it('maps a user token owner with a colon to a name Secrets Manager accepts', () => {
    const ref: SecretRef = { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:user-1`, name: 'refresh_token' };
    expect(secretNameOf('remit/', ref)).toBe(`remit/${ORG_A}/oauth_user/${CONNECTION}+user-1/refresh_token`);
    expect(secretRefOfName('remit/', secretNameOf('remit/', ref))).toEqual(ref);
  });

  it('gives every valid ref a valid name, even under the longest prefix, that maps back to it', () => {
    expect(LONGEST_PREFIX).toHaveLength(MAX_PREFIX_LENGTH);
    fc.assert(
      fc.property(validRef, fc.constantFrom('remit/', LONGEST_PREFIX), (ref, prefix) => {
        const name = secretNameOf(prefix, ref);
        expect(name).toMatch(SECRETS_MANAGER_NAME);
        expect(secretRefOfName(prefix, name)).toEqual(ref);
        expect(name.startsWith(secretNamePrefixOf(prefix, ref))).toBe(true);
        expect(name.startsWith(secretNamePrefixOf(prefix, { orgId: ref.orgId }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never gives two different refs the same name', () => {
    fc.assert(
      fc.property(validRef, validRef, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(secretNameOf('remit/', a)).not.toBe(secretNameOf('remit/', b));
      }),
      { numRuns: 500 },
    );
    // The near misses a random search is unlikely to hit.
    const near = [
      connectionRef(ORG_A, { ownerId: 'a:b' }),
      connectionRef(ORG_A, { ownerId: 'a_b' }),
      connectionRef(ORG_A, { ownerId: 'a.b' }),
      connectionRef(ORG_A, { ownerId: 'a-b' }),
      connectionRef(ORG_A, { ownerId: 'a', name: 'b_token' }),
      connectionRef(ORG_A, { ownerId: 'A:b' }),
    ];
    expect(new Set(near.map((ref) => secretNameOf('remit/', ref))).size).toBe(near.length);
  });

  it('refuses invalid refs before naming anything', async () => {
    await expectSecretError(
      Promise.resolve().then(() => secretNameOf('remit/', connectionRef(ORG_A, { ownerId: 'a/b' }))),
      'secret_ref_invalid',
    );
    await expectSecretError(
      Promise.resolve().then(() => secretNameOf('remit/', connectionRef(ORG_A, { ownerId: 'a+b' }))),
      'secret_ref_invalid',
    );
  });
});

describe('secretRefOfName', () => {
  it('ignores names this store never writes', () => {
    const names = [
      `other/${ORG_A}/connection/${CONNECTION}/token`, // another prefix
      `remit/${ORG_A}/connection/token`, // three components
      `remit/${ORG_A}/connection/${CONNECTION}/token/extra`,
      `remit/${ORG_A.toUpperCase()}/connection/${CONNECTION}/token`, // ListSecrets matches case-insensitively
      `remit/${ORG_A}/admin/${CONNECTION}/token`,
      `remit/${ORG_A}/connection/${CONNECTION}:user/token`, // ':' never written: '+' stands for it
      `remit/${ORG_A}/connection/..+x/token`,
      `remit/${ORG_A}/connection/${CONNECTION}/Token`,
    ];
    for (const name of names) expect(secretRefOfName('remit/', name), name).toBeUndefined();
  });
});

describe('checkNamePrefix', () => {
  it('accepts a prefix of allowed characters ending in a slash', () => {
    for (const prefix of ['remit/', 'remit/prod/', 'a.b_c+d=e@f-g/', LONGEST_PREFIX]) expect(checkNamePrefix(prefix)).toBe(prefix);
  });

  it('refuses a prefix that could collide, break a name or leave no room for a ref', async () => {
    for (const prefix of ['', 'remit', '/remit/', 'remit:prod/', 'remit prod/', 'rémit/', `${LONGEST_PREFIX}x/`, 'remit/*/', '../', 'remit//', 'remit/./']) {
      await expectSecretError(
        Promise.resolve().then(() => checkNamePrefix(prefix)),
        'secret_store_unavailable',
      );
    }
  });
});
