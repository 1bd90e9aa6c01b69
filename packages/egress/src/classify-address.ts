import { cidrContains, cidrWithin, formatIpv4, parseCidr, parseIp, type Cidr } from './ip-address.ts';
import { allowableReasons, BlockReason, globalUnicastIpv6, ipv4Ranges, ipv6Ranges, nat64WellKnown } from './special-ranges.ts';

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      reason: BlockReason;
      /** The IPv4 address an IPv6 form carries, when that address decided the verdict. */
      embedded?: string;
    };

interface ClassifyOptions {
  /**
   * CIDRs an admin allows for one connection (a system reached over Direct Connect). An entry
   * counts only inside the one private range it lies within, so `0.0.0.0/0` allows nothing, and
   * it never reaches metadata, link-local or the IPv4-in-IPv6 forms. Entries that do not parse
   * allow nothing.
   */
  allowCidrs?: readonly string[];
}

interface Match {
  reason: BlockReason;
  /** The special range that matched, when an admin may allow part of it; null otherwise. */
  allowableRange: Cidr | null;
  embedded?: string;
}

/** Decides whether a connection to `ip` may be made. Pure; default: no admin allowance. */
export function classifyAddress(ip: string, options: ClassifyOptions = {}): AddressVerdict {
  const parsed = parseIp(ip);
  if (!parsed) return { allowed: false, reason: BlockReason.invalid_address };
  const match = matchSpecialRange(parsed);
  // A zone index only makes sense on a local link (RFC 6874), so a zoned address is never allowed.
  if (parsed.zone !== null) return blocked(match ?? { reason: BlockReason.scoped, allowableRange: null });
  if (!match) return { allowed: true };
  if (match.allowableRange && allowedByAdmin(parsed, match.allowableRange, options.allowCidrs ?? [])) return { allowed: true };
  return blocked(match);
}

/**
 * Checks one admin-entered CIDR before it is saved: it must parse and lie inside one range an
 * admin may allow. Public ranges need no allowance, and a wider one would turn the guard off.
 */
export function validateAllowCidr(text: string): { valid: true } | { valid: false; problem: string } {
  const cidr = parseCidr(text);
  if (!cidr) return { valid: false, problem: `"${text}" is not a CIDR such as 10.20.0.0/16.` };
  const allowable = [...ipv4Ranges, ...ipv6Ranges].filter((r) => allowableReasons.has(r.reason) && r.embedsIpv4At === undefined);
  if (allowable.some((r) => cidrWithin(cidr, r.cidr))) return { valid: true };
  const names = allowable.map((r) => r.text).join(', ');
  return { valid: false, problem: `${text} is not inside one private range an admin may allow (${names}).` };
}

function matchSpecialRange(ip: { family: 4 | 6; value: bigint }): Match | null {
  if (ip.family === 4) {
    const range = ipv4Ranges.find((r) => cidrContains(r.cidr, ip));
    return range ? toMatch(range.reason, range.cidr) : null;
  }
  if (cidrContains(nat64WellKnown, ip)) return matchEmbedded(ip.value & 0xffffffffn, null);
  const range = ipv6Ranges.find((r) => cidrContains(r.cidr, ip));
  if (range?.embedsIpv4At !== undefined) return matchEmbedded((ip.value >> range.embedsIpv4At) & 0xffffffffn, range.reason);
  if (range) return toMatch(range.reason, range.cidr);
  return cidrContains(globalUnicastIpv6, ip) ? null : toMatch(BlockReason.reserved, null);
}

/** An IPv6 form carrying an IPv4 address: the IPv4's own reason wins, else the form's (null: allowed). */
function matchEmbedded(ipv4: bigint, formReason: BlockReason | null): Match | null {
  const embedded = formatIpv4(ipv4);
  const inner = matchSpecialRange({ family: 4, value: ipv4 });
  if (inner) return { reason: inner.reason, allowableRange: null, embedded };
  return formReason === null ? null : { reason: formReason, allowableRange: null, embedded };
}

function toMatch(reason: BlockReason, cidr: Cidr | null): Match {
  return { reason, allowableRange: cidr && allowableReasons.has(reason) ? cidr : null };
}

function allowedByAdmin(ip: { family: 4 | 6; value: bigint }, range: Cidr, allowCidrs: readonly string[]): boolean {
  return allowCidrs.some((text) => {
    const cidr = parseCidr(text);
    return cidr !== null && cidrWithin(cidr, range) && cidrContains(cidr, ip);
  });
}

function blocked(match: Match): AddressVerdict {
  return match.embedded === undefined ? { allowed: false, reason: match.reason } : { allowed: false, reason: match.reason, embedded: match.embedded };
}
