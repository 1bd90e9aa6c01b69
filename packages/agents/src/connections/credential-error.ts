/** Every way minting a connection's short-lived credentials can fail, as a stable snake_case code. */
export const CredentialErrorCode = {
  aws_assume_role_failed: 'aws_assume_role_failed',
  github_app_token_failed: 'github_app_token_failed',
} as const;
export type CredentialErrorCode = (typeof CredentialErrorCode)[keyof typeof CredentialErrorCode];

/** Identifiers an operator can quote to AWS or GitHub support; never a message from the other side. */
export interface CredentialErrorDetails {
  /** The provider's own error code (`AccessDenied`) or HTTP status, when it gave one. */
  providerCode?: string;
  httpStatus?: number;
  requestId?: string;
}

/**
 * The one error base for credential providers. `reason` is written by us from a translation
 * table and is safe to show an admin or a transcript. The provider's error is deliberately not
 * kept as `cause`: its message may echo the request (an external id, a key id) and `cause` is
 * logged, so only the identifiers in `details` survive.
 */
export class CredentialError extends Error {
  readonly code: CredentialErrorCode;
  readonly reason: string;
  readonly details: Readonly<CredentialErrorDetails>;

  constructor(code: CredentialErrorCode, reason: string, details: CredentialErrorDetails = {}) {
    super(reason);
    this.name = 'CredentialError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function isCredentialError(err: unknown): err is CredentialError {
  return err instanceof CredentialError;
}
