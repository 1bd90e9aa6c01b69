// A worker in its own process, for the kill -9 test: it claims the queued run, starts its
// sandbox and sits in a long tool call until the test kills it.
import { startRunWorker } from '@remit/agents';
import { createLogger } from '@remit/api';
import { defaultModelPrices, defaultRateLimits } from '@remit/core';
import { openPgDatabase } from '@remit/db/testing';
import { createScriptedProvider } from '@remit/models';
import { createLocalDriver } from '@remit/sandbox';
import { LocalVaultStore } from '@remit/secrets';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const db = openPgDatabase({ ownerUrl: env('WORKER_OWNER_URL'), appUrl: env('WORKER_APP_URL'), schema: env('WORKER_SCHEMA'), poolSize: 2 });
startRunWorker({
  db,
  orgId: env('WORKER_ORG_ID'),
  sandboxes: createLocalDriver({ stateDir: env('WORKER_STATE_DIR') }),
  modelFor: () => createScriptedProvider([{ toolCalls: [{ name: 'exec', input: { command: ['sleep', '120'], timeoutMs: 120_000 } }] }], { name: 'hang' }),
  logger: createLogger({ level: 'silent' }),
  secrets: await LocalVaultStore.open({ dataDir: env('WORKER_STATE_DIR') }),
  meter: { prices: defaultModelPrices, rateLimits: defaultRateLimits, maxOutputTokens: 4096 },
  settings: { pollMs: 100, leaseSeconds: 2, maintenance: { everyMs: 300 } },
});
process.stdout.write('worker started\n');
