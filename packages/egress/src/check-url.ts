import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, type AddressVerdict } from './classify-address.ts';
import { allowableReasons, blockReasonText, BlockReason } from './special-ranges.ts';

/** Why a URL is refused before any address is looked at. */
export const UrlReason = {
  invalid_url: 'invalid_url',
  unsupported_scheme: 'unsupported_scheme',
  userinfo: 'userinfo',
  empty_host: 'empty_host',
  invalid_host: 'invalid_host',
  localhost: 'localhost',
  dns_failed: 'dns_failed',
  dns_empty: 'dns_empty',
} as const;
export type UrlReason = (typeof UrlReason)[keyof typeof UrlReason];
type VerdictReason = BlockReason | UrlReason;

/**
 * The outcome of checking one URL. An allowed verdict names the addresses that were checked; a
 * request must connect to one of those (openGuardedRequest does) and to nothing it resolves later.
 * A verdict is good for one send: check again on the next.
 */
export type EgressVerdict =
  | { readonly allowed: true; readonly url: URL; readonly host: string; readonly addresses: readonly string[] }
  | { readonly allowed: false; readonly reason: VerdictReason; readonly detail: string; readonly url?: URL; readonly addresses?: readonly string[] };
export type AllowedVerdict = Extract<EgressVerdict, { allowed: true }>;

/** Answers every address for a name; `family` is informational, each address is re-parsed. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export interface CheckUrlOptions {
  /** Default: the system resolver (getaddrinfo via dns.lookup, all answers, in resolver order). */
  resolver?: Resolver;
  /** See ClassifyOptions.allowCidrs. */
  allowCidrs?: readonly string[];
}

const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// Only verdicts made here may open a connection, so no caller can hand-build an "allowed" one.
const issued = new WeakSet<AllowedVerdict>();
export function isIssuedVerdict(verdict: AllowedVerdict): boolean {
  return issued.has(verdict);
}

/**
 * Checks a URL before a request: parses it with the WHATWG parser (which turns every IPv4
 * spelling into dotted decimal), refuses other schemes, userinfo and localhost names, then
 * classifies the literal address or every address the name resolves to. Fails closed.
 */
export async function checkUrl(input: string, options: CheckUrlOptions = {}): Promise<EgressVerdict> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    // The parser's message quotes the URL, whose path or query may hold a secret.
    return refuse(UrlReason.invalid_url, 'The URL does not parse.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse(UrlReason.unsupported_scheme, `Only http and https URLs are allowed, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    return refuse(UrlReason.userinfo, `Remove the user:password@ part from the URL for ${url.host}; put credentials in the connection's secret.`, url);
  }
  // The WHATWG parser already refuses an empty host for http(s); the guard does not rely on it.
  if (url.hostname === '') return refuse(UrlReason.empty_host, 'The URL has no host.', url);
  const literal = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(literal) !== 0) return settle(url, literal, [literal], options);

  // One trailing dot names the same host (RFC 1034 §3.1); any other empty label is malformed.
  const host = url.hostname.replace(/\.$/, '');
  if (host.split('.').includes('')) return refuse(UrlReason.invalid_host, `"${url.hostname}" is not a valid host name.`, url);
  // RFC 6761 §6.3: localhost and its subdomains are this machine, whatever DNS says.
  if (host === 'localhost' || host.endsWith('.localhost')) return refuse(UrlReason.localhost, `${host} is this machine.`, url);
  url.hostname = host;

  let answers: { address: string }[];
  try {
    answers = await (options.resolver ?? systemResolver)(host);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const why = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? ` (${code})` : '';
    return refuse(UrlReason.dns_failed, `${host} did not resolve${why}; check the name.`, url);
  }
  if (answers.length === 0) return refuse(UrlReason.dns_empty, `${host} resolved to no address.`, url);
  return settle(
    url,
    host,
    answers.map((a) => a.address),
    options,
  );
}

/** Allowed only when every address is: a name answering one public and one private address is refused. */
function settle(url: URL, host: string, addresses: readonly string[], options: CheckUrlOptions): EgressVerdict {
  const frozen = Object.freeze([...addresses]);
  for (const address of frozen) {
    const verdict = classifyAddress(address, { allowCidrs: options.allowCidrs ?? [] });
    if (!verdict.allowed) return refuse(verdict.reason, describe(host, address, verdict), url, frozen);
  }
  const allowed: AllowedVerdict = Object.freeze({ allowed: true, url, host, addresses: frozen });
  issued.add(allowed);
  return allowed;
}

// Reasons naming the IPv6 form itself, used when the IPv4 address it carries is public.
const embeddingForms = new Set<BlockReason>([BlockReason.ipv4_mapped, BlockReason.ipv4_translated, BlockReason.ipv4_compatible, BlockReason.six_to_four]);

function describe(host: string, address: string, verdict: Extract<AddressVerdict, { allowed: false }>): string {
  const subject = host === address ? address : `${host} resolves to ${address}, which`;
  const phrase = blockReasonText[verdict.reason];
  if (verdict.embedded !== undefined) {
    return embeddingForms.has(verdict.reason)
      ? `${subject} is ${phrase} carrying ${verdict.embedded}; Remit never connects to this form, use ${verdict.embedded} itself.`
      : `${subject} is an IPv6 form of ${verdict.embedded}, ${phrase}.`;
  }
  if (verdict.reason === BlockReason.metadata) return `${subject} is ${phrase}. Cloud metadata is never reachable, whatever a connection allows.`;
  const hint = allowableReasons.has(verdict.reason) ? ' If this is your own system on a private network, an admin can allow its CIDR on the connection.' : '';
  return `${subject} is ${phrase}.${hint}`;
}

function refuse(reason: VerdictReason, detail: string, url?: URL, addresses?: readonly string[]): EgressVerdict {
  return Object.freeze({ allowed: false, reason, detail, ...(url && { url }), ...(addresses && { addresses }) });
}
