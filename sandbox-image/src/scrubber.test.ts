import { describe, expect, it } from 'vitest';
import { REDACTED, bundleSecretValues, createScrubber, scrubDeep } from './scrubber.ts';

const SECRET = 'ghs_Ab12/Cd+34 ef=ZZ';

describe('createScrubber', () => {
  const { scrub } = createScrubber([SECRET]);

  it('redacts the raw value wherever it appears', () => {
    expect(scrub(`token=${SECRET}; again ${SECRET}`)).toBe(`token=${REDACTED}; again ${REDACTED}`);
  });

  it.each([
    ['encodeURIComponent', encodeURIComponent(SECRET)],
    ['lower-case hex escapes', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['form encoding (+ for space)', encodeURIComponent(SECRET).replaceAll('%20', '+')],
    ['partly encoded', SECRET.replace('/', '%2F')],
  ])('redacts the URL-encoded spelling: %s', (_name, spelling) => {
    expect(scrub(`a=${spelling}&b=1`)).toBe(`a=${REDACTED}&b=1`);
  });

  it.each([0, 1, 2, 3, 4, 5])('redacts base64 and base64url of the value behind a %i-byte prefix', (prefix) => {
    const data = Buffer.concat([Buffer.from('x'.repeat(prefix)), Buffer.from(SECRET), Buffer.from('-tail')]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = data.toString(encoding);
      const scrubbed = scrub(encoded);
      expect(scrubbed).toContain(REDACTED);
      // What is left cannot be decoded back to the secret.
      expect(Buffer.from(scrubbed.replace(REDACTED, ''), encoding).toString('latin1')).not.toContain(SECRET.slice(2, -2));
    }
  });

  it('catches a token inside Basic auth (user:token in base64)', () => {
    const header = `Basic ${Buffer.from(`x-access-token:${SECRET}`).toString('base64')}`;
    expect(scrub(header)).toContain(REDACTED);
  });

  it('leaves text without secrets alone and ignores values too short to scrub', () => {
    const short = createScrubber(['abc', '']);
    expect(short.scrub('abc abc')).toBe('abc abc');
    expect(scrub('nothing to see')).toBe('nothing to see');
  });

  it('treats regex metacharacters in a secret literally', () => {
    const tricky = createScrubber(['a.b*c(d)[e]$^|\\']);
    expect(tricky.scrub('aXbbbc(d)[e]$^|\\')).toBe('aXbbbc(d)[e]$^|\\');
    expect(tricky.scrub('a.b*c(d)[e]$^|\\')).toBe(REDACTED);
  });

  it('keeps enough slack for the longest spelling', () => {
    expect(createScrubber([SECRET]).slackBytes).toBeGreaterThanOrEqual(encodeURIComponent(SECRET).length);
  });
});

describe('scrubDeep and bundleSecretValues', () => {
  it('scrubs every string of a nested value, keys included', () => {
    const { scrub } = createScrubber([SECRET]);
    expect(scrubDeep({ a: [SECRET, 1, null], [SECRET]: { b: `x${SECRET}` } }, scrub)).toEqual({ a: [REDACTED, 1, null], [REDACTED]: { b: `x${REDACTED}` } });
  });

  it('collects every value of every secret in the bundle', () => {
    const values = bundleSecretValues({
      runId: '00000000-0000-4000-8000-000000000001',
      connections: [],
      secrets: [
        { connection: 'github', kind: 'git_token', values: { token: 't1' } },
        { connection: 'aws', kind: 'aws_session', values: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 'st' } },
      ],
    });
    expect(values.sort()).toEqual(['k', 's', 'st', 't1']);
  });
});
