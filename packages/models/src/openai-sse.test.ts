import { describe, expect, it } from 'vitest';
import { readSseEvents, SseTooLargeError } from './openai-sse.ts';

async function events(chunks: readonly string[], maxEventChars?: number) {
  const out = [];
  async function* body() {
    for (const c of chunks) yield Buffer.from(c);
  }
  for await (const e of readSseEvents(body(), maxEventChars)) out.push(e);
  return out;
}

describe('readSseEvents', () => {
  it('dispatches on blank lines, joins data lines, skips comments, keeps event names', async () => {
    expect(await events([': keep-alive\n\ndata: {"a":1}\n\nevent: error\ndata: line one\ndata:line two\n\n'])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'error', data: 'line one\nline two' },
    ]);
  });

  it('reads CRLF and CR line ends, a CRLF split across chunks, and a UTF-8 character split across chunks', async () => {
    const euro = Buffer.from('data: €\r\n\r\n');
    async function* body() {
      yield Buffer.from('data: one\r');
      yield Buffer.from('\n\r\ndata: two\r\r');
      yield euro.subarray(0, 8);
      yield euro.subarray(8);
    }
    const out = [];
    for await (const e of readSseEvents(body())) out.push(e.data);
    expect(out).toEqual(['one', 'two', '€']);
  });

  it('keeps a last event the server closed without a blank line after', async () => {
    expect(await events(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('stops a server that never ends its event before it fills memory', async () => {
    await expect(events([`data: ${'x'.repeat(40)}\n`, `data: ${'x'.repeat(40)}\n`], 64)).rejects.toBeInstanceOf(SseTooLargeError);
    await expect(events(['x'.repeat(100)], 64)).rejects.toBeInstanceOf(SseTooLargeError);
  });
});
