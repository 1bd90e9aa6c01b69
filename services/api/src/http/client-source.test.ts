import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientSource, sourceKey } from './client-source.ts';

async function sourceOf(peer: string | undefined, hops: number, forwarded?: string): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.text(clientSource(c, hops)));
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  return (await app.request('/', { headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }, env)).text();
}

describe('clientSource', () => {
  it('is the socket peer unless proxies are trusted; a client cannot choose its source with X-Forwarded-For', async () => {
    expect(await sourceOf('198.51.100.1', 0, '203.0.113.9')).toBe('198.51.100.1');
    expect(await sourceOf(undefined, 0)).toBe('unknown');
  });

  it('behind N trusted proxies, takes the entry the outermost one wrote, not the forgeable ones to its left', async () => {
    expect(await sourceOf('10.0.0.2', 1, '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
    expect(await sourceOf('10.0.0.2', 2, '6.6.6.6, 203.0.113.9, 10.0.0.1')).toBe('203.0.113.9');
    // Fewer entries than trusted hops, or garbage: fall back to the peer.
    expect(await sourceOf('10.0.0.2', 2, '203.0.113.9')).toBe('10.0.0.2');
    expect(await sourceOf('10.0.0.2', 1, 'not-an-address')).toBe('10.0.0.2');
  });

  it('keys IPv6 by /64 in every spelling, and unmaps IPv4-mapped addresses', () => {
    expect(sourceKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('example.com')).toBeUndefined();
  });
});
