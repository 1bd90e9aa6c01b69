import { isIP } from 'node:net';

/** An IP address as a number, so every spelling of one address compares equal. */
interface IpAddress {
  family: 4 | 6;
  value: bigint;
  /** The IPv6 zone index after `%` (RFC 6874), or null. */
  zone: string | null;
}

export interface Cidr {
  family: 4 | 6;
  /** The network address, host bits cleared. */
  base: bigint;
  prefix: number;
}

const bits = { 4: 32, 6: 128 } as const;

/**
 * Parses a textual address. IPv4 must be strict dotted decimal (node's isIPv4 refuses octal,
 * hex and short forms; the WHATWG URL parser has already turned those into dotted decimal, and a
 * resolver that answers anything else is refused). Returns null for anything that is not an address.
 */
export function parseIp(text: string): IpAddress | null {
  const at = text.indexOf('%');
  const bare = at === -1 ? text : text.slice(0, at);
  const zone = at === -1 ? null : text.slice(at + 1);
  const family = isIP(bare);
  if (family === 4 && zone === null) return { family: 4, value: parseIpv4(bare), zone };
  if (family === 6 && zone !== '') return { family: 6, value: parseIpv6(bare), zone };
  return null;
}

/** Parses `address/prefix`; host bits are cleared, as BlockList does. Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const ip = parseIp(match[1]!);
  const prefix = Number(match[2]);
  if (!ip || ip.zone !== null || prefix > bits[ip.family]) return null;
  const shift = BigInt(bits[ip.family] - prefix);
  return { family: ip.family, base: (ip.value >> shift) << shift, prefix };
}

export function cidrContains(cidr: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  if (cidr.family !== ip.family) return false;
  const shift = BigInt(bits[cidr.family] - cidr.prefix);
  return ip.value >> shift === cidr.base >> shift;
}

/** True when every address of `inner` is inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, { family: inner.family, value: inner.base });
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n);
}

/** Expects text isIP() accepted; expands `::` and a dotted IPv4 tail (RFC 4291 §2.2). */
function parseIpv6(text: string): bigint {
  let hex = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    hex = text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [left = '', right] = hex.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
