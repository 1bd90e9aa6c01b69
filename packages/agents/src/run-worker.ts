import { randomUUID } from 'node:crypto';
import { claimRuns } from '@remit/db';
import { executeRun, type ExecuteRunDeps } from './execute-run.ts';
import { startMaintenance, type MaintenanceSettings } from './maintenance.ts';
import type { AuditCheckpoints } from './audit-checkpoints/open-checkpoints.ts';

export interface WorkerSettings {
  /** Runs one worker process executes at once. */
  concurrency: number;
  /** How long a claim lasts without a heartbeat; a dead worker's runs are taken over after it. */
  leaseSeconds: number;
  /** How often an idle worker looks for queued runs. */
  pollMs: number;
  /** The maintenance jobs' schedule (see maintenance.ts); false leaves maintenance to another process. */
  maintenance: Partial<MaintenanceSettings> | false;
}

const defaultWorkerSettings: WorkerSettings = { concurrency: 4, leaseSeconds: 30, pollMs: 1000, maintenance: {} };

export interface RunWorker {
  readonly id: string;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, waits for the runs in hand to finish. */
  stop(): Promise<void>;
}

/**
 * Claims queued runs (FOR UPDATE SKIP LOCKED, so any number of workers share the table) and
 * runs them; the maintenance jobs (lost runs, stale reservations, orphan sandboxes) run beside
 * it on their own schedule.
 */
export function startRunWorker(
  deps: Omit<ExecuteRunDeps, 'workerId' | 'leaseSeconds' | 'heartbeatMs'> & { settings?: Partial<WorkerSettings>; checkpoints?: AuditCheckpoints | undefined },
): RunWorker {
  const settings = { ...defaultWorkerSettings, ...deps.settings };
  const id = `worker-${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ workerId: id });
  const runDeps: ExecuteRunDeps = {
    ...deps,
    workerId: id,
    leaseSeconds: settings.leaseSeconds,
    heartbeatMs: Math.max(100, (settings.leaseSeconds * 1000) / 3),
  };
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;

  const maintenance =
    settings.maintenance === false
      ? undefined
      : startMaintenance(
          {
            db: deps.db,
            orgId: deps.orgId,
            sandboxes: deps.sandboxes,
            secrets: deps.secrets,
            logger: log,
            checkpoints: deps.checkpoints,
            rateLimits: deps.meter.rateLimits,
          },
          settings.maintenance,
        );
  const tick = async () => {
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

  // A run queued by any process wakes this worker at commit, instead of at its next poll.
  const unsubscribeQueued = deps.db.notifications.onQueued(() => wakeUp?.());
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
      unsubscribeQueued();
      wakeUp?.();
      await loop;
      await Promise.allSettled([...inFlight]);
      await maintenance?.stop();
    },
  };
}
