import type { Socket } from 'node:net';
import { CodedError, type CodedErrorOptions } from './coded-error.ts';

/**
 * The sandbox channel's framing, shared by the agent and the orchestrator: one JSON message per
 * line. Incoming lines are capped so a peer that never sends '\n' cannot make us buffer
 * forever; orchestrator → agent messages are small
 * (a call's stdin or body is at most 1 MB), results carry up to 10 MB of output, which JSON
 * escaping can inflate up to 6× for control bytes.
 */
export const MAX_CALL_LINE_BYTES = 16 * 1024 * 1024;
export const MAX_RESULT_LINE_BYTES = 64 * 1024 * 1024;

type FramingErrorCode = 'line_too_long';

const framingMessages: Record<FramingErrorCode, string> = {
  line_too_long: 'a channel line exceeded its size limit',
};

/** A peer broke the framing; the socket is destroyed with it (see readLines). */
export class LineTooLongError extends CodedError<FramingErrorCode> {
  constructor(code: FramingErrorCode, message?: string, options?: CodedErrorOptions) {
    super('LineTooLongError', code, message ?? framingMessages[code], options);
  }
}

/** Returns a feeder that calls `onLine` for each complete line; it throws LineTooLongError on overflow. */
export function createLineSplitter(maxLineBytes: number, onLine: (line: string) => void): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  const tooLong = () => new LineTooLongError('line_too_long', `a channel line exceeded ${maxLineBytes} bytes`, { details: { maxLineBytes } });
  return (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (size + piece.length > maxLineBytes) throw tooLong();
      const line = size === 0 ? piece.toString('utf8') : Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      size = 0;
      start = nl + 1;
      onLine(line);
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (size + rest.length > maxLineBytes) throw tooLong();
    parts.push(rest);
    size += rest.length;
  };
}

/**
 * Feeds `socket`'s lines to `onLine`; an overlong line or a throwing handler destroys the
 * socket, so the peer sees the channel close, never a half-read message.
 */
export function readLines(socket: Socket, maxLineBytes: number, onLine: (line: string) => void): void {
  const feed = createLineSplitter(maxLineBytes, (line) => {
    if (!socket.destroyed) onLine(line);
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      feed(chunk);
    } catch (err) {
      socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Writes one message as a line; returns false once the socket can no longer be written. */
export function writeLine(socket: Socket, message: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(message)}\n`);
  return true;
}
