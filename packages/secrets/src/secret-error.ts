import { CodedError, type CodedErrorOptions } from '@remit/core';
/** Every way a secret store can fail, as stable snake_case codes. */
export const SecretErrorCode = {
  secret_not_found: 'secret_not_found',
  secret_corrupt: 'secret_corrupt',
  secret_key_invalid: 'secret_key_invalid',
  secret_store_unavailable: 'secret_store_unavailable',
  secret_ref_invalid: 'secret_ref_invalid',
} as const;
export type SecretErrorCode = (typeof SecretErrorCode)[keyof typeof SecretErrorCode];

const defaultMessages: Record<SecretErrorCode, string> = {
  secret_not_found: 'No secret is stored under that reference.',
  secret_corrupt: 'The stored secret failed its integrity check.',
  secret_key_invalid: 'The secret store cannot be opened with this master key.',
  secret_store_unavailable: 'The secret store is unavailable.',
  secret_ref_invalid: 'The secret reference is not valid.',
};

/**
 * The one error base of @remit/secrets. Messages never carry a secret value, a key or any
 * plaintext; `details` (such as `ref`, a formatted reference, not secret) and `cause` are for
 * operators' logs.
 */
export class SecretError extends CodedError<SecretErrorCode> {
  constructor(code: SecretErrorCode, message?: string, options?: CodedErrorOptions) {
    super('SecretError', code, message ?? defaultMessages[code], options);
  }
}
