// Redirects, timeouts, size caps and error wording, against loopback servers only. 127.0.0.2
// plays the public host (allowed by an explicit /32); the watched transport refuses anything else.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardedFetch, type GuardedFetchOptions } from './guarded-fetch.ts';
import { fakeResolver, loopbackHarness, watchedTransport } from './test-fakes.ts';

const { serve } = loopbackHarness({ beforeEach, afterEach });
function guard(extra: Partial<GuardedFetchOptions> = {}) {
  const watched = watchedTransport();
  const resolver = fakeResolver({ 'public.test': ['127.0.0.2'], 'other.test': ['127.0.0.2'] });
  return { watched, options: { resolver, allowCidrs: ['127.0.0.2/32'], transport: watched.transport, ...extra } };
}
const redirectTo = (status: number, location: string) => serve((_req, res) => res.writeHead(status, { location }).end());

describe('guardedFetch: every redirect hop is checked before it connects', () => {
  it.each([
    [302, 'http://169.254.169.254/latest/meta-data/', 'metadata'],
    [307, 'http://[::1]/', 'loopback'],
    [301, 'http://0xA9FEA9FE/', 'metadata'],
    [308, 'http://[::ffff:127.0.0.1]:8080/', 'loopback'],
    [303, 'http://localhost/', 'localhost'],
    [302, 'http://10.0.0.1/', 'private'],
  ])('%i → %s is stopped at the hop (%s), nothing opened to it', async (status, location, reason) => {
    const server = await redirectTo(status, location);
    const { watched, options } = guard();
    const err = await guardedFetch(`http://public.test:${server.port}/start`, {}, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_blocked', details: { reason } });
    expect(watched.opened).toEqual([{ host: 'public.test', addresses: ['127.0.0.2'] }]);
  });

  it('refuses a redirect to another scheme', async () => {
    const server = await redirectTo(302, 'file:///etc/passwd');
    const err = await guardedFetch(`http://public.test:${server.port}/`, {}, guard().options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_invalid_url', details: { reason: 'unsupported_scheme' } });
  });

  it('follows 5 redirects and refuses the 6th', async () => {
    const chain = (last: number) =>
      serve((req, res) => {
        const n = Number(req.url?.slice(1));
        if (n < last) res.writeHead(302, { location: `/${n + 1}` }).end();
        else res.end(`arrived at ${n}`);
      });
    const five = await chain(5);
    const ok = await guardedFetch(`http://public.test:${five.port}/0`, {}, guard().options);
    expect(ok.body.toString()).toBe('arrived at 5');
    expect(ok.hops.map((h) => new URL(h).pathname)).toEqual(['/0', '/1', '/2', '/3', '/4', '/5']);
    expect(ok.finalUrl).toBe(`http://public.test:${five.port}/5`);

    const six = await chain(6);
    const { watched, options } = guard();
    const err = await guardedFetch(`http://public.test:${six.port}/0`, {}, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_too_many_redirects' });
    expect(watched.opened).toHaveLength(6);
    expect(six.seen.map((s) => s.path)).toEqual(['/0', '/1', '/2', '/3', '/4', '/5']);
  });

  it('maxRedirects: 0 refuses the first redirect', async () => {
    const server = await redirectTo(302, '/elsewhere');
    const err = await guardedFetch(`http://public.test:${server.port}/`, {}, guard({ maxRedirects: 0 }).options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_too_many_redirects' });
  });

  it('303 and POST-on-302 become a GET without body; 307 keeps method and body', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/303' || req.url === '/302') res.writeHead(Number(req.url.slice(1)), { location: '/done' }).end();
      else if (req.url === '/307') res.writeHead(307, { location: '/done' }).end();
      else res.end();
    });
    for (const [path, method, body] of [
      ['/303', 'GET', ''],
      ['/302', 'GET', ''],
      ['/307', 'POST', '{"a":1}'],
    ] as const) {
      server.seen.length = 0;
      await guardedFetch(
        `http://public.test:${server.port}${path}`,
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' },
        guard().options,
      );
      expect(server.seen[1]).toMatchObject({ method, body, path: '/done' });
      expect(server.seen[1]?.headers['content-type']).toBe(body ? 'application/json' : undefined);
    }
  });

  it('drops credentials on a redirect to another origin, keeps them on the same origin', async () => {
    const other = await serve((_req, res) => res.end());
    const first = await serve((req, res) => res.writeHead(302, { location: req.url === '/same' ? '/landed' : `http://other.test:${other.port}/landed` }).end());
    const headers = { Authorization: 'Bearer sk-live-123', 'X-Api-Key': 'k-456', Cookie: 'session=789', Accept: 'application/json' };
    await guardedFetch(`http://public.test:${first.port}/same`, { headers }, guard().options);
    expect(first.seen[1]?.headers).toMatchObject({ authorization: 'Bearer sk-live-123', 'x-api-key': 'k-456' });
    await guardedFetch(`http://public.test:${first.port}/cross`, { headers }, guard().options);
    expect(other.seen[0]?.headers).toMatchObject({ accept: 'application/json' });
    expect(JSON.stringify(other.seen[0]?.headers)).not.toMatch(/sk-live|k-456|session/);
  });
});

describe('guardedFetch: limits', () => {
  it('times out a server that never answers', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const err = await guardedFetch(`http://public.test:${server.port}/slow`, {}, guard({ timeoutMs: 200 }).options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_timeout', message: `http://public.test:${server.port} did not answer within 200 ms.` });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a body that trickles past the deadline', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200).write('x');
      setTimeout(() => res.end('y'), 1500).unref();
    });
    const err = await guardedFetch(`http://public.test:${server.port}/`, {}, guard({ timeoutMs: 200 }).options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_timeout' });
  });

  it('times out a resolver that hangs', async () => {
    const { options } = guard({ timeoutMs: 100, resolver: () => new Promise(() => undefined) });
    await expect(guardedFetch('http://hang.test/', {}, options)).rejects.toMatchObject({ code: 'egress_timeout' });
  });

  it('refuses a body over the cap, declared or streamed', async () => {
    const declared = await serve((_req, res) => res.writeHead(200, { 'content-length': 2000 }).end('z'.repeat(2000)));
    const streamed = await serve((_req, res) => {
      res.write('z'.repeat(800));
      res.end('z'.repeat(800));
    });
    for (const { port } of [declared, streamed]) {
      const err = await guardedFetch(`http://public.test:${port}/`, {}, guard({ maxBytes: 1000 }).options).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'egress_too_large' });
    }
    const fits = await guardedFetch(`http://public.test:${streamed.port}/`, {}, guard({ maxBytes: 1600 }).options);
    expect(fits.body).toHaveLength(1600);
  });

  it('reports a refused connection as egress_upstream_failed', async () => {
    const server = await serve(() => undefined);
    server.close();
    const err = await guardedFetch(`http://public.test:${server.port}/`, {}, guard().options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'egress_upstream_failed', message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('guardedFetch: errors say why and never carry secrets', () => {
  const secretUrl = 'hooks.test/services/T0/B0/XOXB-SECRET?token=abc123';
  it.each([
    [`http://admin:hunter2@${secretUrl}`, 'egress_invalid_url'],
    [`http://10.0.0.1/services/T0/B0/XOXB-SECRET?token=abc123`, 'egress_blocked'],
    [`http://${secretUrl}`, 'egress_dns_failed'],
  ])('%s → %s', async (url, code) => {
    const err = await guardedFetch(url, { headers: { authorization: 'Bearer sk-live-123' } }, guard().options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, message: expect.any(String) });
    expect(String((err as Error).message)).not.toMatch(/hunter2|XOXB|abc123|sk-live/);
  });
});
