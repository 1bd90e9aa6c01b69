import type { SecretValue } from '../secret-value.ts';

export interface SecretCacheOptions {
  /** How long a value is served without asking Secrets Manager again; 0 turns the cache off. */
  ttlMs: number;
  /** The most values held; the oldest is dropped first. */
  maxEntries: number;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now: () => number;
}

interface Entry {
  value: SecretValue;
  expiresAt: number;
}

/**
 * A small TTL cache of secret values by Secrets Manager name, so an agent run does not call
 * GetSecretValue for every tool call. It bounds staleness, not consistency: a value written by
 * another replica is seen within `ttlMs`; this process's own writes invalidate at once.
 */
export class SecretCache {
  readonly #options: SecretCacheOptions;
  readonly #entries = new Map<string, Entry>();
  /** Bumped by every invalidation, so a read that started before a write does not store its older value. */
  #epoch = 0;

  constructor(options: SecretCacheOptions) {
    this.#options = { ...options };
  }

  get(name: string): SecretValue | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    if (this.#options.now() >= entry.expiresAt) {
      this.#entries.delete(name);
      return undefined;
    }
    return entry.value;
  }

  /** The epoch to pass to `set` once a read started now completes. */
  epoch(): number {
    return this.#epoch;
  }

  /** Stores a value read at `readEpoch`, unless some write invalidated entries since. */
  set(name: string, value: SecretValue, readEpoch: number): void {
    if (this.#options.ttlMs <= 0 || this.#options.maxEntries <= 0 || readEpoch !== this.#epoch) return;
    this.#entries.delete(name); // re-inserting moves it to the end of the Map's insertion order
    while (this.#entries.size >= this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(name, { value, expiresAt: this.#options.now() + this.#options.ttlMs });
  }

  invalidate(name: string): void {
    this.#epoch++;
    this.#entries.delete(name);
  }
}
