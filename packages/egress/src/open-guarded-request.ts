import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isIssuedVerdict, type AllowedVerdict } from './check-url.ts';

/** What a caller may choose about a guarded request; where it connects is not among them. */
interface GuardedRequestOptions {
  method?: string;
  /** A `host` header here is ignored: the Host is always the checked URL's. */
  headers?: OutgoingHttpHeaders;
  /** Socket idle timeout in ms (node's `timeout`: emits 'timeout', the caller destroys). */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Opens one HTTP(S) request to an address `checkUrl` approved, never re-resolving: the socket's
 * lookup answers only the checked addresses, so a DNS answer that changes after the check
 * (rebinding) is never used. Host header and TLS SNI/certificate name stay the URL's host.
 * A fresh connection per request (agent: false): a pooled socket would be keyed by host name
 * and could carry a later request to an address checked under another tenant's allowance.
 * The caller writes the body and ends the request; the response goes to `onResponse`.
 */
export function openGuardedRequest(verdict: AllowedVerdict, options: GuardedRequestOptions = {}, onResponse?: (res: IncomingMessage) => void): ClientRequest {
  if (!isIssuedVerdict(verdict)) throw new TypeError('openGuardedRequest needs an allowed verdict returned by checkUrl.');
  const { url, host, addresses } = verdict;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() !== 'host' && value !== undefined) headers[name] = value;
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return send(
    {
      protocol: url.protocol,
      host,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname + url.search,
      method: options.method ?? 'GET',
      headers,
      timeout: options.timeout,
      signal: options.signal,
      agent: false,
      lookup: pinnedLookup(host, addresses),
      // RFC 6066 §3: SNI carries names only, never an address literal.
      servername: isIP(host) === 0 ? host : undefined,
    },
    onResponse,
  );
}

/**
 * A lookup that answers `host` with the checked addresses and nothing else. node calls it with
 * `all: true` when happy-eyeballs (autoSelectFamily) is on, so every checked address can be tried.
 * Address literals never reach it: node connects to those directly.
 */
export function pinnedLookup(host: string, addresses: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    const answers: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => family === 0 || a.family === family);
    if (hostname !== host || answers.length === 0) {
      const err: NodeJS.ErrnoException = new Error(`No checked address for ${hostname}.`);
      err.code = 'ENOTFOUND';
      return callback(err, '');
    }
    if (options.all) return callback(null, answers);
    callback(null, answers[0]!.address, answers[0]!.family);
  };
}
