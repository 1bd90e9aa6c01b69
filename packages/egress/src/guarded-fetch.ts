import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { checkUrl, type CheckUrlOptions, type EgressVerdict } from './check-url.ts';
import { EgressError, isEgressError } from './egress-error.ts';
import { openGuardedRequest } from './open-guarded-request.ts';
import { nextHop, type NextHop } from './redirect-policy.ts';
import { verdictError } from './verdict-error.ts';

interface GuardedFetchInit {
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

export interface GuardedFetchOptions extends CheckUrlOptions {
  /** Whole exchange, every hop and DNS included. Default 30 s. */
  timeoutMs?: number;
  /** Response body cap in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Redirects followed; one more is refused. Default 5. Use 0 for OAuth token calls. */
  maxRedirects?: number;
  /** The connection opener; tests wrap the real one to watch where it connects. */
  transport?: typeof openGuardedRequest;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  finalUrl: string;
  /** Every URL requested, in order: the first is the one asked for, the last is finalUrl. */
  hops: string[];
}

// Only these request headers follow a redirect to another origin; anything else may be a
// credential (Authorization, Cookie, X-Api-Key, a webhook signature). Fetch drops Authorization.
const crossOriginSafeHeaders = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'user-agent']);
// WHATWG Fetch "request-body-header name": dropped with the body when a redirect becomes a GET.
const bodyHeaders = new Set(['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length']);

/**
 * Makes an HTTP(S) request on a customer's behalf: every hop is checked by checkUrl and connected
 * to the address it checked; redirects are followed by hand. Throws EgressError.
 */
export async function guardedFetch(url: string, init: GuardedFetchInit = {}, options: GuardedFetchOptions = {}): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const transport = options.transport ?? openGuardedRequest;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let request = { url, method: (init.method ?? 'GET').toUpperCase(), headers: lowerCaseKeys(init.headers ?? {}), body: init.body };
  const hops: string[] = [];
  let origin = '';
  try {
    for (;;) {
      const verdict = await untilAborted(checkUrl(request.url, options), deadline.signal);
      if (!verdict.allowed) throw verdictError(verdict);
      origin = verdict.url.origin;
      hops.push(verdict.url.href);
      const res = await exchange(transport, verdict, request, deadline.signal);
      let hop: NextHop | null;
      try {
        hop = nextHop(verdict.url, request.method, res.statusCode ?? 0, res.headers.location);
      } catch (err) {
        res.destroy();
        throw err;
      }
      if (!hop)
        return {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: await readCapped(res, options.maxBytes ?? 10 * 1024 * 1024, origin),
          finalUrl: verdict.url.href,
          hops,
        };
      res.destroy();
      if (hops.length > maxRedirects) {
        throw new EgressError('egress_too_many_redirects', `${origin} redirected again after ${maxRedirects} redirects; Remit stops there.`);
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => (!hop.crossOrigin || crossOriginSafeHeaders.has(name)) && !(hop.dropBody && bodyHeaders.has(name))),
      );
      request = { url: hop.url.href, method: hop.method, headers, body: hop.dropBody ? undefined : request.body };
    }
  } catch (err) {
    if (deadline.signal.aborted)
      throw new EgressError('egress_timeout', `${origin || 'The destination'} did not answer within ${timeoutMs} ms.`, { cause: err });
    if (isEgressError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new EgressError('egress_upstream_failed', `Could not reach ${origin}${code ? ` (${code})` : ''}.`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function exchange(
  transport: typeof openGuardedRequest,
  verdict: Extract<EgressVerdict, { allowed: true }>,
  request: { method: string; headers: Record<string, string>; body: string | Uint8Array | undefined },
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = transport(verdict, { method: request.method, headers: request.headers, signal }, resolve);
    req.on('error', reject);
    req.end(request.body);
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number, origin: string): Promise<Buffer> {
  const tooLarge = () => new EgressError('egress_too_large', `The response from ${origin} is larger than ${maxBytes} bytes.`);
  if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
