import { appendRunEvent, failExpiredLeases, runStatuses, type Database } from '@remit/db';
import { defaultRateLimits, terminalRunStatuses, type RateLimits, type RunStatus } from '@remit/core';
import type { SandboxDriver, SandboxInfo } from '@remit/sandbox';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import { sweepSecretOrphans } from './connections/sealed-secrets.ts';
import { sweepStaleReservations } from './model-meter.ts';
import { retentionJob, type RetentionSchedule } from './retention/retention-job.ts';
import { graphReindexJob, queueIndexRun, type ReindexSchedule } from './graph/reindex-job.ts';
import { checkpointAudit } from './audit-checkpoints/checkpoint-job.ts';
import type { AuditCheckpoints } from './audit-checkpoints/open-checkpoints.ts';
import { fireDueInsightJobs } from './insights/insight-scheduler.ts';

interface MaintenanceDeps {
  db: Database;
  orgId: string;
  sandboxes: SandboxDriver;
  secrets: SecretStore;
  logger: Logger;
  /** Signed audit checkpoints; absent: none are written. */
  checkpoints?: AuditCheckpoints | undefined;
  /** The clock retention judges ages by and insight jobs fall due by (tests); default the real one. */
  now?: () => Date;
  /** The limits scheduled insight runs start under; default defaultRateLimits. */
  rateLimits?: RateLimits | undefined;
}

export interface MaintenanceSettings {
  /** How often the jobs run; each is idempotent, so every replica may run them. */
  everyMs: number;
  /** Retention's periods and schedule (see retention/retention-job.ts); default 90 days, hourly. */
  retention: RetentionSchedule;
  /** How often indexed repositories are indexed again (see graph/reindex-job.ts); default daily. */
  graphReindex: ReindexSchedule;
}

const defaultMaintenanceSettings: MaintenanceSettings = { everyMs: 5000, retention: {}, graphReindex: {} };

/**
 * One maintenance job: small, idempotent and safe to run on every replica at once. Retention
 * jobs join this list.
 */
interface MaintenanceJob {
  name: string;
  run(deps: MaintenanceDeps): Promise<void>;
}

const jobs: readonly MaintenanceJob[] = [
  { name: 'fail_lost_runs', run: failLostRuns },
  { name: 'sweep_reservations', run: sweepReservations },
  { name: 'reap_sandboxes', run: async (deps) => void (await reapSandboxes(deps, deps.logger)) },
  { name: 'sweep_secret_orphans', run: sweepSecrets },
  { name: 'checkpoint_audit', run: checkpointAudit },
  { name: 'fire_insight_jobs', run: fireInsightJobs },
];

interface Maintenance {
  /** Runs every job once now (tests, and a worker's first pass). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the maintenance jobs on their own schedule, apart from the claim loop: a slow reaper
 * must not delay claiming, and claiming must not be the only thing that makes maintenance run.
 * A failing job is logged and the others still run.
 */
export function startMaintenance(deps: MaintenanceDeps, settings: Partial<MaintenanceSettings> = {}): Maintenance {
  const { everyMs, retention, graphReindex } = { ...defaultMaintenanceSettings, ...settings };
  const log = deps.logger.child({ component: 'maintenance' });
  // Retention keeps its own schedule (hourly) inside the rounds, so it is built per instance; so does the re-index.
  const reindex = graphReindexJob(queueIndexRun({ rateLimits: deps.rateLimits ?? defaultRateLimits, now: deps.now }), graphReindex);
  const allJobs: readonly MaintenanceJob[] = [...jobs, retentionJob(retention), reindex];
  let running: Promise<void> = Promise.resolve();
  const runOnce = () =>
    (running = running.then(async () => {
      for (const job of allJobs) {
        try {
          await job.run({ ...deps, logger: log });
        } catch (err) {
          log.error({ err, job: job.name }, 'maintenance job failed; it runs again at the next pass');
        }
      }
    }));
  void runOnce();
  const timer = setInterval(() => void runOnce(), everyMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Fails runs whose worker stopped renewing the lease: resuming could repeat a tool call's side effects. */
async function failLostRuns(deps: MaintenanceDeps): Promise<void> {
  const lost = await deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
    const runs = await failExpiredLeases(sql, 50);
    for (const r of runs) await appendRunEvent(sql, r.id, 'status', { status: 'failed', reason: 'worker_lost' });
    return runs;
  });
  for (const r of lost) deps.logger.warn({ runId: r.id }, 'run failed: its worker stopped renewing the lease');
}

async function sweepReservations(deps: MaintenanceDeps): Promise<void> {
  const released = await sweepStaleReservations(deps.db, deps.orgId);
  if (released) deps.logger.warn({ released }, 'released model-call reservations a crashed worker left');
}

/** Queues a run for each insight job that is due (insights/insight-scheduler.ts: once per job and due time, whatever the replicas). */
async function fireInsightJobs(deps: MaintenanceDeps): Promise<void> {
  const fired = await fireDueInsightJobs(deps);
  if (fired.queued || fired.refused) deps.logger.info(fired, 'insight jobs fired');
}

/** Deletes sealed secrets nothing refers to: left by a failed save, a delete the vault refused, or a crash in between. */
async function sweepSecrets(deps: MaintenanceDeps): Promise<void> {
  const swept = await sweepSecretOrphans(deps, (fn) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn));
  if (swept.deleted) deps.logger.info({ deleted: swept.deleted }, 'deleted sealed secrets that nothing refers to');
}

/**
 * Destroys every sandbox that is truly orphaned, and clears dead sandboxes' state: a run's
 * sandbox whose run is over or unknown, and a throwaway sandbox (`remit sandbox exec`, which
 * serves no run) whose owning process is gone. A throwaway whose owner still runs is left alone,
 * so a server's reaper never kills another process's command.
 */
export async function reapSandboxes(deps: Pick<MaintenanceDeps, 'db' | 'orgId' | 'sandboxes'>, log?: Logger): Promise<string[]> {
  const live = await deps.sandboxes.list();
  if (live.length === 0) return [];
  const forRuns = live.filter((s) => s.throwaway === undefined);
  const statuses = forRuns.length
    ? await deps.db.tenant({ orgId: deps.orgId, userId: null }, (sql) =>
        runStatuses(
          sql,
          forRuns.map((s) => s.runId),
        ),
      )
    : new Map<string, RunStatus>();
  const reaped: string[] = [];
  for (const s of live) {
    const why = orphaned(s, statuses.get(s.runId));
    if (why === undefined) continue;
    await deps.sandboxes.destroy(s.id);
    reaped.push(s.id);
    log?.info({ sandboxId: s.id, runId: s.runId, alive: s.alive, ...why }, 'sandbox reaped');
  }
  return reaped;
}

/** Why a sandbox is an orphan (for the log line), or undefined when something still owns it. */
function orphaned(s: SandboxInfo, status: RunStatus | undefined): Record<string, unknown> | undefined {
  if (s.throwaway) return s.alive && s.throwaway.ownerRunning ? undefined : { ownerPid: s.throwaway.ownerPid, ownerRunning: s.throwaway.ownerRunning };
  if (s.alive && status !== undefined && !terminalRunStatuses.includes(status)) return undefined;
  return { status: status ?? 'unknown' };
}
