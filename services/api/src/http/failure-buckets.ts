import type { BucketLimit } from '@remit/db';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * In-memory token buckets of failures per source (a client address). Looking one up costs no
 * I/O, so a flood is turned away before any verification or database work; the price is that
 * each API process keeps its own count. At most `maxSources` buckets are kept: past that, full
 * buckets (sources that have not failed lately) are dropped first, then the oldest.
 *
 * Only failures take tokens; an attempt that succeeds costs nothing. (Taking a token before
 * every attempt and refunding it on success would also bound a burst's in-flight attempts, but
 * measured with 400 concurrent streams from one address it refused valid tokens by the
 * hundred, and behind a proxy every user shares one address.) So a burst sent at once has its
 * in-flight attempts checked before the bucket knows they failed; from then on it is closed.
 */
export class FailureBuckets {
  readonly #limit: BucketLimit;
  readonly #now: () => number;
  readonly #maxSources: number;
  readonly #buckets = new Map<string, Bucket>();

  /** `now` is in milliseconds (tests pass a fake clock); `maxSources` defaults to 10,000. */
  constructor(limit: BucketLimit, options: { now?: () => number; maxSources?: number } = {}) {
    this.#limit = limit;
    this.#now = options.now ?? Date.now;
    this.#maxSources = options.maxSources ?? 10_000;
  }

  /** Seconds until `source` may fail again, or undefined while it still has room. */
  retryAfterSeconds(source: string): number | undefined {
    const tokens = this.#refill(source);
    if (tokens >= 1) return undefined;
    return Math.max(1, Math.ceil((1 - tokens) / this.#limit.refillPerSecond));
  }

  /** Counts one failure against `source`. */
  fail(source: string): void {
    const tokens = this.#refill(source);
    this.#buckets.delete(source); // re-inserted last: Map order is then least recently failed first
    this.#buckets.set(source, { tokens: Math.max(0, tokens - 1), at: this.#now() });
    if (this.#buckets.size > this.#maxSources) this.#evict();
  }

  #refill(source: string): number {
    const bucket = this.#buckets.get(source);
    if (!bucket) return this.#limit.capacity;
    const elapsed = Math.max(0, this.#now() - bucket.at) / 1000;
    return Math.min(this.#limit.capacity, bucket.tokens + elapsed * this.#limit.refillPerSecond);
  }

  // Down to 90% at once, so the scan is paid once per ~maxSources/10 new sources, not per request.
  #evict(): void {
    const target = Math.floor(this.#maxSources * 0.9);
    for (const source of this.#buckets.keys()) {
      if (this.#refill(source) >= this.#limit.capacity) this.#buckets.delete(source);
    }
    for (const source of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(source);
    }
  }
}
