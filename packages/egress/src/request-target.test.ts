import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { upstreamTarget } from './request-target.ts';

const BASE = 'https://api.example.com:8443/v2/';
const ORIGIN = 'https://api.example.com:8443';

describe('upstreamTarget: the upstream URL is the connection origin and base path, plus a checked path', () => {
  it.each([
    ['/health', `${ORIGIN}/v2/health`],
    ['/', `${ORIGIN}/v2/`],
    ['/a/b?x=1&y=%2F', `${ORIGIN}/v2/a/b?x=1&y=%2F`],
    ['/files/a%20b.txt', `${ORIGIN}/v2/files/a%20b.txt`],
    ['/x?redirect=http://evil.example/', `${ORIGIN}/v2/x?redirect=http://evil.example/`],
    ['http://payments/health?q=1', `${ORIGIN}/v2/health?q=1`],
    ['http://PAYMENTS:80/owner/repo.git/info/refs?service=git-upload-pack', `${ORIGIN}/v2/owner/repo.git/info/refs?service=git-upload-pack`],
    ['http://payments', `${ORIGIN}/v2/`],
  ])('forwards %s', (target, expected) => {
    const result = upstreamTarget(target, 'payments', BASE);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.url.href).toBe(expected);
  });

  // The spellings that used to reach another authority, and their relatives.
  it.each([
    ['//evil.example/steal', 'egress_target_form'],
    ['///evil.example/steal', 'egress_target_form'],
    ['/\\evil.example/steal', 'egress_target_path'],
    ['\\\\evil.example/steal', 'egress_target_form'],
    ['/\\/evil.example/', 'egress_target_path'],
    ['http://evil.example/steal', 'egress_target_form'],
    ['https://payments/health', 'egress_target_form'],
    ['http://payments@evil.example/', 'egress_target_form'],
    ['http://evil.example@payments/', 'egress_target_form'],
    ['http://payments.evil.example/', 'egress_target_form'],
    ['http://payments%2eevil/', 'egress_target_form'],
    ['http://payments:80@evil/', 'egress_target_form'],
    ['http:/\\payments/x', 'egress_target_form'],
    ['http:payments/x', 'egress_target_form'],
    ['evil.example:443', 'egress_target_form'],
    ['*', 'egress_target_form'],
    ['', 'egress_target_form'],
    ['health', 'egress_target_form'],
    ['/../admin', 'egress_target_path'],
    ['/a/../../admin', 'egress_target_path'],
    ['/%2e%2e/admin', 'egress_target_path'],
    ['/%2E./admin', 'egress_target_path'],
    ['/..;x/admin', 'egress_target_path'],
    ['/./x', 'egress_target_path'],
    ['/a/..', 'egress_target_path'],
    ['/a%2f..%2fadmin', 'egress_target_path'],
    ['/a%5c..%5cadmin', 'egress_target_path'],
    ['/a%00', 'egress_target_path'],
    ['/a%zz', 'egress_target_path'],
    ['/a%', 'egress_target_path'],
    ['/a#frag', 'egress_target_path'],
    ['/a b', 'egress_target_path'],
    ['/a\tb', 'egress_target_path'],
    ['/é', 'egress_target_path'],
    ['/a?b#c', 'egress_target_path'],
    ['/a?\\', 'egress_target_path'],
  ])('refuses %j with %s', (target, code) => {
    expect(upstreamTarget(target, 'payments', BASE)).toMatchObject({ ok: false, code });
  });

  it('never throws on a malformed percent-escape (%ff is not UTF-8)', () => {
    expect(upstreamTarget('/%ff/%2e%ff', 'payments', BASE)).toMatchObject({ ok: true });
  });

  const targetChars = fc.constantFrom(
    ..."/\\@:.?#%;=&+ -_~!$'()*,[]\t\n\r\0aZ09é".split(''),
    '//',
    '..',
    '%2e',
    '%2f',
    '%5c',
    '%00',
    '%ff',
    'http://',
    'https://',
    'payments',
    'evil.example',
    '@evil',
    ':443',
  );
  const generatedTarget = fc.array(targetChars, { maxLength: 24 }).map((parts) => parts.join(''));

  it('property: every target is either refused, or goes to exactly the connection origin under its base path', () => {
    fc.assert(
      fc.property(
        generatedTarget,
        fc.constantFrom('https://api.example.com/', 'https://api.example.com:8443/v2', 'http://10.0.0.5:8080/base/path/', 'https://h.example/a%20b/'),
        (target, base) => {
          const result = upstreamTarget(target, 'payments', base);
          if (!result.ok) {
            expect(['egress_target_form', 'egress_target_path']).toContain(result.code);
            return;
          }
          const baseUrl = new URL(base);
          const basePath = baseUrl.pathname.replace(/\/+$/, '');
          expect(result.url.origin).toBe(baseUrl.origin);
          expect(result.url.username + result.url.password).toBe('');
          expect(result.url.pathname === basePath || result.url.pathname.startsWith(`${basePath}/`)).toBe(true);
          expect(result.url.hash).toBe('');
          // What is sent is exactly what was checked: the URL serialiser changed nothing.
          expect(`${result.url.pathname}${result.url.search}`).toBe(`${basePath}${result.path}`);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('property: any string at all (unicode, controls) is answered, never thrown', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (target) => {
        expect(() => upstreamTarget(target, 'payments', BASE)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
