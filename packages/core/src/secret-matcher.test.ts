import { describe, expect, it } from 'vitest';
import { REDACTED, createScrubber, createSecretMatcher } from './secret-matcher.ts';

const SECRET = 'ghs_Ab12/Cd+34 ef=ZZ?&é';

describe('createScrubber', () => {
  const scrub = createScrubber([SECRET]);

  it('redacts the raw value wherever it appears', () => {
    expect(scrub(`token=${SECRET}; again ${SECRET}.`)).toBe(`token=${REDACTED}; again ${REDACTED}.`);
  });

  it.each([
    ['encodeURIComponent', encodeURIComponent(SECRET)],
    ['lower-case hex escapes', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['form encoding (+ for space)', encodeURIComponent(SECRET).replaceAll('%20', '+')],
    ['partly encoded', SECRET.replace('/', '%2F')],
  ])('redacts the URL-encoded spelling: %s', (_name, spelling) => {
    expect(scrub(`a=${spelling}&b=1`)).toBe(`a=${REDACTED}&b=1`);
  });

  it.each(['base64', 'base64url'] as const)('redacts the whole %s spelling, padding included', (encoding) => {
    const encoded = Buffer.from(SECRET).toString(encoding);
    expect(scrub(`x ${encoded} y`)).toBe(`x ${REDACTED} y`);
  });

  it.each([0, 1, 2, 3, 4, 5])('redacts base64 and base64url of the value behind a %i-byte prefix', (prefix) => {
    const data = Buffer.concat([Buffer.from('x'.repeat(prefix)), Buffer.from(SECRET), Buffer.from('-tail')]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const scrubbed = scrub(data.toString(encoding));
      expect(scrubbed).toContain(REDACTED);
      // What is left cannot be decoded back to any useful part of the secret.
      expect(Buffer.from(scrubbed.replace(REDACTED, ''), encoding).toString('latin1')).not.toContain(SECRET.slice(2, -4));
    }
  });

  it('catches a token inside Basic auth (user:token in base64)', () => {
    const header = `Basic ${Buffer.from(`x-access-token:${SECRET}`).toString('base64')}`;
    expect(scrub(header)).toContain(REDACTED);
    expect(scrub(header)).not.toContain(Buffer.from(SECRET).toString('base64').slice(4, -4));
  });

  it('scrubs a four-character value in every spelling, and ignores shorter ones', () => {
    const four = createScrubber(['k3y!', 'abc', '']);
    expect(four('k3y! abc')).toBe(`${REDACTED} abc`);
    expect(four(Buffer.from('k3y!').toString('base64'))).toBe(REDACTED);
    expect(four(encodeURIComponent('k3y!'))).toBe(REDACTED);
  });

  it('prefers the longer of two values where one contains the other', () => {
    const both = createScrubber(['token', 'token-and-more']);
    expect(both('a token-and-more b token c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('removes both of two values that overlap in the text', () => {
    const both = createScrubber(['abcdef12', 'ef12ghij']);
    expect(both('<abcdef12ghij>')).toBe(`<${REDACTED}>`);
    expect(both('ef12ghij abcdef12')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('treats regex metacharacters in a value literally', () => {
    const tricky = createScrubber(['a.b*c(d)[e]$^|\\']);
    expect(tricky('aXbbbc(d)[e]$^|\\')).toBe('aXbbbc(d)[e]$^|\\');
    expect(tricky('a.b*c(d)[e]$^|\\')).toBe(REDACTED);
  });

  it('leaves text without secrets alone', () => {
    expect(scrub('nothing to see')).toBe('nothing to see');
    expect(createScrubber([])('anything')).toBe('anything');
  });

  it('stays fast on large input with many values', () => {
    const values = Array.from({ length: 200 }, (_, i) => `secret-value-${i}-${'x'.repeat(20)}`);
    const many = createScrubber(values);
    const text = `${'lorem ipsum '.repeat(100_000)}${values[199]}`;
    const started = process.cpuUsage();
    expect(many(text).endsWith(REDACTED)).toBe(true);
    // CPU time, not the wall clock: with test files in parallel on a busy 2-core machine the
    // same ~1.5 s of work took 8.6 s by the clock, and a scrubber that backtracks needs far more.
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(5_000);
  });

  it.each(['lower', 'upper', 'mixed'] as const)('redacts the %s-case hex spelling', (kind) => {
    const hex = Buffer.from(SECRET).toString('hex');
    const spelled = kind === 'lower' ? hex : kind === 'upper' ? hex.toUpperCase() : [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    expect(scrub(`x=${spelled};`)).toBe(`x=${REDACTED};`);
  });
});

describe('createSecretMatcher in bytes mode', () => {
  const bytes = (text: string | Buffer) => (typeof text === 'string' ? Buffer.from(text) : text).toString('latin1');
  const matcher = createSecretMatcher([SECRET], 'bytes');

  it('finds the UTF-8 bytes of a non-ASCII value inside binary data, and leaves every other byte as it was', () => {
    const body = Buffer.concat([Buffer.from([0, 255, 128, 10]), Buffer.from(SECRET), Buffer.from([0xc3, 0x28, 7])]);
    const out = Buffer.from(matcher.scrub(body.toString('latin1')), 'latin1');
    expect(out).toEqual(Buffer.concat([Buffer.from([0, 255, 128, 10]), Buffer.from(REDACTED), Buffer.from([0xc3, 0x28, 7])]));
  });

  it.each([
    ['percent-encoded', encodeURIComponent(SECRET)],
    ['hex', Buffer.from(SECRET).toString('hex')],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64url', Buffer.from(SECRET).toString('base64url')],
  ])('redacts the %s spelling', (_name, spelling) => {
    expect(matcher.scrub(bytes(`<${spelling}>`))).toBe(`<${REDACTED}>`);
  });

  it('bounds every spelling by maxSpellingChars', () => {
    expect(matcher.maxSpellingChars).toBeGreaterThanOrEqual(encodeURIComponent(SECRET).length);
    expect(createSecretMatcher([], 'bytes').maxSpellingChars).toBe(0);
  });
});
