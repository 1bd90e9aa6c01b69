import { parseCidr, type Cidr } from './ip-address.ts';

/** Why an address is refused. Stable snake_case; shown to admins and written to the audit log. */
export const BlockReason = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  cgnat: 'cgnat',
  link_local: 'link_local',
  metadata: 'metadata',
  ietf_protocol: 'ietf_protocol',
  documentation: 'documentation',
  benchmarking: 'benchmarking',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  discard: 'discard',
  unique_local: 'unique_local',
  site_local: 'site_local',
  ipv4_mapped: 'ipv4_mapped',
  ipv4_translated: 'ipv4_translated',
  ipv4_compatible: 'ipv4_compatible',
  nat64_local: 'nat64_local',
  six_to_four: 'six_to_four',
  teredo: 'teredo',
  srv6_sid: 'srv6_sid',
  scoped: 'scoped',
  invalid_address: 'invalid_address',
} as const;
export type BlockReason = (typeof BlockReason)[keyof typeof BlockReason];

/** How each reason reads in a sentence ("… is <phrase>"). */
export const blockReasonText: Record<BlockReason, string> = {
  unspecified: 'the unspecified address ("this host")',
  loopback: 'a loopback address (this machine)',
  private: 'a private address (RFC 1918)',
  cgnat: 'a carrier-grade NAT address (RFC 6598)',
  link_local: 'a link-local address',
  metadata: 'a cloud metadata address',
  ietf_protocol: 'an IETF protocol assignment, not a server',
  documentation: 'a documentation-only address',
  benchmarking: 'a benchmarking address (RFC 2544)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address, not global unicast',
  discard: 'a discard-only prefix',
  unique_local: 'a unique-local IPv6 address (RFC 4193)',
  site_local: 'a deprecated site-local IPv6 address',
  ipv4_mapped: 'an IPv4-mapped IPv6 address',
  ipv4_translated: 'an IPv4-translated IPv6 address',
  ipv4_compatible: 'a deprecated IPv4-compatible IPv6 address',
  nat64_local: 'a local-use NAT64 address',
  six_to_four: 'a 6to4 address',
  teredo: 'a Teredo tunnel address',
  srv6_sid: 'an SRv6 segment identifier',
  scoped: 'an address with a zone index, which only names a local link',
  invalid_address: 'not a valid IP address',
};

/**
 * Reasons an admin's `allowCidrs` can override: networks a customer may really run a system in
 * (Direct Connect, VPN, a tunnel on the host). Everything else is never reachable: metadata and the
 * whole link-local range (RFC 3927 reserves it for one link, and every cloud serves credentials
 * there), "this host", multicast and broadcast, and the IPv6 forms that embed an IPv4 address.
 */
export const allowableReasons: ReadonlySet<BlockReason> = new Set([
  BlockReason.loopback,
  BlockReason.private,
  BlockReason.cgnat,
  BlockReason.unique_local,
  BlockReason.benchmarking,
]);

interface SpecialRange {
  /** As written in the registry, for messages. */
  text: string;
  cidr: Cidr;
  reason: BlockReason;
  /**
   * For IPv6 prefixes that carry an IPv4 address: how far to shift it down to read it. A blocked
   * embedded address reports its own reason (metadata, loopback, …); `reason` covers the rest.
   */
  embedsIpv4At?: bigint;
}

function range(text: string, reason: BlockReason, extra: Partial<SpecialRange> = {}): SpecialRange {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`bad built-in range ${text}`);
  return { text, cidr, reason, ...extra };
}

/**
 * IPv4, first match wins: IANA IPv4 Special-Purpose Address Registry (RFC 6890) plus multicast
 * (RFC 5771) and cloud metadata endpoints, which come first because they sit inside ranges an
 * admin may allow (CGNAT) or in public space (Azure).
 */
export const ipv4Ranges: readonly SpecialRange[] = [
  range('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OCI, OpenStack instance metadata
  range('169.254.170.2/32', 'metadata'), // ECS task credentials
  range('100.100.100.200/32', 'metadata'), // Alibaba Cloud, inside CGNAT space
  range('168.63.129.16/32', 'metadata'), // Azure WireServer: public space, answers only the host's VMs
  range('0.0.0.0/8', 'unspecified'), // RFC 1122 §3.2.1.3; Linux connects 0.0.0.0 to the local host
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link_local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'ietf_protocol'), // RFC 6890 §2.2.2: DS-Lite, PCP, NAT64 discovery
  range('192.0.2.0/24', 'documentation'), // RFC 5737
  range('192.88.99.0/24', 'reserved'), // RFC 7526: deprecated 6to4 relay anycast
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'), // RFC 919; before 240/4, which contains it
  range('240.0.0.0/4', 'reserved'), // RFC 1112 §4
];

/**
 * IPv6, first match wins: IANA IPv6 Special-Purpose Address Registry. Addresses outside
 * 2000::/3 that match nothing here are refused as `reserved` (IANA IPv6 Address Space registry:
 * only 2000::/3 is allocated as global unicast).
 */
export const ipv6Ranges: readonly SpecialRange[] = [
  range('::/128', 'unspecified'), // RFC 4291 §2.5.2
  range('::1/128', 'loopback'), // RFC 4291 §2.5.3
  range('::ffff:0:0/96', 'ipv4_mapped', { embedsIpv4At: 0n }), // RFC 4291 §2.5.5.2
  range('::ffff:0:0:0/96', 'ipv4_translated', { embedsIpv4At: 0n }), // RFC 2765 §2.1 (SIIT)
  // RFC 4291 §2.5.5.1 deprecates these; the WHATWG parser writes [::127.0.0.1] as [::7f00:1].
  range('::/96', 'ipv4_compatible', { embedsIpv4At: 0n }),
  // RFC 8215: where the IPv4 sits depends on the operator's prefix length, so we cannot read it.
  range('64:ff9b:1::/48', 'nat64_local'),
  range('100::/64', 'discard'), // RFC 6666
  range('100:0:0:1::/64', 'discard'), // RFC 9780 dummy prefix
  range('2001::/32', 'teredo'), // RFC 4380: the embedded addresses are obfuscated; never needed
  range('2001::/23', 'ietf_protocol'), // RFC 2928
  range('2001:db8::/32', 'documentation'), // RFC 3849
  // RFC 3056 §2 puts the IPv4 in bits 16-47; RFC 7526 deprecated the relays, so even a public
  // embedded address is refused: it buys nothing and keeps one more path to an IPv4 host.
  range('2002::/16', 'six_to_four', { embedsIpv4At: 80n }),
  range('3fff::/20', 'documentation'), // RFC 9637
  range('5f00::/16', 'srv6_sid'), // RFC 9602
  range('fd00:ec2::/32', 'metadata'), // AWS instance services (IMDS at fd00:ec2::254), inside ULA
  range('fc00::/7', 'unique_local'),
  range('fe80::/10', 'link_local'), // RFC 4291 §2.5.6; OpenStack serves metadata on fe80::a9fe:a9fe
  range('fec0::/10', 'site_local'), // RFC 3879
  range('ff00::/8', 'multicast'), // RFC 4291 §2.7
];

export const globalUnicastIpv6 = range('2000::/3', 'reserved').cidr;

/**
 * NAT64 well-known prefix (RFC 6052 §2.1), the low 32 bits being the IPv4 address. DNS64 answers
 * it in IPv6-only subnets (AWS among them), so it is judged by the embedded IPv4 alone: a public
 * one passes, anything else is refused with the IPv4 address's own reason.
 */
export const nat64WellKnown = range('64:ff9b::/96', 'reserved').cidr;
