import type { Database } from '@remit/db';
import { appendAudit, type AuditRecord } from './append-audit.ts';

/** One refused request, as the HTTP layer saw it. */
export interface Refusal {
  /** `auth.denied`, `authz.denied`, … */
  action: string;
  /** A fixed reason string (`bad_signature`, `not_admin`, …), never request text. */
  reason: string;
  /** The route template (`/v1/admin/roles/:ref`) or another bounded label, never the raw path. */
  route: string;
  /** The client address (personal data: kept beside the chain, never hashed). */
  source: string;
  actorId: string | null;
  requestId: string;
}

interface RefusalTallyOptions {
  db: Database;
  orgId: string;
  /** Length of one aggregation window; default 60 s. */
  windowMs?: number;
  /** Distinct keys kept per window; past it, new sources share one key per action/reason/route. Default 1,000. */
  maxKeys?: number;
  /** Where write failures are reported (a pino logger fits); entries that fail are kept and retried. */
  log?: { error(fields: object, message: string): void };
  now?: () => Date;
}

interface Tally {
  refusal: Refusal;
  /** Refusals counted and not yet queued for writing (or queued and sent back by a failed write). */
  pending: number;
  from: Date;
  to: Date;
}

/** An entry waiting for the writer. */
interface Queued {
  key: string;
  refusal: Refusal;
  count: number;
  from: Date;
  to: Date;
  requestId: string | null;
}

// One transaction holds the org's audit lock while it appends this many entries at most.
const BATCH = 100;
const OVERFLOW_SOURCE = '*';

/**
 * Counts refusals and writes them to the audit log in aggregate, so a flood of refused
 * requests neither grows the log per request nor takes the org's audit lock per request.
 *
 * Key: action, actor, source, reason and route. The first refusal of a key is queued for
 * writing at once (count 1), so an attack shows up immediately; repeats in the same window
 * are only counted, and each window's end queues one entry per key with that count. A key
 * quiet for a whole window is forgotten, so its next refusal is again written at once. The
 * counts of a key's entries therefore sum to its refusals. Entries are written by one
 * writer, in batches, off the request path: a request never waits on the audit lock.
 *
 * A write that fails puts its counts back into their keys, so while the database is away
 * memory stays bounded by the keys, and the next window's end writes them. The owner must
 * `close()` it at shutdown: that writes what is still counted.
 */
export class RefusalTally {
  readonly #db: Database;
  readonly #orgId: string;
  readonly #maxKeys: number;
  readonly #log: { error(fields: object, message: string): void };
  readonly #now: () => Date;
  readonly #tallies = new Map<string, Tally>();
  #queue: Queued[] = [];
  #writing: Promise<void> | undefined;
  #failures = 0;
  #lastError: unknown;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: RefusalTallyOptions) {
    this.#db = options.db;
    this.#orgId = options.orgId;
    this.#maxKeys = options.maxKeys ?? 1000;
    this.#log = options.log ?? { error: () => undefined };
    this.#now = options.now ?? (() => new Date());
    this.#timer = setInterval(() => this.endWindow(), options.windowMs ?? 60_000);
    this.#timer.unref(); // never what keeps a process alive
  }

  /** Counts one refusal; never waits and never throws. */
  record(refusal: Refusal): void {
    const now = this.#now();
    let key = keyOf(refusal);
    if (!this.#tallies.has(key) && this.#tallies.size >= this.#maxKeys) {
      refusal = { ...refusal, source: OVERFLOW_SOURCE };
      key = keyOf(refusal);
    }
    const tally = this.#tallies.get(key);
    if (tally) {
      if (tally.pending === 0) tally.from = now;
      tally.pending++;
      tally.to = now;
      return;
    }
    this.#tallies.set(key, { refusal, pending: 0, from: now, to: now });
    this.#enqueue({ key, refusal, count: 1, from: now, to: now, requestId: refusal.requestId });
  }

  /** Ends the current window: queues one entry per key with repeats, forgets quiet keys. */
  endWindow(): void {
    for (const [key, tally] of this.#tallies) {
      if (tally.pending === 0) this.#tallies.delete(key);
    }
    this.#queuePending();
  }

  /** Queues every count held and resolves once it is in the audit log; rejects if it cannot be written. */
  async flush(): Promise<void> {
    // Two tries: counts a failed write put back are retried once here.
    for (let attempt = 0; attempt < 2; attempt++) {
      const failuresBefore = this.#failures;
      this.#queuePending();
      while (this.#writing) await this.#writing;
      if (this.#failures === failuresBefore) return;
    }
    throw this.#lastError;
  }

  /**
   * Stops the window timer and writes everything counted. Should the database refuse even
   * that, the counts go to the log instead, so they are never dropped without a trace.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      await this.flush();
    } catch (err) {
      const unwritten = [...this.#tallies.values()]
        .filter((t) => t.pending > 0)
        .map((t) => ({ action: t.refusal.action, actorId: t.refusal.actorId, reason: t.refusal.reason, route: t.refusal.route, count: t.pending }));
      this.#log.error({ err, unwritten }, 'refusal counts could not be written to the audit log');
    }
  }

  #queuePending(): void {
    for (const [key, tally] of this.#tallies) {
      if (tally.pending === 0) continue;
      this.#enqueue({ key, refusal: tally.refusal, count: tally.pending, from: tally.from, to: tally.to, requestId: null });
      tally.pending = 0;
    }
  }

  #enqueue(queued: Queued): void {
    this.#queue.push(queued);
    this.#kick();
  }

  #kick(): void {
    if (this.#writing) return; // the running writer takes what was queued next
    this.#writing = this.#drain().then(() => {
      this.#writing = undefined;
      // Entries queued while the last batch committed would otherwise wait for the next kick.
      if (this.#queue.length > 0) this.#kick();
    });
  }

  // On a failure, stops and puts every queued count back into its key: the next window's end
  // or flush retries, rather than a hot loop against a database that is down.
  async #drain(): Promise<void> {
    await Promise.resolve(); // entries queued in the same tick (a window's end, a flush) share one transaction
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, BATCH);
      try {
        await this.#db.tenant({ orgId: this.#orgId, userId: null }, async (sql) => {
          for (const queued of batch) await appendAudit(sql, toRecord(queued));
        });
      } catch (err) {
        this.#failures++;
        this.#lastError = err;
        this.#log.error({ err, entries: this.#queue.length }, 'refusal audit entries not written yet; they are retried');
        for (const queued of this.#queue.splice(0)) this.#restore(queued);
        return;
      }
      this.#queue.splice(0, batch.length);
    }
  }

  #restore(q: Queued): void {
    let tally = this.#tallies.get(q.key);
    if (!tally) {
      tally = { refusal: q.refusal, pending: 0, from: q.from, to: q.to };
      this.#tallies.set(q.key, tally);
    }
    tally.from = tally.pending === 0 || q.from < tally.from ? q.from : tally.from;
    tally.to = q.to > tally.to ? q.to : tally.to;
    tally.pending += q.count;
  }
}

function keyOf(r: Refusal): string {
  return JSON.stringify([r.action, r.actorId, r.source, r.reason, r.route]);
}

function toRecord(q: Queued): AuditRecord {
  const r = q.refusal;
  return {
    actorId: r.actorId,
    action: r.action,
    outcome: 'denied',
    requestId: q.requestId,
    detail: { reason: r.reason, route: r.route, count: q.count, from: q.from.toISOString(), to: q.to.toISOString() },
    personal: { source: r.source },
  };
}
