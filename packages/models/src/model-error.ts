import { CodedError, type CodedErrorOptions } from '@remit/core';
/** Every way a model call can fail, as a stable snake_case code a run's reason can carry. */
export const ModelErrorCode = {
  model_throttled: 'model_throttled',
  model_quota_exceeded: 'model_quota_exceeded',
  model_unavailable: 'model_unavailable',
  model_timeout: 'model_timeout',
  model_invalid_request: 'model_invalid_request',
  model_access_denied: 'model_access_denied',
  model_not_found: 'model_not_found',
  model_failed: 'model_failed',
} as const;
export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/** Identifiers an operator can quote to the provider's support; never the provider's message itself. */
export interface ModelErrorDetails {
  /** The provider's own error name (`ThrottlingException`), when it gave one. */
  providerCode?: string;
  httpStatus?: number;
  requestId?: string;
}

const defaultMessages: Record<ModelErrorCode, string> = {
  model_throttled: 'The model provider is limiting calls; try again later.',
  model_quota_exceeded: 'The model provider account has no quota left.',
  model_unavailable: 'The model provider is unavailable; try again later.',
  model_timeout: 'The model did not answer in time.',
  model_invalid_request: 'The model provider refused the request as invalid.',
  model_access_denied: 'The model provider denied access to the model.',
  model_not_found: 'The model provider has no such model.',
  model_failed: 'The model call failed.',
};

/**
 * The one error base of @remit/models. `message` is written by us from a translation table
 * and says what a person can do about it; `retryable` (default false) says whether the same
 * call may succeed later (the provider has already retried it as far as was safe). `cause` is
 * the provider's error, for operators' logs.
 */
export class ModelError extends CodedError<ModelErrorCode, ModelErrorDetails> {
  readonly retryable: boolean;

  constructor(code: ModelErrorCode, message?: string, options?: CodedErrorOptions<ModelErrorDetails> & { retryable?: boolean }) {
    super('ModelError', code, message ?? defaultMessages[code], options);
    this.retryable = options?.retryable ?? false;
  }
}

export function isModelError(err: unknown): err is ModelError {
  return err instanceof ModelError;
}
