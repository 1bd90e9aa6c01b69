import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { createSecretMatcher } from '@remit/core';
import { checkUrl, type Resolver } from './check-url.ts';
import { openGuardedRequest } from './open-guarded-request.ts';
import { upstreamTarget } from './request-target.ts';
import { createScrubStream } from './scrub-stream.ts';
import { verdictError } from './verdict-error.ts';

export interface EgressTarget {
  /** The connection name the sandbox uses as the Host. */
  name: string;
  baseUrl: string;
  /** Headers the proxy adds on the way out (credentials); the sandbox never sees them. */
  headers?: Record<string, string>;
  /** Private ranges an admin allowed for this connection. */
  allowCidrs?: readonly string[];
}

export interface EgressDecision {
  connection: string;
  method: string;
  path: string;
  allowed: boolean;
  reason: string | null;
  status?: number;
}

/**
 * The run's egress proxy as an HTTP handler. `clientError` records a decision for what never
 * became a request (a request line or header block the HTTP parser refused).
 */
interface EgressProxy {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  clientError(code: string): void;
}

// Hop-by-hop and identity headers the sandbox may not set or forward (RFC 9110 §7.6.1).
const droppedRequestHeaders = new Set([
  'host',
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'authorization',
  'cookie',
  'accept-encoding',
]);
const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'set-cookie', 'content-length', 'content-encoding']);

/** The decoders for a Content-Encoding we can undo to scrub what is inside. */
const decoders: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

/**
 * The run's egress proxy: an HTTP handler served on the sandbox's egress socket. A request's
 * Host names a connection; only the role's connections are forwarded. The upstream URL is built
 * from the connection's fixed origin and base path, the request contributing only a checked
 * path and query (request-target.ts), so a credential added here can reach no other host. Each
 * send is re-checked by the egress guard and sent to the address it checked, with credentials
 * added here, outside the sandbox. Every response (headers and body, whatever its type, after
 * undoing any compression) is scrubbed of the run's secrets in every spelling as it streams.
 * Redirects are passed back unfollowed: a Location on another host returns here under a Host
 * that is no connection. Everything allowed or refused is reported, and nothing a sandbox
 * sends can make this handler throw: each request ends in an answer and a decision.
 */
export function createEgressProxy(options: {
  targets: readonly EgressTarget[];
  onDecision: (d: EgressDecision) => void;
  timeoutMs?: number;
  resolver?: Resolver;
  /** The run's secret values: an upstream that echoes a credential must not hand it to the sandbox. */
  secrets?: readonly string[];
  /**
   * A failure inside the proxy (a bug, never the sandbox's doing), for operators' logs; the
   * request is answered 502 and recorded as egress_internal all the same.
   */
  onError?: (err: unknown) => void;
}): EgressProxy {
  const targets = new Map(options.targets.map((t) => [t.name, t]));
  // Bytes mode: bodies are matched as latin1, and so are header values (node reads them so).
  const matcher = createSecretMatcher(options.secrets ?? [], 'bytes');
  const decide = (d: EgressDecision) => {
    try {
      options.onDecision(d);
    } catch {
      // A failing observer must not turn into a crash of the socket's server; the caller logs its own failures.
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const method = req.method ?? 'GET';
    const rawTarget = req.url ?? '';
    let shownPath = rawTarget.slice(0, 512);
    let refused = false;
    const refuse = (status: number, code: string, message: string) => {
      if (refused) return;
      refused = true;
      decide({ connection: host, method, path: shownPath, allowed: false, reason: code });
      req.resume();
      if (res.headersSent) return void res.destroy();
      const body = JSON.stringify({ error: { code, message } });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
    };
    const target = targets.get(host);
    if (!target) return refuse(403, 'egress_denied', `"${host}" is not a connection of this run's role.`);
    const upstreamUrl = upstreamTarget(rawTarget, host, target.baseUrl);
    if (!upstreamUrl.ok) return refuse(400, upstreamUrl.code, upstreamUrl.message);
    shownPath = upstreamUrl.path;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!droppedRequestHeaders.has(k) && typeof v === 'string') headers[k] = v;
    }
    Object.assign(headers, target.headers ?? {});
    // A compressed body can only be scrubbed once decoded: ask for none (RFC 9110 §12.5.3).
    headers['accept-encoding'] = 'identity';
    // req stays paused while the guard resolves, so no body is lost.
    const verdict = await checkUrl(upstreamUrl.url.href, { ...(options.resolver ? { resolver: options.resolver } : {}), allowCidrs: target.allowCidrs ?? [] });
    if (!verdict.allowed) {
      const err = verdictError(verdict);
      return refuse(403, err.code, `The connection "${host}" resolves to an address this run may not reach (${verdict.reason}).`);
    }
    const upstream = openGuardedRequest(verdict, { method, headers, timeout: options.timeoutMs ?? 30_000 }, (up) => {
      const encodings = (up.headers['content-encoding'] ?? 'identity')
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter((e) => e !== '' && e !== 'identity');
      const unknown = encodings.find((e) => !(e in decoders));
      if (unknown !== undefined) {
        up.destroy();
        return refuse(502, 'upstream_encoding_unsupported', `"${host}" answered with a ${unknown}-encoded body, which cannot be checked for secrets.`);
      }
      decide({ connection: host, method, path: shownPath, allowed: true, reason: null, status: up.statusCode ?? 0 });
      const passThrough = matcher.maxSpellingChars === 0 && encodings.length === 0;
      res.writeHead(up.statusCode ?? 502, responseHeaders(up.headers, matcher.scrub, passThrough));
      // Content-Encoding lists codings in the order applied; undo them last first.
      const stages = [...encodings.reverse().map((e) => decoders[e]!()), ...(matcher.maxSpellingChars === 0 ? [] : [createScrubStream(matcher)])];
      pipeline([up, ...stages, res], () => undefined); // errors destroy every stage; the sandbox sees a cut body
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => refuse(502, 'upstream_failed', `The connection "${host}" did not answer.`));
    req.pipe(upstream);
  }

  const proxy = (async (req: IncomingMessage, res: ServerResponse) => {
    req.on('error', () => undefined); // the sandbox hung up: the upstream side is torn down by pipe
    res.on('error', () => undefined); // likewise: the response goes nowhere now
    try {
      await handle(req, res);
    } catch (err) {
      try {
        options.onError?.(err);
      } catch {
        // As for onDecision: the observer's failure is its own.
      }
      decide({
        connection: (req.headers.host ?? '').slice(0, 255),
        method: req.method ?? '',
        path: (req.url ?? '').slice(0, 512),
        allowed: false,
        reason: 'egress_internal',
      });
      req.resume();
      if (res.headersSent) res.destroy();
      else
        res
          .writeHead(502, { 'content-type': 'application/json', connection: 'close' })
          .end(JSON.stringify({ error: { code: 'egress_internal', message: 'The egress proxy could not handle this request.' } }));
    }
  }) as EgressProxy;
  proxy.clientError = (code) => decide({ connection: '', method: '', path: '', allowed: false, reason: code });
  return proxy;
}

function responseHeaders(headers: IncomingMessage['headers'], scrub: (text: string) => string, passThrough: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || (droppedResponseHeaders.has(k) && !(passThrough && k === 'content-length'))) continue;
    out[k] = Array.isArray(v) ? v.map(scrub) : scrub(v);
  }
  return out;
}
