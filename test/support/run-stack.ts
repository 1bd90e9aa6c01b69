import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRunWorker, type GithubSettings, type RunWorker, type WorkerSettings } from '@remit/agents';
import { createLogger, startPaymentsService } from '@remit/api';
import { withTestApp, type TestApp } from '@remit/api/testing';
import { defaultModelPrices, defaultRateLimits, type ModelPrices, type RateLimits } from '@remit/core';
import type { TestDatabaseOptions } from '@remit/db/testing';
import { createScriptedProvider, type ModelProvider, type ScriptedTurn } from '@remit/models';
import type { CredentialBundle } from '@remit/core';
import { createLocalDriver, openSandboxSession, type SandboxDriver } from '@remit/sandbox';

export const PAYMENTS_READ_TOKEN = 'pay-read-7f3c1e9a5b';
const PAYMENTS_ADMIN_TOKEN = 'pay-admin-2d8b6f4a0c';

export interface RunStack extends TestApp {
  /** The toy payments service on loopback that the seeded connections point at. */
  paymentsUrl: string;
  driver: SandboxDriver;
  /** The driver's state directory, for another process's driver to share. */
  stateDir: string;
  worker: RunWorker;
  /** Every bundle a sandbox was opened with, in order. */
  bundles: CredentialBundle[];
  /** Creates roles/connections/bindings through the admin API. */
  admin(path: string, json: unknown): Promise<Response>;
  startRun(token: string, body: Record<string, unknown>): Promise<string>;
  waitForStatus(runId: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  startWorker(settings?: Partial<WorkerSettings>): RunWorker;
}

/**
 * The whole run path on one machine: the API on a fresh schema, a real bubblewrap driver in a
 * temporary directory and a worker whose model replays `script` (a fake model, named as such).
 */
export async function withRunStack<T>(
  fn: (s: RunStack) => Promise<T>,
  options: TestDatabaseOptions & {
    script: ScriptedTurn[];
    settings?: Partial<WorkerSettings>;
    rateLimits?: RateLimits;
    now?: () => Date;
    prices?: ModelPrices;
    model?: ModelProvider;
    /** The GitHub App the worker reviews as (a fake GitHub's); the webhook secrets the API accepts. */
    github?: GithubSettings;
    webhookSecrets?: string[];
    fallbackRole?: string;
  },
): Promise<T> {
  const stateDir = mkdtempSync(join(tmpdir(), 'remit-e2e-'));
  const driver = createLocalDriver({ stateDir });
  const bundles: RunStack['bundles'] = [];
  const recording: typeof openSandboxSession = (d, o) => {
    if (o.bundle) bundles.push(o.bundle);
    return openSandboxSession(d, o);
  };
  const workers: RunWorker[] = [];
  const payments = await startPaymentsService({ readToken: PAYMENTS_READ_TOKEN, adminToken: PAYMENTS_ADMIN_TOKEN });
  try {
    return await withTestApp(
      async (t) => {
        const startWorker = (settings: Partial<WorkerSettings> = {}) => {
          const w = startRunWorker({
            db: t.db,
            orgId: t.orgId,
            sandboxes: driver,
            openSandbox: recording,
            modelFor: () => options.model ?? createScriptedProvider(options.script, { name: 'e2e' }),
            logger: createLogger({ level: 'silent' }),
            secrets: t.secrets,
            github: options.github,
            meter: {
              prices: options.prices ?? defaultModelPrices,
              rateLimits: options.rateLimits ?? defaultRateLimits,
              maxOutputTokens: 4096,
              ...(options.now ? { now: options.now } : {}),
            },
            settings: { pollMs: 100, leaseSeconds: 5, maintenance: { everyMs: 300 }, ...options.settings, ...settings },
          });
          workers.push(w);
          return w;
        };
        const admin = async (path: string, json: unknown) => t.request(path, { method: 'POST', token: await t.adminToken(), json });
        const stack: RunStack = {
          ...t,
          paymentsUrl: payments.url,
          driver,
          stateDir,
          bundles,
          worker: startWorker(),
          startWorker,
          admin,
          async startRun(token, body) {
            const res = await t.request('/v1/runs', { method: 'POST', token, json: body });
            const json = (await res.json()) as { id?: string; error?: unknown };
            if (res.status !== 202 || !json.id) throw new Error(`run refused: ${res.status} ${JSON.stringify(json)}`);
            return json.id;
          },
          async waitForStatus(runId, statuses, timeoutMs = 20_000) {
            const token = await t.adminToken();
            const deadline = Date.now() + timeoutMs;
            for (;;) {
              const run = (await (await t.request(`/v1/runs/${runId}`, { token })).json()) as Record<string, unknown>;
              if (statuses.includes(String(run.status))) return run;
              if (Date.now() > deadline) throw new Error(`run ${runId} is ${String(run.status)}, not ${statuses.join('|')}`);
              await new Promise((r) => setTimeout(r, 50));
            }
          },
        };
        try {
          return await fn(stack);
        } finally {
          await Promise.all(workers.map((w) => w.stop()));
        }
      },
      { ...options, github: options.webhookSecrets ? { webhookSecrets: options.webhookSecrets, fallbackRole: options.fallbackRole } : undefined },
    );
  } finally {
    await payments.close();
    for (const s of await driver.list()) await driver.destroy(s.id);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Two roles with different reach, as in the demo, against the stack's toy payments service. */
export async function seedRoles(s: RunStack): Promise<void> {
  for (const [name, path, token] of [
    ['payments-api', '', PAYMENTS_READ_TOKEN],
    ['payments-admin', '/admin', PAYMENTS_ADMIN_TOKEN],
  ] as const) {
    const res = await s.admin('/v1/admin/connections', {
      name,
      type: 'http',
      config: { baseUrl: `${s.paymentsUrl}${path}`, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
      secret: { token },
    });
    if (res.status !== 201) throw new Error(`seeding ${name} failed: ${res.status} ${await res.text()}`);
  }
  await s.admin('/v1/admin/roles', {
    name: 'developer',
    connections: ['payments-api'],
    runKinds: ['troubleshoot'],
    limits: { maxDurationSeconds: 60, maxSteps: 8 },
  });
  await s.admin('/v1/admin/roles', { name: 'platform-engineer', connections: ['payments-api', 'payments-admin'], runKinds: ['troubleshoot', 'insight'] });
  await s.admin('/v1/admin/bindings', { role: 'developer', subject: { kind: 'group', group: 'developers' } });
  await s.admin('/v1/admin/bindings', { role: 'platform-engineer', subject: { kind: 'group', group: 'platform' } });
}
