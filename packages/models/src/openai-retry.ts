import type { IncomingHttpHeaders } from 'node:http';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Four attempts, 0.5 s doubling to a 20 s cap: a self-hosted server restarting (vLLM loads
 * weights for tens of seconds) or briefly overloaded gets about half a minute to come back.
 */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * The wait before retry number `retry` (1 for the first), or null to stop. "Full jitter" from the
 * AWS Architecture Blog's "Exponential Backoff And Jitter": a random wait up to the capped
 * exponential, so many runs throttled together do not come back together. A server's
 * Retry-After is honoured as given; one longer than the cap ends the retries instead.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number | null {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : null;
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));
}

/**
 * The wait a 429 or 503 asks for: OpenAI's `retry-after-ms`, else RFC 9110 §10.2.3 Retry-After
 * in seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  // All three HTTP-date forms start with the day's name; Date.parse alone would take "-1" as a year.
  const date = /^\s*[A-Z][a-z]{2}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
