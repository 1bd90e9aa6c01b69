import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './return-path.ts';

/** What a browser would make of a Location header value, resolved against the console's origin. */
const resolved = (location: string) => new URL(location, 'https://remit.example.com/console/login');

describe('safeReturnPath', () => {
  it('keeps console paths with their query', () => {
    for (const p of [
      '/console',
      '/console/runs',
      '/console/runs?status=failed,timed_out&kind=troubleshoot',
      '/console/runs/0b8e3a2c-1f7a-4c55-9d1e-2a4f9c0e7b11',
    ]) {
      expect(safeReturnPath(p)).toBe(p);
    }
  });

  it('turns anything else into /console', () => {
    for (const p of [
      undefined,
      null,
      '',
      '/',
      '/v1/me',
      '//evil.example',
      '/\\evil.example',
      '/console\\..\\x',
      'https://evil.example',
      '/console/../v1',
      '/console/./x',
      '/console%2F..',
      '/consolex',
      ' /console',
      '/console\n',
      '/console#x',
    ]) {
      expect(safeReturnPath(p)).toBe('/console');
    }
  });

  it('never yields a location that leaves the origin or the console (property)', () => {
    const pieces = fc.constantFrom(
      '/',
      '\\',
      '.',
      '..',
      '%2f',
      '%5C',
      '%2e',
      '//',
      'console',
      'evil.example',
      ':',
      '@',
      '?',
      '#',
      '\t',
      '\n',
      ' ',
      'a',
      '%00',
      'http:',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(pieces).map((a) => a.join('')),
          fc.array(pieces).map((a) => `/console${a.join('')}`),
          fc.string(),
        ),
        (input) => {
          const out = safeReturnPath(input);
          const url = resolved(out);
          expect(url.origin).toBe('https://remit.example.com');
          expect(url.pathname === '/console' || url.pathname.startsWith('/console/')).toBe(true);
          expect(out.startsWith('/console')).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
