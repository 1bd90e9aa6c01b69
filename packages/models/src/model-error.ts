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

/**
 * The one error base of @remit/models. `message` is written by us from a translation table
 * and says what a person can do about it; `retryable` says whether the same call may succeed
 * later (the provider has already retried it as far as was safe). `cause` is the provider's
 * error, for operators' logs.
 */
export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<ModelErrorDetails>;

  constructor(code: ModelErrorCode, message: string, options: { retryable: boolean; details?: ModelErrorDetails; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.code = code;
    this.retryable = options.retryable;
    this.details = options.details ?? {};
  }
}

export function isModelError(err: unknown): err is ModelError {
  return err instanceof ModelError;
}
