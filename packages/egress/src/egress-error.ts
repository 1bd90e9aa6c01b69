import { CodedError, type CodedErrorOptions } from '@remit/core';
/** Every way a guarded outbound request can fail, as a stable snake_case code. */
export const EgressErrorCode = {
  egress_invalid_url: 'egress_invalid_url',
  egress_blocked: 'egress_blocked',
  egress_dns_failed: 'egress_dns_failed',
  egress_too_many_redirects: 'egress_too_many_redirects',
  egress_downgrade: 'egress_downgrade',
  egress_timeout: 'egress_timeout',
  egress_too_large: 'egress_too_large',
  egress_upstream_failed: 'egress_upstream_failed',
} as const;
export type EgressErrorCode = (typeof EgressErrorCode)[keyof typeof EgressErrorCode];

const defaultMessages: Record<EgressErrorCode, string> = {
  egress_invalid_url: 'The URL is not an http or https URL Remit can call.',
  egress_blocked: 'The destination is not reachable from Remit.',
  egress_dns_failed: 'The host name did not resolve.',
  egress_too_many_redirects: 'The destination redirected too many times.',
  egress_downgrade: 'The destination redirected from https to plain http.',
  egress_timeout: 'The destination did not answer in time.',
  egress_too_large: 'The response is larger than Remit accepts.',
  egress_upstream_failed: 'The destination could not be reached.',
};

interface EgressErrorDetails {
  /** The verdict reason behind `egress_blocked`, `egress_invalid_url` and `egress_dns_failed`. */
  reason?: string;
}

/**
 * The one error base for the egress package. Messages name at most a scheme, host, port and
 * address, never a path, query or header: webhook URLs carry secrets in their paths, and
 * requests carry credentials in their headers.
 */
export class EgressError extends CodedError<EgressErrorCode, EgressErrorDetails> {
  constructor(code: EgressErrorCode, message?: string, options?: CodedErrorOptions<EgressErrorDetails>) {
    super('EgressError', code, message ?? defaultMessages[code], options);
  }
}

export function isEgressError(err: unknown): err is EgressError {
  return err instanceof EgressError;
}
