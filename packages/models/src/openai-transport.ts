import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { checkUrl, EgressError, openGuardedRequest, verdictError, type Resolver } from '@remit/egress';

interface GuardedStreamOptions {
  resolver?: Resolver;
  allowCidrs?: readonly string[];
  /** The longest silence allowed: connecting, waiting for headers, and between body chunks. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

export interface GuardedStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Scheme, host and port: what messages may name (paths can carry secrets). */
  origin: string;
  /** The body as it arrives. Failures surface as EgressError, or as the abort reason's error. */
  body: AsyncIterable<Buffer>;
  /** Drops the connection, e.g. after reading enough of an error body. */
  close(): void;
}

/**
 * POSTs through the egress guard and hands back the response while it streams, which
 * guardedFetch cannot (it buffers the whole body). The URL is checked by checkUrl and the socket
 * connects to the checked address only. Redirects are not followed: an API that redirects a POST
 * is misconfigured, and the caller reports the status. Throws EgressError.
 */
export async function postGuardedStream(
  url: string,
  request: { headers: Record<string, string>; body: string },
  options: GuardedStreamOptions,
): Promise<GuardedStream> {
  const verdict = await checkUrl(url, { resolver: options.resolver, allowCidrs: options.allowCidrs ?? [] });
  if (!verdict.allowed) throw verdictError(verdict);
  const origin = verdict.url.origin;
  options.signal?.throwIfAborted();
  const state = { timedOut: false };
  const failure = (err: unknown): unknown => {
    if (options.signal?.aborted) return err;
    if (state.timedOut) return new EgressError('egress_timeout', `${origin} was silent for ${options.idleTimeoutMs} ms.`, { cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    return new EgressError('egress_upstream_failed', `The connection to ${origin} failed${code ? ` (${code})` : ''}.`, { cause: err });
  };
  return new Promise((resolve, reject) => {
    const body = Buffer.from(request.body);
    const headers = { ...request.headers, 'content-length': String(body.length) };
    const req = openGuardedRequest(verdict, { method: 'POST', headers, timeout: options.idleTimeoutMs, signal: options.signal }, (res) => {
      // Errors before the caller starts reading are kept by the stream and rethrown by its iterator.
      res.on('error', () => undefined); // only to keep an early error from being unhandled; readBody rethrows it
      resolve({ status: res.statusCode ?? 0, headers: res.headers, origin, body: readBody(res, failure), close: () => res.destroy() });
    });
    // node only reports the idle socket; ending the request is left to us.
    req.on('timeout', () => {
      state.timedOut = true;
      req.destroy();
    });
    req.on('error', (err) => reject(failure(err)));
    req.end(body);
  });
}

async function* readBody(res: IncomingMessage, failure: (err: unknown) => unknown): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw failure(err);
  }
}

/** Reads at most `maxBytes` of a (small, error) body, then drops the connection. */
export async function readSmallBody(stream: GuardedStream, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream.body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) break;
    }
  } finally {
    stream.close();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
