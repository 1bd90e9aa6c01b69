import { describe, expect, it } from 'vitest';
import { CappedOutput, cutUtf8 } from './capped-output.ts';
import { REDACTED, createScrubber } from './scrubber.ts';

const identity = (text: string) => text;

describe('CappedOutput', () => {
  it('keeps everything under the cap, untruncated', () => {
    const output = new CappedOutput(10, 0);
    expect(output.push(Buffer.from('hello'))).toBe(true);
    expect(output.text(identity)).toEqual({ text: 'hello', truncated: false });
  });

  it('cuts at the cap, reports truncation, and tells the reader to stop once the slack is full', () => {
    const output = new CappedOutput(4, 2);
    expect(output.push(Buffer.from('abcde'))).toBe(true);
    expect(output.push(Buffer.from('fgh'))).toBe(false);
    expect(output.text(identity)).toEqual({ text: 'abcd', truncated: true });
  });

  it('never splits a UTF-8 character at the cap', () => {
    const output = new CappedOutput(4, 0);
    output.push(Buffer.from('aé€x')); // 1 + 2 + 3 + 1 bytes
    expect(output.text(identity)).toEqual({ text: 'aé', truncated: true });
    expect(cutUtf8(Buffer.from('€€'), 4)).toBe('€');
  });

  it('scrubs a secret that straddles the cap before cutting', () => {
    const secret = 'SECRET-VALUE-0123456789';
    const scrubber = createScrubber([secret]);
    const output = new CappedOutput(20, scrubber.slackBytes);
    output.push(Buffer.from(`${'x'.repeat(10)}${secret}${'y'.repeat(100)}`));
    const { text, truncated } = output.text(scrubber.scrub);
    expect(truncated).toBe(true);
    expect(text).toBe(`${'x'.repeat(10)}${REDACTED}`);
    expect(text).not.toContain(secret.slice(0, 8));
  });

  it('stays within the cap even when redaction makes the text longer', () => {
    const scrubber = createScrubber(['abcd']);
    const output = new CappedOutput(8, scrubber.slackBytes);
    output.push(Buffer.from('abcdabcd'));
    const { text } = output.text(scrubber.scrub);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8);
    expect(text).not.toContain('abcd');
  });
});
