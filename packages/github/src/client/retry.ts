import { GithubError } from '../github-error.ts';
import { isOctokitFailure, rateLimitWaitSeconds, toGithubError } from './github-failure.ts';

export interface RetryOptions {
  /** Calls in all, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the second attempt after a 5xx; doubles each time. Default 1,000 ms. */
  baseDelayMs?: number;
  /** The longest wait we accept from a rate limit; longer and we give up at once. Default 120,000 ms. */
  maxWaitMs?: number;
  /** Default: a timer. Tests pass a fake that records the waits. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the caller may do between a failed attempt and the next, e.g. find out whether the first one landed. */
export type BeforeRetry<T> = (failure: GithubError) => Promise<T | undefined>;

/**
 * Runs `call` until it succeeds, retrying 5xx/network failures with exponential backoff and rate
 * limits after the wait GitHub asked for; every other failure (401, 403 without a rate limit,
 * 404, 422) is thrown at once as GithubError, since repeating the request cannot change it.
 * `beforeRetry` may answer instead of retrying: a POST whose response was lost may have landed.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}, beforeRetry?: BeforeRetry<T>): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? (() => new Date());
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = toGithubError(err, now());
      let waitMs: number;
      if (failure.code === 'github_rate_limited' && isOctokitFailure(err)) {
        waitMs = (rateLimitWaitSeconds(err, now()) ?? 60) * 1000;
        if (waitMs > maxWaitMs) throw failure;
      } else if (failure.code === 'github_unavailable') {
        waitMs = baseDelayMs * 2 ** (attempt - 1);
      } else {
        throw failure;
      }
      if (attempt >= maxAttempts) throw failure;
      await sleep(waitMs);
      if (beforeRetry && failure.code === 'github_unavailable') {
        const landed = await beforeRetry(failure);
        if (landed !== undefined) return landed;
      }
    }
  }
}
