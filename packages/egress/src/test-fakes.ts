import dns from 'node:dns';
import { createServer, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Resolver } from './check-url.ts';
import { openGuardedRequest } from './open-guarded-request.ts';

/**
 * A fake DNS for tests (there is no network here): answers from a table, ENOTFOUND otherwise,
 * and counts every lookup. A function value answers per call (rebinding).
 */
export function fakeResolver(records: Record<string, string[] | ((call: number) => string[])>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const entry = records[hostname];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const answers = typeof entry === 'function' ? entry(calls.filter((h) => h === hostname).length) : entry;
    return answers.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}

/**
 * The real transport, watched: records every connection it is asked to open and refuses any
 * that is not to a loopback test server, so a guard bug fails the test instead of reaching out.
 */
export function watchedTransport(loopbackTargets: readonly string[] = ['127.0.0.2', '::1']) {
  const opened: { host: string; addresses: readonly string[] }[] = [];
  const transport: typeof openGuardedRequest = (verdict, options, onResponse): ClientRequest => {
    opened.push({ host: verdict.host, addresses: verdict.addresses });
    const stray = verdict.addresses.find((a) => !loopbackTargets.includes(a));
    if (stray !== undefined) throw new Error(`test transport refused to connect to ${stray}`);
    return openGuardedRequest(verdict, options, onResponse);
  };
  return { transport, opened };
}

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  local: string;
}

/** A real HTTP server on a loopback address (127.0.0.2 plays "public"); records what reached it. */
async function serveLoopback(handler: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => unknown, host = '127.0.0.2', port = 0) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    // A failing fake answers with a reset rather than an unhandled rejection.
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, local: req.socket.localAddress ?? '' };
      seen.push(entry);
      await handler(req, res, entry);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { port: (server.address() as AddressInfo).port, seen, close };
}

/**
 * Replaces the system resolver (dns.lookup, which node:net calls for any host it is handed) with
 * one that records each name and fails (address literals pass through), so a test proves no lookup happened behind the guard's
 * back and nothing leaks to a real DNS server. Call the returned restore() after the test.
 */
function forbidSystemDns(): { calls: string[]; restore(): void } {
  const original = dns.lookup;
  const calls: string[] = [];
  const tripwire = (hostname: string, ...rest: unknown[]) => {
    // server.listen(port, '127.0.0.2') looks its address up too; a literal involves no DNS.
    if (isIP(hostname) !== 0) return (original as (...args: unknown[]) => void)(hostname, ...rest);
    calls.push(hostname);
    const callback = rest.find((a) => typeof a === 'function') as (err: Error) => void;
    process.nextTick(() => callback(Object.assign(new Error(`system DNS is off in tests: ${hostname}`), { code: 'ENOTFOUND' })));
  };
  dns.lookup = tripwire as unknown as typeof dns.lookup;
  return { calls, restore: () => void (dns.lookup = original) };
}

/**
 * Per-test harness for a test file: system DNS forbidden (and checked unused after each test),
 * and every loopback server started through `serve` closed afterwards.
 */
export function loopbackHarness(hooks: { beforeEach: (fn: () => void) => void; afterEach: (fn: () => void) => void }) {
  const servers: { close(): void }[] = [];
  let systemDns: ReturnType<typeof forbidSystemDns>;
  hooks.beforeEach(() => void (systemDns = forbidSystemDns()));
  hooks.afterEach(() => {
    systemDns.restore();
    servers.splice(0).forEach((server) => server.close());
    if (systemDns.calls.length) throw new Error(`the system resolver was asked for ${systemDns.calls.join(', ')}`);
  });
  return {
    serve: async (handler: Parameters<typeof serveLoopback>[0], host?: string, port?: number) => {
      const server = await serveLoopback(handler, host, port);
      servers.push(server);
      return server;
    },
    /** Closes a server the test started itself after the test. */
    track: (server: { close(): void }) => void servers.push(server),
    systemDnsCalls: () => systemDns.calls,
  };
}
