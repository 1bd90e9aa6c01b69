import { startRunWorker, type RunWorker, type WorkerSettings } from '@remit/agents';
import { sandboxPort } from './local-sandboxes.ts';
import { systemPrompt } from './model-for-run.ts';
import type { Runtime } from './open-runtime.ts';

/** Starts a run worker on this runtime's database, sandboxes and model. */
export function startWorker(rt: Runtime, settings: Partial<WorkerSettings> = {}): RunWorker {
  return startRunWorker({
    db: rt.db,
    orgId: rt.orgId,
    sandboxes: sandboxPort(rt.sandboxes),
    modelFor: rt.modelFor,
    logger: rt.logger,
    systemPrompt,
    secrets: rt.secrets,
    resolver: rt.resolver,
    meter: { prices: rt.config.REMIT_MODEL_PRICES, rateLimits: rt.config.REMIT_RATE_LIMITS, maxOutputTokens: rt.config.REMIT_MODEL_MAX_TOKENS },
    settings,
  });
}
