import { CodedError, type CodedErrorOptions } from '@remit/core';
/** One dispatched server-sent event: its `event:` name ('message' when none) and its joined `data:` lines. */
interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a byte stream into server-sent events, per the WHATWG HTML "event stream interpretation":
 * lines end in CRLF, LF or CR; `data:` lines are joined with LF; a blank line dispatches; lines
 * starting with ':' are comments (llama.cpp and proxies send them as keep-alives). `maxEventChars`
 * bounds what one event may buffer, so a server that never sends a blank line cannot exhaust memory.
 */
export async function* readSseEvents(body: AsyncIterable<Uint8Array | string>, maxEventChars = 1024 * 1024): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let size = 0;
  const line = (text: string): SseEvent | null => {
    if (text === '') {
      const dispatched = data.length > 0 ? { event: event || 'message', data: data.join('\n') } : null;
      event = '';
      data = [];
      size = 0;
      return dispatched;
    }
    if (text.startsWith(':')) return null;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    // The spec strips exactly one space after the colon.
    const value = colon === -1 ? '' : text.slice(colon + (text[colon + 1] === ' ' ? 2 : 1));
    if (field === 'data') {
      size += value.length;
      if (size > maxEventChars) throw tooLarge(maxEventChars);
      data.push(value);
    } else if (field === 'event') event = value;
    return null;
  };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A trailing CR may be the first half of a CRLF split across chunks: wait for the next one.
      if (end === -1 || (end === buffer.length - 1 && buffer[end] === '\r')) break;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      const dispatched = line(text);
      if (dispatched) yield dispatched;
    }
    if (buffer.length > maxEventChars) throw tooLarge(maxEventChars);
  }
  buffer += decoder.decode();
  // The spec drops an event not followed by a blank line; servers that close right after their
  // last `data:` line (seen with some proxies) lose nothing here, since that event is complete.
  for (const text of buffer.split(/\r\n|\r|\n/)) {
    const dispatched = line(text);
    if (dispatched) yield dispatched;
  }
  const last = line('');
  if (last) yield last;
}

type SseErrorCode = 'sse_event_too_large';

const sseErrorMessages: Record<SseErrorCode, string> = {
  sse_event_too_large: 'A server-sent event is larger than Remit reads.',
};

/** A stream this reader gives up on; openai-errors.ts translates it into a ModelError. */
export class SseTooLargeError extends CodedError<SseErrorCode> {
  constructor(code: SseErrorCode, message?: string, options?: CodedErrorOptions) {
    super('SseTooLargeError', code, message ?? sseErrorMessages[code], options);
  }
}

const tooLarge = (maxEventChars: number) =>
  new SseTooLargeError('sse_event_too_large', `A server-sent event is larger than ${maxEventChars} characters.`, { details: { maxEventChars } });
