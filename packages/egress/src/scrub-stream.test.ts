import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createSecretMatcher } from '@remit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScrubStream } from './scrub-stream.ts';

const SECRETS = ['tok_AbCd1234/+=', 'ef12ghij-overlap', 'abcdef12'];
const matcher = createSecretMatcher(SECRETS, 'bytes');

async function streamed(chunks: Buffer[]): Promise<Buffer> {
  return buffer(Readable.from(chunks).pipe(createScrubStream(matcher)));
}

/** Splits `data` at the given cut points. */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const point of [...points, data.length]) {
    chunks.push(data.subarray(last, point));
    last = point;
  }
  return chunks.filter((c) => c.length > 0);
}

describe('createScrubStream', () => {
  const spelling = fc.constantFrom(
    ...SECRETS.flatMap((s) => [
      s,
      Buffer.from(s).toString('base64'),
      Buffer.from(s).toString('base64url'),
      Buffer.from(s).toString('hex'),
      Buffer.from(s).toString('hex').toUpperCase(),
      encodeURIComponent(s),
    ]),
    'abcdef12ghij-overlap',
  );
  const noise = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
  const body = fc
    .array(
      fc.oneof(
        noise,
        spelling.map((s) => Buffer.from(s)),
      ),
      { maxLength: 12 },
    )
    .map((parts) => Buffer.concat(parts));

  it('property: however the body is cut into chunks, the output is the whole body scrubbed at once', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.array(fc.nat(), { maxLength: 20 }), async (data, cuts) => {
        const expected = Buffer.from(matcher.scrub(data.toString('latin1')), 'latin1');
        expect(await streamed(split(data, cuts))).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: no secret spelling survives, at any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.array(fc.nat(), { maxLength: 20 }), async (data, cuts) => {
        const out = (await streamed(split(data, cuts))).toString('latin1');
        for (const secret of SECRETS) {
          expect(out).not.toContain(secret);
          expect(out.toLowerCase()).not.toContain(Buffer.from(secret).toString('hex'));
          expect(out).not.toContain(Buffer.from(secret).toString('base64'));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('passes binary data through byte for byte when it holds no secret', async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    expect(await streamed(split(data, [1, 100, 4096, 65_536]))).toEqual(Buffer.from(matcher.scrub(data.toString('latin1')), 'latin1'));
  });
});
