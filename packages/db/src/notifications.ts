import type { Sql } from './sql.ts';

/**
 * Push, not poll: what happens to runs is announced with PostgreSQL NOTIFY inside the writing
 * transaction (delivered at commit, never for a rollback), on one channel per schema so
 * deployments and test schemas sharing a server do not wake each other. PGlite delivers the
 * same NOTIFY in process. Subscribers re-read the database when woken; a notification carries
 * no data, so a lost one costs only latency (readers keep a slow safety poll).
 */
const channel = (kind: 'runs' | 'queue', schema: string) => `remit_${kind}_${schema}`;

/** A schema name is an identifier we chose (see migrate.ts); anything else is refused before it reaches LISTEN. */
function channelsFor(schema: string): { runs: string; queue: string } {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) throw new RangeError(`schema "${schema}" cannot name a notification channel`);
  return { runs: channel('runs', schema), queue: channel('queue', schema) };
}

/** What changed about a run: an event was appended, or a cancel was requested. */
type RunChange = 'event' | 'cancel' | 'resync';

/** Announces a cancel request for run `runId` at commit (events announce themselves, see run-events.ts). */
export async function announceCancel(sql: Sql, runId: string): Promise<void> {
  await sql.query(`select pg_notify('remit_runs_' || current_schema(), $1)`, [`${runId}:cancel`]);
}

/** Payload a listener passes when its connection came back: anything may have changed meanwhile. */
export const RESYNC = '*';

/** Announces that a run was queued, so idle workers in any process claim it now. */
export async function announceQueued(sql: Sql): Promise<void> {
  await sql.query(`select pg_notify('remit_queue_' || current_schema(), '')`);
}

/**
 * Subscribes to one channel; resolves once listening, with the function that stops it. A
 * listener that lost its connection calls `onNotify(RESYNC)` once it listens again.
 */
export type Listen = (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>;

export interface Notifications {
  /** Calls `listener` after each committed change to run `runId`; returns the unsubscribe. */
  onRun(runId: string, listener: (change: RunChange) => void): () => void;
  /** Calls `listener` after each committed new run. */
  onQueued(listener: () => void): () => void;
  /** Resolves once both channels are being listened to (subscribing starts them). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One LISTEN per channel for the whole process, fanned out to subscribers in memory: 500 open
 * transcript streams cost one connection and no queries while nothing happens.
 */
export function createNotifications(listen: Listen, schema: string): Notifications {
  const names = channelsFor(schema);
  const byRun = new Map<string, Set<(change: RunChange) => void>>();
  const queued = new Set<() => void>();
  let started: Promise<(() => Promise<void>)[]> | undefined;
  const call = <A extends unknown[]>(listener: (...args: A) => void, ...args: A) => {
    try {
      listener(...args);
    } catch {
      // A subscriber's failure is its own; the others are still told.
    }
  };
  const onRunPayload = (payload: string) => {
    if (payload === RESYNC) {
      for (const set of byRun.values()) for (const listener of set) call(listener, 'resync');
      return;
    }
    const [runId, what] = payload.split(':');
    for (const listener of byRun.get(runId ?? '') ?? []) call(listener, what === 'cancel' ? 'cancel' : 'event');
  };
  // A failed start is forgotten, so the next subscriber tries again instead of inheriting the failure.
  const start = () =>
    (started ??= Promise.all([listen(names.runs, onRunPayload), listen(names.queue, () => queued.forEach((listener) => call(listener)))]).catch(
      (err: unknown) => {
        started = undefined;
        throw err;
      },
    ));
  return {
    onRun(runId, listener) {
      // A failed LISTEN costs latency only (readers keep their safety poll); ready() reports it.
      void start().catch(() => undefined);
      let set = byRun.get(runId);
      if (!set) byRun.set(runId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) byRun.delete(runId);
      };
    },
    onQueued(listener) {
      void start().catch(() => undefined); // as in onRun
      queued.add(listener);
      return () => void queued.delete(listener);
    },
    ready: () => start().then(() => undefined),
    async close() {
      if (!started) return;
      const stops = await started.catch(() => []); // channels that never listened need no stopping
      await Promise.allSettled(stops.map((stop) => stop()));
    },
  };
}
