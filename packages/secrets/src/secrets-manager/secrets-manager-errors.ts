import { SecretError, type SecretErrorCode } from '../secret-error.ts';

interface Translation {
  code: SecretErrorCode;
  message: string;
}

const unavailable = (message: string): Translation => ({ code: 'secret_store_unavailable', message });
const throttled = unavailable('Secrets Manager is throttling requests; try again shortly.');
const denied = unavailable("Remit's AWS role may not use this secret in Secrets Manager; check its IAM policy.");
const badCredentials = unavailable('The AWS credentials for Secrets Manager are missing, invalid or expired.');
const keyUnusable: Translation = {
  code: 'secret_key_invalid',
  message: "Secrets Manager cannot use the KMS key for this secret; check that the key exists, is enabled and that Remit's role may use it.",
};
const failed = unavailable('Secrets Manager failed to answer; try again shortly.');
const refused = unavailable('Secrets Manager refused the request.');

/**
 * Every AWS error name the store expects, and what it becomes: the one table for this boundary.
 * AWS messages are never copied, because they name ARNs, account ids and roles; operators get
 * the error name and request id in `details`, which locate the call in CloudTrail.
 * The SDK has already retried throttling and 5xx answers (standard mode, 3 attempts) by the time
 * an error reaches this table.
 */
const TRANSLATIONS: Readonly<Record<string, Translation>> = {
  ResourceNotFoundException: { code: 'secret_not_found', message: 'No secret is stored under that reference.' },
  ThrottlingException: throttled,
  TooManyRequestsException: throttled,
  RequestLimitExceeded: throttled,
  LimitExceededException: unavailable('A Secrets Manager quota is exhausted for this account.'),
  AccessDeniedException: denied,
  AccessDenied: denied,
  UnrecognizedClientException: badCredentials,
  InvalidClientTokenId: badCredentials,
  ExpiredTokenException: badCredentials,
  InvalidSignatureException: badCredentials,
  CredentialsProviderError: badCredentials,
  DecryptionFailure: keyUnusable,
  EncryptionFailure: keyUnusable,
  KMSAccessDeniedException: keyUnusable,
  KMSDisabledException: keyUnusable,
  KMSInvalidStateException: keyUnusable,
  KMSNotFoundException: keyUnusable,
  KMSInvalidKeyUsageException: keyUnusable,
  InternalServiceError: failed,
  InternalFailure: failed,
  ServiceUnavailable: failed,
  ServiceUnavailableException: failed,
  TimeoutError: failed,
  // Also what a secret still being deleted answers (ForceDeleteWithoutRecovery finishes asynchronously).
  InvalidRequestException: refused,
  InvalidParameterException: refused,
};

/** Translates whatever the SDK threw into a SecretError; `ref` is the formatted reference. */
export function translateAwsError(err: unknown, ref: string | undefined): SecretError {
  if (err instanceof SecretError) return err;
  // An error name is an identifier; anything else is not echoed, in case it carries text.
  const name = err instanceof Error && /^[A-Za-z]{1,64}$/.test(err.name) ? err.name : 'unknown';
  const { code, message } = Object.hasOwn(TRANSLATIONS, name) ? TRANSLATIONS[name]! : failed;
  const requestId = (err as { $metadata?: { requestId?: unknown } } | undefined)?.$metadata?.requestId;
  const details: Record<string, unknown> = { awsError: name };
  if (ref !== undefined) details.ref = ref;
  if (typeof requestId === 'string') details.requestId = requestId;
  return new SecretError(code, message, { details });
}
