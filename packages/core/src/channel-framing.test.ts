import { describe, expect, it } from 'vitest';
import { LineTooLongError, createLineSplitter } from './channel-framing.ts';

describe('createLineSplitter', () => {
  it('splits lines across and within chunks', () => {
    const lines: string[] = [];
    const feed = createLineSplitter(100, (line) => lines.push(line));
    feed(Buffer.from('{"a":1}\n{"b"'));
    feed(Buffer.from(':2}\n\n{"c":3}'));
    feed(Buffer.from('\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '', '{"c":3}']);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const lines: string[] = [];
    const feed = createLineSplitter(100, (line) => lines.push(line));
    const bytes = Buffer.from('é€\n');
    feed(bytes.subarray(0, 1));
    feed(bytes.subarray(1, 4));
    feed(bytes.subarray(4));
    expect(lines).toEqual(['é€']);
  });

  it('refuses a line longer than the cap even when it never ends', () => {
    const feed = createLineSplitter(8, () => undefined);
    feed(Buffer.from('12345'));
    expect(() => feed(Buffer.from('6789'))).toThrow(LineTooLongError);
    const complete = createLineSplitter(8, () => undefined);
    expect(() => complete(Buffer.from('123456789\n'))).toThrow(LineTooLongError);
  });

  it('accepts a line of exactly the cap', () => {
    const lines: string[] = [];
    createLineSplitter(8, (line) => lines.push(line))(Buffer.from('12345678\n'));
    expect(lines).toEqual(['12345678']);
  });
});
