import { describe, expect, it } from 'vitest';
import { nextHop } from './redirect-policy.ts';

const from = new URL('https://api.example.test/a/b?x=1');

describe('nextHop', () => {
  it('refuses https → http, absolute or scheme-relative', () => {
    for (const location of ['http://api.example.test/', 'http://169.254.169.254/', 'HTTP://api.example.test:443/']) {
      expect(() => nextHop(from, 'GET', 302, location)).toThrow(expect.objectContaining({ code: 'egress_downgrade' }));
    }
    expect(() => nextHop(new URL('http://a.test/'), 'GET', 302, 'https://a.test/')).not.toThrow();
  });

  it('resolves a relative Location against the current URL', () => {
    expect(nextHop(from, 'GET', 301, '../c')).toMatchObject({ url: new URL('https://api.example.test/c'), crossOrigin: false });
    expect(nextHop(from, 'GET', 302, '//other.test/')).toMatchObject({ url: new URL('https://other.test/'), crossOrigin: true });
    expect(nextHop(from, 'GET', 302, 'https://api.example.test:8443/')).toMatchObject({ crossOrigin: true });
  });

  it.each([
    [303, 'POST', 'GET', true],
    [303, 'PUT', 'GET', true],
    [303, 'HEAD', 'HEAD', false],
    [301, 'POST', 'GET', true],
    [302, 'POST', 'GET', true],
    [302, 'PUT', 'PUT', false],
    [307, 'POST', 'POST', false],
    [308, 'POST', 'POST', false],
  ])('%i on %s → %s (drop body: %s)', (status, method, next, dropBody) => {
    expect(nextHop(from, method, status, '/next')).toMatchObject({ method: next, dropBody });
  });

  it('treats other statuses, and a redirect without Location, as final', () => {
    for (const status of [200, 204, 300, 304, 305, 306, 400]) expect(nextHop(from, 'GET', status, '/x')).toBeNull();
    expect(nextHop(from, 'GET', 302, undefined)).toBeNull();
  });

  it('refuses a Location that does not parse, without echoing the path', () => {
    expect(() => nextHop(new URL('http://a.test/secret-path'), 'GET', 302, 'http://[::1')).toThrow(expect.objectContaining({ code: 'egress_invalid_url' }));
    expect(() => nextHop(new URL('http://a.test/secret-path'), 'GET', 302, 'http://[::1')).not.toThrow(/secret-path/);
  });
});
