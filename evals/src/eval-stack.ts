import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startRunWorker } from '@remit/agents';
import { createLogger } from '@remit/api';
import { withTestApp, type TestApp } from '@remit/api/testing';
import { defaultModelPrices, type CredentialBundle, type ModelPrices, type RateLimits } from '@remit/core';
import type { ModelProvider } from '@remit/models';
import { createLocalDriver, openSandboxSession } from '@remit/sandbox';

/**
 * The stack every scenario runs on, the one the end-to-end tests use: the real API (on a fresh
 * database schema, with the development issuer), one run worker and bubblewrap sandboxes. The
 * model is chosen per run by the run's role, so scenarios sharing the stack each get their
 * own script (or the one live model).
 */
export interface EvalStack {
  app: TestApp;
  /** Every bundle a sandbox was opened with, by run id: what each sandbox was given. */
  bundles: Map<string, CredentialBundle>;
  /** The worker's log lines so far (the API's are app.rawLogs). */
  workerLogs: string[];
  /** Which model a run started as `role` talks to. */
  setModel(role: string, model: ModelProvider): void;
}

// Every scenario's user starts one run, but the whole suite starts its runs within seconds:
// the per-org and per-role buckets must hold a suite's burst (18 runs, ~10 model calls each).
const suiteRateLimits: RateLimits = {
  runs: { org: { capacity: 200, refillPerSecond: 10 }, role: { capacity: 50, refillPerSecond: 5 }, user: { capacity: 10, refillPerSecond: 1 } },
  modelCalls: { org: { capacity: 2000, refillPerSecond: 100 }, role: { capacity: 500, refillPerSecond: 50 }, user: { capacity: 500, refillPerSecond: 50 } },
};

// The suite opens several sandboxes at once, on CI machines shared with other jobs: a sandbox
// that took 10 s (the driver's default) to start there failed its run with not_ready, which
// says nothing about the agent being evaluated (seen at load average 17 on 2 cores).
const SANDBOX_READY_TIMEOUT_MS = 60_000;

/**
 * Runs `fn` on a fresh stack; the database schema, the sandboxes and the worker are gone
 * afterwards. `prices` meter the model's calls (default: the built-in price list).
 */
export async function withEvalStack<T>(fn: (stack: EvalStack) => Promise<T>, options: { concurrency: number; prices?: ModelPrices | undefined }): Promise<T> {
  const stateDir = mkdtempSync(join(tmpdir(), 'remit-evals-'));
  const driver = createLocalDriver({ stateDir });
  const bundles = new Map<string, CredentialBundle>();
  const models = new Map<string, ModelProvider>();
  const workerLogs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      workerLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  try {
    return await withTestApp(
      async (app) => {
        const worker = startRunWorker({
          db: app.db,
          orgId: app.orgId,
          sandboxes: driver,
          openSandbox: (d, o) => {
            if (o.bundle) bundles.set(o.runId, o.bundle);
            return openSandboxSession(d, { ...o, readyTimeoutMs: SANDBOX_READY_TIMEOUT_MS });
          },
          modelFor: (run) => {
            const model = models.get(run.role);
            if (!model) throw new Error(`no model for role ${run.role}`);
            return model;
          },
          logger: createLogger({ level: 'debug', destination }),
          secrets: app.secrets,
          meter: { prices: options.prices ?? defaultModelPrices, rateLimits: suiteRateLimits, maxOutputTokens: 4096 },
          settings: { concurrency: options.concurrency, pollMs: 100, leaseSeconds: 10, maintenance: false },
        });
        try {
          return await fn({ app, bundles, workerLogs, setModel: (role, model) => void models.set(role, model) });
        } finally {
          await worker.stop();
        }
      },
      { rateLimits: suiteRateLimits, sandboxes: driver },
    );
  } finally {
    for (const s of await driver.list()) await driver.destroy(s.id);
    rmSync(stateDir, { recursive: true, force: true });
  }
}
