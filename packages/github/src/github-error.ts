import { CodedError, type CodedErrorOptions } from '@remit/core/coded-error';

/** Every way talking to GitHub (or reading what it sent us) can fail, as a stable snake_case code. */
export const GithubErrorCode = {
  unauthorized: 'github_unauthorized',
  forbidden: 'github_forbidden',
  notFound: 'github_not_found',
  validationFailed: 'github_validation_failed',
  rateLimited: 'github_rate_limited',
  unavailable: 'github_unavailable',
  badResponse: 'github_bad_response',
  webhookPayloadInvalid: 'github_webhook_payload_invalid',
  appKeyInvalid: 'github_app_key_invalid',
} as const;
export type GithubErrorCode = (typeof GithubErrorCode)[keyof typeof GithubErrorCode];

const defaultMessages: Record<GithubErrorCode, string> = {
  github_app_key_invalid: "The GitHub App's private key is not a PEM RSA private key (use the .pem file from the App's settings).",
  github_unauthorized: 'GitHub refused the credentials (401).',
  github_forbidden: 'GitHub refused the request: the token lacks a permission or the resource is protected (403).',
  github_not_found: 'GitHub does not know the resource, or the token may not see it (404).',
  github_validation_failed: 'GitHub rejected the request as invalid (422).',
  github_rate_limited: 'GitHub rate-limited the request and retrying did not get through in time.',
  github_unavailable: 'GitHub did not answer successfully (5xx or network failure).',
  github_bad_response: 'GitHub answered with a body we could not read.',
  github_webhook_payload_invalid: 'The webhook payload is not one GitHub sends for this event.',
};

/** Identifiers an operator can quote to GitHub support, and how long GitHub asked us to wait. */
export interface GithubErrorDetails {
  httpStatus?: number;
  /** `x-github-request-id`. */
  requestId?: string;
  /** Seconds GitHub asked us to wait before the next call, when it said. */
  retryAfterSeconds?: number;
  /** GitHub's own `message` (422 only: it names the offending field, never a secret we sent). */
  githubMessage?: string;
  /** GitHub's `errors` array on a 422, verbatim. */
  githubErrors?: unknown[];
  /** Where a malformed webhook payload went wrong (zod issue paths, no values). */
  issues?: string[];
}

/** The one error base of `@remit/github`. Messages are ours, written per code, and safe to show. */
export class GithubError extends CodedError<GithubErrorCode, GithubErrorDetails> {
  constructor(code: GithubErrorCode, message?: string, options?: CodedErrorOptions<GithubErrorDetails>) {
    super('GithubError', code, message ?? defaultMessages[code], options);
  }
}

export function isGithubError(err: unknown): err is GithubError {
  return err instanceof GithubError;
}
