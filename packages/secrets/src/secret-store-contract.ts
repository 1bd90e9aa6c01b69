// Test support only; nothing in src imports it. The behaviour every SecretStore promises,
// registered as vitest tests against each implementation (local vault, Secrets Manager).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretError } from './secret-error.ts';
import { formatSecretRef, type SecretRef } from './secret-ref.ts';
import type { SecretStore } from './secret-store.ts';
import { SecretValue } from './secret-value.ts';
import { CONNECTION, ORG_A, ORG_B, connectionRef, expectSecretError } from './testing.ts';

/** Runs `cb` with a fresh, empty store, and always disposes of it afterwards. */
export type WithStore = (cb: (store: SecretStore) => Promise<void>) => Promise<void>;

const VALUE = 'xoxb-Contract+plaintext/7f3a9c1e5b'; // invalid as a name or owner, so it can be one in a bad ref
const userToken: SecretRef = { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:user-1`, name: 'refresh_token' };

/** Refs an attacker or a bug might pass: each breaks exactly one rule of secret-ref.ts. */
const badRefs: [string, SecretRef][] = [
  ['a path in ownerId', connectionRef(ORG_A, { ownerId: '../x' })],
  ['a slash in ownerId', connectionRef(ORG_A, { ownerId: 'a/b' })],
  ['a dot-dot inside ownerId', connectionRef(ORG_A, { ownerId: 'a..b' })],
  ['a leading dot in ownerId', connectionRef(ORG_A, { ownerId: '.hidden' })],
  ['an escape in ownerId', connectionRef(ORG_A, { ownerId: 'a%2fb' })],
  ['a plus in ownerId', connectionRef(ORG_A, { ownerId: 'a+b' })],
  ['an empty ownerId', connectionRef(ORG_A, { ownerId: '' })],
  ['a dot-dot name', connectionRef(ORG_A, { name: '..' })],
  ['an upper-case name', connectionRef(ORG_A, { name: 'Token' })],
  ['a slash in name', connectionRef(ORG_A, { name: 'a/b' })],
  ['an org that is not a uuid', connectionRef('org-a')],
  ['an upper-case org', connectionRef(ORG_A.toUpperCase())],
  ['an unknown scope', connectionRef(ORG_A, { scope: 'admin' as SecretRef['scope'] })],
  ['not an object', null as unknown as SecretRef],
];

/** Registers the SecretStore contract for one implementation. */
export function describeSecretStoreContract(name: string, withStore: WithStore): void {
  describe(`${name} (SecretStore contract)`, () => {
    it('returns what was put, including empty, multi-line and non-ASCII values', () =>
      withStore(async (store) => {
        for (const [i, value] of [VALUE, '', '-----BEGIN KEY-----\nabc\n-----END KEY-----\n', 'pässwörd-密码-🔑'].entries()) {
          const ref = connectionRef(ORG_A, { name: `v${i}` });
          const { version } = await store.put(ref, new SecretValue(value));
          expect(typeof version).toBe('string');
          expect((await store.get(ref)).reveal()).toBe(value);
        }
      }));

    it('replaces a value with a new version', () =>
      withStore(async (store) => {
        const ref = connectionRef(ORG_A);
        const first = await store.put(ref, new SecretValue(VALUE));
        const second = await store.put(ref, new SecretValue('rotated-value'));
        expect(second.version).not.toBe(first.version);
        expect((await store.get(ref)).reveal()).toBe('rotated-value');
      }));

    it('throws secret_not_found for a ref never stored, naming the ref in details', () =>
      withStore(async (store) => {
        const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_not_found');
        expect(err.details?.ref).toBe(formatSecretRef(connectionRef(ORG_A)));
      }));

    it('deletes idempotently and keeps other secrets', () =>
      withStore(async (store) => {
        await store.delete(connectionRef(ORG_A)); // never stored
        await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
        await store.put(connectionRef(ORG_A, { name: 'other' }), new SecretValue('other'));
        await store.delete(connectionRef(ORG_A));
        await store.delete(connectionRef(ORG_A));
        await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_not_found');
        expect((await store.get(connectionRef(ORG_A, { name: 'other' }))).reveal()).toBe('other');
        // A deleted ref can be stored again at once.
        await store.put(connectionRef(ORG_A), new SecretValue('again'));
        expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('again');
      }));

    it("lists an org's refs, optionally of one scope, sorted by their formatted string", () =>
      withStore(async (store) => {
        expect(await store.list({ orgId: ORG_A })).toEqual([]);
        await store.put(userToken, new SecretValue('r'));
        await store.put(connectionRef(ORG_A, { name: 'token' }), new SecretValue('t'));
        await store.put(connectionRef(ORG_A, { name: 'client_secret' }), new SecretValue('c'));
        await store.put({ orgId: ORG_A, scope: 'webhook', ownerId: 'github', name: 'signing_key' }, new SecretValue('w'));
        await store.put(connectionRef(ORG_A, { ownerId: 'a-connection' }), new SecretValue('a'));
        const all = await store.list({ orgId: ORG_A });
        expect(all.map(formatSecretRef)).toEqual(all.map(formatSecretRef).sort());
        expect(all).toEqual([
          connectionRef(ORG_A, { name: 'client_secret' }),
          connectionRef(ORG_A),
          connectionRef(ORG_A, { ownerId: 'a-connection' }),
          userToken,
          { orgId: ORG_A, scope: 'webhook', ownerId: 'github', name: 'signing_key' },
        ]);
        expect(await store.list({ orgId: ORG_A, scope: 'oauth_user' })).toEqual([userToken]);
        expect(await store.list({ orgId: ORG_A, scope: 'connection' })).toHaveLength(3);
      }));

    it('refuses every invalid ref with secret_ref_invalid and stores nothing', () =>
      withStore(async (store) => {
        for (const [why, ref] of badRefs) {
          for (const attempt of [store.put(ref, new SecretValue(VALUE)), store.get(ref), store.delete(ref)]) {
            const err = await attempt.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err, why).toBeInstanceOf(SecretError);
            expect((err as SecretError).code, why).toBe('secret_ref_invalid');
          }
        }
        for (const prefix of [{ orgId: 'org-a' }, { orgId: ORG_A.toUpperCase() }, { orgId: ORG_A, scope: 'admin' as SecretRef['scope'] }]) {
          await expectSecretError(store.list(prefix), 'secret_ref_invalid');
        }
        expect(await store.list({ orgId: ORG_A })).toEqual([]);
      }));

    it('never puts a value in an error message, its details or its cause', () =>
      withStore(async (store) => {
        await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
        const errors = [
          await expectSecretError(store.put(connectionRef(ORG_A, { name: VALUE }), new SecretValue(VALUE)), 'secret_ref_invalid'),
          await expectSecretError(store.put(connectionRef(ORG_A, { ownerId: '../x' }), new SecretValue(VALUE)), 'secret_ref_invalid'),
          await expectSecretError(store.get(connectionRef(ORG_B)), 'secret_not_found'),
          await expectSecretError(store.get(connectionRef(ORG_A, { name: 'missing' })), 'secret_not_found'),
        ];
        for (const err of errors) {
          for (const text of [err.message, inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)]) expect(text).not.toContain(VALUE);
        }
      }));

    it('keeps two orgs apart: same owner and name, different secrets', () =>
      withStore(async (store) => {
        await store.put(connectionRef(ORG_A), new SecretValue('org-a-value'));
        await store.put(connectionRef(ORG_B), new SecretValue('org-b-value'));
        expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('org-a-value');
        expect((await store.get(connectionRef(ORG_B))).reveal()).toBe('org-b-value');
        expect(await store.list({ orgId: ORG_A })).toEqual([connectionRef(ORG_A)]);
        expect(await store.list({ orgId: ORG_B })).toEqual([connectionRef(ORG_B)]);
        await store.delete(connectionRef(ORG_A));
        expect((await store.get(connectionRef(ORG_B))).reveal()).toBe('org-b-value');
        expect(await store.list({ orgId: ORG_A })).toEqual([]);
      }));
  });
}
