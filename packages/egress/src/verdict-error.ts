import type { EgressVerdict, UrlReason } from './check-url.ts';
import { EgressError, type EgressErrorCode } from './egress-error.ts';

// Every URL-level reason maps to a code here; every address reason is `egress_blocked`.
const urlReasonCodes: Record<UrlReason, EgressErrorCode> = {
  invalid_url: 'egress_invalid_url',
  unsupported_scheme: 'egress_invalid_url',
  userinfo: 'egress_invalid_url',
  empty_host: 'egress_invalid_url',
  invalid_host: 'egress_invalid_url',
  localhost: 'egress_blocked',
  dns_failed: 'egress_dns_failed',
  dns_empty: 'egress_dns_failed',
};

/** The error for a refused verdict: its code, the verdict's detail as message, the reason kept. */
export function verdictError(verdict: Extract<EgressVerdict, { allowed: false }>): EgressError {
  const code = Object.hasOwn(urlReasonCodes, verdict.reason) ? urlReasonCodes[verdict.reason as UrlReason] : 'egress_blocked';
  return new EgressError(code, verdict.detail, { details: { reason: verdict.reason } });
}
