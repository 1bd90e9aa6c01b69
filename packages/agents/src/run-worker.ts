import { randomUUID } from 'node:crypto';
import { appendRunEvent, claimRuns, failExpiredLeases, runStatuses, type Database } from '@remit/db';
import { terminalRunStatuses } from '@remit/core';
import type { Logger } from 'pino';
import { executeRun, type ExecuteRunDeps } from './execute-run.ts';
import { sweepStaleReservations } from './model-meter.ts';

export interface WorkerSettings {
  /** Runs one worker process executes at once. */
  concurrency: number;
  /** How long a claim lasts without a heartbeat; a dead worker's runs are taken over after it. */
  leaseSeconds: number;
  /** How often an idle worker looks for queued runs. */
  pollMs: number;
}

export const defaultWorkerSettings: WorkerSettings = { concurrency: 4, leaseSeconds: 30, pollMs: 1000 };

export interface RunWorker {
  readonly id: string;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, waits for the runs in hand to finish. */
  stop(): Promise<void>;
}

/**
 * Claims queued runs (FOR UPDATE SKIP LOCKED, so any number of workers share the table), runs
 * them, and on every poll fails runs whose lease expired and reaps sandboxes whose run is over.
 */
export function startRunWorker(
  deps: Omit<ExecuteRunDeps, 'workerId' | 'leaseSeconds' | 'heartbeatMs'> & { settings?: Partial<WorkerSettings> },
): RunWorker {
  const settings = { ...defaultWorkerSettings, ...deps.settings };
  const id = `worker-${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ workerId: id });
  const runDeps: ExecuteRunDeps = { ...deps, workerId: id, leaseSeconds: settings.leaseSeconds, heartbeatMs: Math.max(100, (settings.leaseSeconds * 1000) / 3) };
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;

  const tick = async () => {
    await reapExpired(deps.db, deps.orgId, log);
    const released = await sweepStaleReservations(deps.db, deps.orgId);
    if (released) log.warn({ released }, 'released model-call reservations a crashed worker left');
    await reapSandboxes(deps, log);
    const room = settings.concurrency - inFlight.size;
    if (room <= 0) return;
    const claimed = await deps.db.tenant({ orgId: deps.orgId, userId: null }, (sql) => claimRuns(sql, id, settings.leaseSeconds, room));
    for (const run of claimed) {
      log.info({ runId: run.id, kind: run.kind, role: run.role }, 'run claimed');
      const p = executeRun(runDeps, run)
        .then((o) => log.info({ runId: run.id, status: o.status, reason: o.reason, steps: o.steps }, 'run ended'))
        .catch((err: unknown) => log.error({ err, runId: run.id }, 'run crashed'))
        .finally(() => {
          inFlight.delete(p);
          wakeUp?.();
        });
      inFlight.add(p);
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await tick();
      } catch (err) {
        log.error({ err }, 'worker tick failed');
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, settings.pollMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  })();

  return {
    id,
    wake: () => wakeUp?.(),
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function reapExpired(db: Database, orgId: string, log: Logger): Promise<void> {
  const lost = await db.tenant({ orgId, userId: null }, async (sql) => {
    const runs = await failExpiredLeases(sql, 50);
    for (const r of runs) await appendRunEvent(sql, r.id, 'status', { status: 'failed', reason: 'worker_lost' });
    return runs;
  });
  for (const r of lost) log.warn({ runId: r.id }, 'run failed: its worker stopped renewing the lease');
}

/** Destroys every sandbox whose run is over or unknown, and clears dead sandboxes' state. */
export async function reapSandboxes(deps: Pick<ExecuteRunDeps, 'db' | 'orgId' | 'sandboxes'>, log?: Logger): Promise<string[]> {
  const live = await deps.sandboxes.list();
  if (live.length === 0) return [];
  const statuses = await deps.db.tenant({ orgId: deps.orgId, userId: null }, (sql) => runStatuses(sql, live.map((s) => s.runId)));
  const reaped: string[] = [];
  for (const s of live) {
    const status = statuses.get(s.runId);
    if (!s.alive || !status || terminalRunStatuses.includes(status)) {
      await deps.sandboxes.destroy(s.id);
      reaped.push(s.id);
      log?.info({ sandboxId: s.id, runId: s.runId, status: status ?? 'unknown', alive: s.alive }, 'sandbox reaped');
    }
  }
  return reaped;
}
