import { describe, expect, it } from 'vitest';
import { REDACTED, bundleSecretValues, createScrubber, scrubDeep } from './scrubber.ts';

const SECRET = 'ghs_Ab12/Cd+34 ef=ZZ';

// The spellings themselves are tested once, with the shared matcher (packages/core/src/secret-matcher.test.ts);
// these check what the agent's wrapper adds.
describe('createScrubber (the agent side)', () => {
  const { scrub } = createScrubber([SECRET]);

  it('uses the shared matcher: raw, percent-encoded, hex and base64 spellings are all redacted', () => {
    for (const spelling of [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('hex'), Buffer.from(SECRET).toString('base64')]) {
      expect(scrub(`<${spelling}>`)).toBe(`<${REDACTED}>`);
    }
  });

  it('ignores values too short to scrub', () => {
    expect(createScrubber(['abc', '']).scrub('abc abc')).toBe('abc abc');
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
