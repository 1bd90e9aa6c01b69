// Loopback servers only. 127.0.0.2 stands in for a public host: each test allows that /32
// explicitly, and the watched transport refuses to connect anywhere else.
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkUrl } from './check-url.ts';
import { guardedFetch, type GuardedFetchOptions } from './guarded-fetch.ts';
import { openGuardedRequest, pinnedLookup } from './open-guarded-request.ts';
import { fakeResolver, loopbackHarness, watchedTransport } from './test-fakes.ts';

const { serve, track, systemDnsCalls } = loopbackHarness({ beforeEach, afterEach });

const names = (...hosts: string[]) => fakeResolver(Object.fromEntries(hosts.map((h) => [h, ['127.0.0.2']])));
function guard(extra: Partial<GuardedFetchOptions> = {}) {
  const watched = watchedTransport();
  return { watched, options: { resolver: names('public.test', 'a.test', 'b.test'), allowCidrs: ['127.0.0.2/32'], transport: watched.transport, ...extra } };
}

describe('guardedFetch: connects to the address it checked', () => {
  it('a name answering public first and 127.0.0.1 second is looked up once and reached at the checked address', async () => {
    const target = await serve((_req, res) => res.end('checked'));
    const trap = await serve((_req, res) => res.end('rebound'), '127.0.0.1', target.port);
    const resolver = fakeResolver({ 'rebind.test': (call) => (call === 1 ? ['127.0.0.2'] : ['127.0.0.1']) });
    const { watched, options } = guard({ resolver });
    const res = await guardedFetch(`http://rebind.test:${target.port}/x`, {}, options);
    expect(res.body.toString()).toBe('checked');
    expect(target.seen).toMatchObject([{ local: '127.0.0.2', headers: { host: `rebind.test:${target.port}` } }]);
    expect(trap.seen).toEqual([]);
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(systemDnsCalls()).toEqual([]);
    expect(watched.opened).toEqual([{ host: 'rebind.test', addresses: ['127.0.0.2'] }]);
  });

  it('the pinned lookup answers only the checked host, with only the checked addresses', () => {
    const lookup = pinnedLookup('a.test', ['127.0.0.2', '::1']);
    const answers: unknown[] = [];
    const record = (err: unknown, address: unknown, family?: number) => answers.push(err ? (err as NodeJS.ErrnoException).code : [address, family]);
    lookup('a.test', { all: true }, record);
    lookup('a.test', { family: 6 }, record);
    lookup('b.test', {}, record);
    lookup('a.test', { family: 'IPv4', all: true }, record);
    expect(answers).toEqual([
      [
        [
          { address: '127.0.0.2', family: 4 },
          { address: '::1', family: 6 },
        ],
        undefined,
      ],
      ['::1', 6],
      'ENOTFOUND',
      [[{ address: '127.0.0.2', family: 4 }], undefined],
    ]);
  });

  it('keeps the name for TLS: SNI is the URL host while the socket goes to the checked address', async () => {
    const sniNames: string[] = [];
    const locals: string[] = [];
    // No certificate: the handshake fails after the ClientHello, which is all this test reads.
    const tls = createTlsServer({ SNICallback: (servername, cb) => (sniNames.push(servername), cb(new Error('no certificate'))) });
    tls.on('connection', (socket: Socket) => locals.push(socket.localAddress ?? ''));
    tls.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.2', resolve));
    track(tls);
    const { options } = guard({ resolver: names('secure.test') });
    const err = await guardedFetch(`https://secure.test:${(tls.address() as AddressInfo).port}/`, {}, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_upstream_failed' });
    expect(sniNames).toEqual(['secure.test']);
    expect(locals).toEqual(['127.0.0.2']);
  });

  it('sends an IPv6 literal with a bracketed Host', async () => {
    const target = await serve((_req, res) => res.end('v6'), '::1');
    const { options } = guard({ allowCidrs: ['::1/128'], transport: watchedTransport(['::1']).transport });
    const res = await guardedFetch(`http://[::1]:${target.port}/`, {}, options);
    expect(res.body.toString()).toBe('v6');
    expect(target.seen[0]?.headers.host).toBe(`[::1]:${target.port}`);
  });

  it('ignores a caller-supplied Host header', async () => {
    const target = await serve((_req, res) => res.end());
    await guardedFetch(`http://public.test:${target.port}/`, { headers: { Host: 'metadata.google.internal' } }, guard().options);
    expect(target.seen[0]?.headers.host).toBe(`public.test:${target.port}`);
  });

  it('refuses a verdict it did not issue', () => {
    // Loopback and a closed port, so even a broken guard would not reach out.
    const forged = { allowed: true as const, url: new URL('http://x.test:9/'), host: 'x.test', addresses: ['127.0.0.3'] };
    expect(() => openGuardedRequest(forged)).toThrow(TypeError);
  });

  it('gives the proxy a plain ClientRequest: a chunked upload goes out, the response streams back', async () => {
    const target = await serve((_req, res, seen) => res.end(`got ${seen.body.length} bytes via ${seen.method}`));
    const verdict = await checkUrl(`http://public.test:${target.port}/upload`, guard().options);
    if (!verdict.allowed) throw new Error(verdict.detail);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = openGuardedRequest(verdict, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, resolve).on('error', reject);
      req.write('a'.repeat(1000));
      req.end('b'.repeat(24));
    });
    let text = '';
    for await (const chunk of res) text += chunk;
    expect(text).toBe('got 1024 bytes via PUT');
  });
});
