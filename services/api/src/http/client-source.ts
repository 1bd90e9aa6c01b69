import { isIP } from 'node:net';
import type { Context } from 'hono';

/** What @hono/node-server passes as the env of each request; absent under app.request in tests. */
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/**
 * The client address a request comes from, as the key for per-source limits and audit
 * aggregation: the socket's peer, or with `trustedProxyHops` > 0 the X-Forwarded-For entry
 * written by the outermost trusted proxy (entries further left are the client's to forge).
 * IPv6 clients are keyed by their /64, the block one subscriber holds, so rotating addresses
 * inside it does not make a new source. 'unknown' when there is no address at all.
 */
export function clientSource(c: Context, trustedProxyHops: number): string {
  const peer = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
  if (trustedProxyHops > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => h.trim());
    const forwarded = hops.length >= trustedProxyHops ? hops[hops.length - trustedProxyHops] : undefined;
    const key = forwarded && sourceKey(forwarded);
    if (key) return key;
  }
  return (peer && sourceKey(peer)) || 'unknown';
}

/** An IPv4 address as is (unmapped from ::ffff:), an IPv6 address as its /64; undefined if not an address. */
export function sourceKey(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
