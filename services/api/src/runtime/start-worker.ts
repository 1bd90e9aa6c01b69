import { spawnSync } from 'node:child_process';
import { startRunWorker, type RunWorker, type WorkerSettings } from '@remit/agents';
import { retentionPeriods, type ConfigEnv } from '@remit/core';
import { pruneRotatedLogs } from '../logging/rotating-log-file.ts';
import { auditCheckpointsFor } from './audit-checkpoints.ts';
import { githubSettingsFrom } from './github-settings.ts';
import type { Runtime } from './open-runtime.ts';
import { StartupError } from './startup-error.ts';

/** Runs need bubblewrap; say so at start, with the fix, rather than fail every run later. */
function requireBubblewrap(): void {
  const probe = spawnSync('bwrap', ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new StartupError('bubblewrap_missing', undefined, { cause: probe.error });
}

/**
 * `remit worker` adds a worker to a database other processes share. Without DATABASE_URL the
 * database is embedded PGlite, which one process owns (and `remit serve` runs a worker in it),
 * so a separate worker is refused before anything is opened.
 */
export function requireSharedDatabase(config: ConfigEnv): void {
  if (!config.DATABASE_URL) throw new StartupError('worker_needs_database_url');
}

/** Starts a run worker on this runtime's database, sandboxes and model; its maintenance applies the configured retention. */
export function startWorker(rt: Runtime, settings: Partial<WorkerSettings> = {}): RunWorker {
  if (rt.config.REMIT_SANDBOX_DRIVER === 'local') requireBubblewrap();
  const retention = { periods: retentionPeriods(rt.config), pruneLogs: (before: Date) => pruneRotatedLogs(rt.dataDir, before) };
  const graphReindex = { intervalSeconds: rt.config.REMIT_GRAPH_REINDEX_HOURS * 3600 };
  const maintenance =
    settings.maintenance === false
      ? false
      : {
          ...settings.maintenance,
          retention: { ...retention, ...settings.maintenance?.retention },
          graphReindex: { ...graphReindex, ...settings.maintenance?.graphReindex },
        };
  return startRunWorker({
    db: rt.db,
    orgId: rt.orgId,
    sandboxes: rt.sandboxes,
    modelFor: rt.modelFor,
    logger: rt.logger,
    secrets: rt.secrets,
    resolver: rt.resolver,
    github: githubSettingsFrom(rt.config),
    meter: { prices: rt.config.REMIT_MODEL_PRICES, rateLimits: rt.config.REMIT_RATE_LIMITS, maxOutputTokens: rt.config.REMIT_MODEL_MAX_TOKENS },
    settings: { ...settings, maintenance },
    checkpoints: auditCheckpointsFor(rt),
  });
}
