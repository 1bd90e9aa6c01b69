import { RemitError } from '@remit/core';

/** When a refused stream may try again: streams free their slot as soon as they close, so soon. */
const STREAM_RETRY_AFTER_SECONDS = 5;

/**
 * Counts open long-lived responses (transcript streams) per user and in total, in this
 * process. Every open stream polls the database, so without a cap one user could open
 * hundreds and slow every request of everyone (seen: 300–400 streams, /v1/me at 2–22 s).
 */
export class StreamSlots {
  readonly #perUser: number;
  readonly #total: number;
  readonly #byUser = new Map<string, number>();
  #open = 0;

  constructor(limits: { streamsPerUser: number; streamsTotal: number }) {
    this.#perUser = limits.streamsPerUser;
    this.#total = limits.streamsTotal;
  }

  /**
   * Takes a slot for `userId`, or throws `too_many_streams` (429, Retry-After). Returns the
   * release function; calling it more than once releases once.
   */
  acquire(userId: string): () => void {
    const held = this.#byUser.get(userId) ?? 0;
    if (held >= this.#perUser) {
      throw refusal(`You already have ${held} transcript streams open, the most one user may hold; close one first.`);
    }
    if (this.#open >= this.#total) throw refusal('The server has as many transcript streams open as it serves at once.');
    this.#byUser.set(userId, held + 1);
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      const left = (this.#byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.#byUser.set(userId, left);
      else this.#byUser.delete(userId);
    };
  }
}

function refusal(message: string): RemitError {
  return new RemitError('too_many_streams', `${message} Retry in ${STREAM_RETRY_AFTER_SECONDS} s.`, {
    details: { retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS },
  });
}
