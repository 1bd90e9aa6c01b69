import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** First wait (default 200 ms), doubled per attempt with full jitter, capped at maxDelayMs (default 5 s). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts before the last error is thrown (default 6); ignored with `forever`. */
  maxAttempts: number;
  /** Retry retryable errors until the call succeeds (StopTask: a task must end up stopped). */
  forever: boolean;
  /** The wait itself; tests pass one that returns at once. */
  sleep: (ms: number) => Promise<unknown>;
  /** Which errors are worth another attempt (default isRetryable). */
  retryable: (err: unknown) => boolean;
}

/** Errors that say "later", not "no": throttling, ECS's own failures, and answers lost on the way. */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServerException',
  'ServiceUnavailableException',
  'InternalServerError',
  'TimeoutError',
  'RequestTimeout',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN']);

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const meta = (err as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string }).$metadata;
  return (
    RETRYABLE_NAMES.has(err.name) ||
    RETRYABLE_CODES.has((err as { code?: string }).code ?? '') ||
    (err as { $retryable?: unknown }).$retryable !== undefined ||
    (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500)
  );
}

/** Runs `call` until it succeeds or fails for good; the client's own retries come first, these are on top for throttling storms. */
export async function withBackoff<T>(call: () => Promise<T>, options: Partial<BackoffOptions> = {}): Promise<T> {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5000;
  const attempts = options.maxAttempts ?? 6;
  const retryable = options.retryable ?? isRetryable;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!retryable(err) || (!options.forever && attempt >= attempts)) throw err;
      await wait(Math.random() * Math.min(cap, base * 2 ** (attempt - 1)));
    }
  }
}
