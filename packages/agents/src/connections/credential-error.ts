import { CodedError, type CodedErrorOptions } from '@remit/core';
/** Every way minting a connection's short-lived credentials can fail, as a stable snake_case code. */
type CredentialErrorCode = 'aws_assume_role_failed' | 'github_app_token_failed';

const defaultMessages: Record<CredentialErrorCode, string> = {
  aws_assume_role_failed: "AWS STS did not issue credentials for the connection's role.",
  github_app_token_failed: "GitHub did not issue an installation token for the connection's app.",
};

/** Identifiers an operator can quote to AWS or GitHub support; never a message from the other side. */
interface CredentialErrorDetails {
  /** The provider's own error code (`AccessDenied`) or HTTP status, when it gave one. */
  providerCode?: string;
  httpStatus?: number;
  requestId?: string;
}

/**
 * The one error base for credential providers. `message` is written by us from a translation
 * table and is safe to show an admin or a transcript. The provider's error is deliberately not
 * passed as `cause`: its message may echo the request (an external id, a key id) and `cause` is
 * logged, so only the identifiers in `details` survive.
 */
export class CredentialError extends CodedError<CredentialErrorCode, CredentialErrorDetails> {
  constructor(code: CredentialErrorCode, message?: string, options?: CodedErrorOptions<CredentialErrorDetails>) {
    super('CredentialError', code, message ?? defaultMessages[code], options);
  }
}

export function isCredentialError(err: unknown): err is CredentialError {
  return err instanceof CredentialError;
}
