import { spawnSync } from 'node:child_process';
import { startRunWorker, type RunWorker, type WorkerSettings } from '@remit/agents';
import type { Runtime } from './open-runtime.ts';
import { StartupError } from './startup-error.ts';

/** Runs need bubblewrap; say so at start, with the fix, rather than fail every run later. */
function requireBubblewrap(): void {
  const probe = spawnSync('bwrap', ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new StartupError('bubblewrap_missing', undefined, { cause: probe.error });
}

/** Starts a run worker on this runtime's database, sandboxes and model. */
export function startWorker(rt: Runtime, settings: Partial<WorkerSettings> = {}): RunWorker {
  if (rt.config.REMIT_SANDBOX_DRIVER === 'local') requireBubblewrap();
  return startRunWorker({
    db: rt.db,
    orgId: rt.orgId,
    sandboxes: rt.sandboxes,
    modelFor: rt.modelFor,
    logger: rt.logger,
    secrets: rt.secrets,
    resolver: rt.resolver,
    meter: { prices: rt.config.REMIT_MODEL_PRICES, rateLimits: rt.config.REMIT_RATE_LIMITS, maxOutputTokens: rt.config.REMIT_MODEL_MAX_TOKENS },
    settings,
  });
}
