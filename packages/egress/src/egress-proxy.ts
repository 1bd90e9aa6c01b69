import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkUrl, type Resolver } from './check-url.ts';
import { openGuardedRequest } from './open-guarded-request.ts';
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

// Hop-by-hop and identity headers the sandbox may not set or forward (RFC 9110 §7.6.1).
const droppedRequestHeaders = new Set(['host', 'connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'authorization', 'cookie']);

/**
 * The run's egress proxy: an HTTP handler served on the sandbox's egress socket. A request's
 * Host names a connection; only the role's connections are forwarded, each send re-checked by
 * the egress guard and sent to the address it checked, with credentials added here, outside
 * the sandbox. Redirects are passed back unfollowed: a Location on another host returns here
 * under a Host that is no connection. Everything allowed or refused is reported.
 */
export function createEgressProxy(options: {
  targets: readonly EgressTarget[];
  onDecision: (d: EgressDecision) => void;
  timeoutMs?: number;
  resolver?: Resolver;
  /** Removes the run's secrets from text responses: an upstream that echoes a header must not hand it to the sandbox. */
  scrub?: (text: string) => string;
}) {
  const targets = new Map(options.targets.map((t) => [t.name, t]));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const method = req.method ?? 'GET';
    // A proxy-style absolute URI (git with http.proxy) or an origin-form path.
    const path = /^https?:\/\//i.test(req.url ?? '') ? new URL(req.url!).pathname + new URL(req.url!).search : (req.url ?? '/');
    const target = targets.get(host);
    const refuse = (status: number, code: string, message: string) => {
      options.onDecision({ connection: host, method, path, allowed: false, reason: code });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    };
    if (!target) return refuse(403, 'egress_denied', `"${host}" is not a connection of this run's role.`);
    const base = new URL(target.baseUrl);
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!droppedRequestHeaders.has(k) && typeof v === 'string') headers[k] = v;
    }
    Object.assign(headers, target.headers ?? {});
    try {
      // req stays paused while the guard resolves, so no body is lost.
      const verdict = await checkUrl(url.href, { ...(options.resolver ? { resolver: options.resolver } : {}), allowCidrs: target.allowCidrs ?? [] });
      if (!verdict.allowed) {
        const err = verdictError(verdict);
        return refuse(403, err.code, `The connection "${host}" resolves to an address this run may not reach (${verdict.reason}).`);
      }
      const upstream = openGuardedRequest(verdict, { method, headers, timeout: options.timeoutMs ?? 30_000 }, (up) => {
        options.onDecision({ connection: host, method, path, allowed: true, reason: null, status: up.statusCode ?? 0 });
        const headers = filterResponseHeaders(up.headers);
        if (!options.scrub || !isText(up.headers['content-type'])) {
          res.writeHead(up.statusCode ?? 502, headers);
          return void up.pipe(res);
        }
        collect(up, MAX_SCRUBBED_BYTES).then(
          (body) => {
            const clean = Buffer.from(options.scrub!(body.toString('utf8')));
            delete headers['content-length'];
            res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(clean.length) }).end(clean);
          },
          () => refuse(502, 'upstream_too_large', `The response from "${host}" is larger than ${MAX_SCRUBBED_BYTES} bytes.`),
        );
      });
      upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
      upstream.on('error', () => {
        if (res.headersSent) return void res.destroy();
        refuse(502, 'upstream_failed', `The connection "${host}" did not answer.`);
      });
      req.pipe(upstream);
    } catch {
      if (!res.headersSent) refuse(502, 'upstream_failed', `The connection "${host}" could not be reached.`);
    }
  };
}

// Text responses are read whole to scrub them; binary ones (git packs) stream through untouched.
const MAX_SCRUBBED_BYTES = 16 * 1024 * 1024;
const isText = (type: string | undefined) => !type || /^(text\/|application\/([\w.+-]*json|[\w.+-]*xml|x-www-form-urlencoded|javascript))/i.test(type);

function collect(stream: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        stream.destroy();
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function filterResponseHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding', 'set-cookie'].includes(k)) out[k] = v;
  }
  return out;
}
