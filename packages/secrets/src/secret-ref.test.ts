import { describe, expect, it } from 'vitest';
import { checkSecretRef, formatSecretRef, parseSecretRef, type SecretRef } from './secret-ref.ts';
import { SecretError } from './secret-error.ts';
import { CONNECTION, ORG_A } from './testing.ts';

const USER = '9c8b7a69-5847-4362-a514-d3c2b1a09f8e';

function expectInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    expect((err as SecretError).code).toBe('secret_ref_invalid');
    return;
  }
  throw new Error('expected secret_ref_invalid');
}

describe('formatSecretRef and parseSecretRef', () => {
  it.each<SecretRef>([
    { orgId: ORG_A, scope: 'connection', ownerId: CONNECTION, name: 'token' },
    { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:${USER}`, name: 'refresh_token' },
    { orgId: ORG_A, scope: 'webhook', ownerId: 'github', name: 'client_secret' },
  ])('round-trips $scope/$name', (ref) => {
    const text = formatSecretRef(ref);
    expect(text).toBe(`secret://${ref.orgId}/${ref.scope}/${ref.ownerId}/${ref.name}`);
    expect(parseSecretRef(text)).toEqual(ref);
  });

  const base = `secret://${ORG_A}/connection`;
  it.each([
    `${base}/../token`,
    `${base}/..`,
    `${base}/${CONNECTION}/..`,
    `${base}/a..b/token`,
    `${base}/./token`,
    `${base}/.hidden/token`,
    `${base}/%2e%2e/token`,
    `${base}/%2E%2E%2Ftoken/x`,
    `${base}/a%2fb/token`,
    `${base}/a/b/token`,
    `${base}/${CONNECTION}/token/`,
    `${base}//token`,
    `${base}/${CONNECTION}/`,
    `${base}/${CONNECTION}`,
    `${base}/..\\..\\etc/token`,
    `${base}/a b/token`,
    `${base}/a\nb/token`,
    `${base}/a\u0000b/token`,
    `${base}/${CONNECTION}/tok\u0435n`, // Cyrillic e
    `${base}/${CONNECTION}/Token`,
    `secret://${ORG_A}/Connection/${CONNECTION}/token`,
    `secret://${ORG_A}/admin/${CONNECTION}/token`,
    `secret://../connection/${CONNECTION}/token`,
    `secret://${ORG_A.toUpperCase()}/connection/${CONNECTION}/token`,
    `secret://not-a-uuid/connection/${CONNECTION}/token`,
    `secret:/${ORG_A}/connection/${CONNECTION}/token`,
    `SECRET://${ORG_A}/connection/${CONNECTION}/token`,
    `file:///etc/passwd`,
    ` ${base}/${CONNECTION}/token`,
    '',
  ])('rejects %j', (text) => {
    expectInvalid(() => parseSecretRef(text));
  });

  it.each<[string, Partial<SecretRef>]>([
    ['a slash in the owner', { ownerId: 'a/b' }],
    ['a parent directory as owner', { ownerId: '..' }],
    ['dots inside the owner', { ownerId: 'x..y' }],
    ['an empty name', { name: '' }],
    ['a slash in the name', { name: 'token/../../x' }],
    ['an unknown scope', { scope: 'root' as SecretRef['scope'] }],
    ['a non-uuid org', { orgId: 'org-a' }],
    ['a non-string owner', { ownerId: 42 as unknown as string }],
    ['an owner too long', { ownerId: 'a'.repeat(201) }],
  ])('refuses to format a ref with %s', (_what, overrides) => {
    expectInvalid(() => formatSecretRef({ orgId: ORG_A, scope: 'connection', ownerId: CONNECTION, name: 'token', ...overrides }));
  });

  it("copies the ref instead of returning the caller's object", () => {
    const ref: SecretRef = { orgId: ORG_A, scope: 'connection', ownerId: CONNECTION, name: 'token' };
    const checked = checkSecretRef(ref);
    expect(checked).toEqual(ref);
    expect(checked).not.toBe(ref);
  });

  it('says which component is wrong without echoing it', () => {
    expect(() => parseSecretRef(`${base}/../token`)).toThrow(/ownerId\.$/);
    expect(() => parseSecretRef(`${base}/../token`)).not.toThrow(/\.\./);
  });
});
