import { Transform, type TransformCallback } from 'node:stream';
import type { SecretMatcher } from '@remit/core';

/**
 * A chain of overlapping secret spellings longer than this is not something an honest upstream
 * sends; the stream fails rather than hold an attacker-sized buffer.
 */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * Scrubs a byte stream of any content type as it passes, with a window: every spelling is at
 * most `maxSpellingChars` bytes long, so the last `maxSpellingChars - 1` bytes of what has
 * arrived are held back until more arrives (or the end). A match that starts before the held
 * tail ends inside what has arrived, so it is always seen whole; a redaction span that reaches
 * into the tail is held back whole, so a match that extends it is merged on the next chunk.
 * Bytes are matched as latin1 (one character per byte): binary bodies pass through unchanged.
 */
export function createScrubStream(matcher: SecretMatcher): Transform {
  const window = Math.max(0, matcher.maxSpellingChars - 1);
  let held: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const buffer: Buffer = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      let cut = buffer.length - window;
      if (cut <= 0) {
        held = buffer;
        return callback();
      }
      const text = buffer.toString('latin1');
      for (const span of matcher.spans(text)) {
        if (span.start < cut && span.end > cut) cut = span.start;
      }
      held = Buffer.from(buffer.subarray(cut)); // a copy: the chunk it came from can go
      if (held.length > MAX_HELD_BYTES) return callback(new Error('secret spellings overlap for more than the scrub window allows'));
      callback(null, cut === 0 ? undefined : Buffer.from(matcher.scrub(text.slice(0, cut)), 'latin1'));
    },
    flush(callback: TransformCallback) {
      callback(null, held.length === 0 ? undefined : Buffer.from(matcher.scrub(held.toString('latin1')), 'latin1'));
    },
  });
}
