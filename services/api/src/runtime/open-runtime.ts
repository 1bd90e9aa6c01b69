import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigEnv } from '@remit/core';
import { ensureOrg, migrate, openDatabase, type Database } from '@remit/db';
import { createTokenVerifier, loadOrCreateDevIssuer, remoteJwks } from '@remit/identity';
import type { Logger } from 'pino';
import type { AppDeps } from '../http/deps.ts';
import type { RunRecord } from '@remit/db';
import type { ModelProvider } from '@remit/models';
import type { SandboxDriver } from '@remit/sandbox';
import { LocalVaultStore } from '@remit/secrets';
import { createSandboxDriver } from './local-sandboxes.ts';
import { modelForRun } from './model-for-run.ts';

export interface Runtime extends AppDeps {
  config: ConfigEnv;
  sandboxes: SandboxDriver;
  modelFor: (run: RunRecord) => ModelProvider;
  dataDir: string;
  /** Present only when no external OIDC issuer is configured. */
  devIssuer: Awaited<ReturnType<typeof loadOrCreateDevIssuer>> | undefined;
  close(): Promise<void>;
}

/**
 * Opens everything a process needs: the data directory, the database (migrated), the org and
 * the token verifier. `remit serve` on an empty data directory creates and migrates it here.
 */
export async function openRuntime(config: ConfigEnv, logger: Logger): Promise<Runtime> {
  const dataDir = resolve(config.REMIT_DATA_DIR);
  // Choices that cannot work stop the process before anything is opened.
  const sandboxes = createSandboxDriver(config, dataDir);
  const modelFor = modelForRun(config);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db: Database = await openDatabase({
    dataDir,
    databaseUrl: config.DATABASE_URL,
    ownerUrl: config.DATABASE_OWNER_URL,
    schema: config.REMIT_DB_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  try {
    const report = await migrate(db);
    if (report.applied.length) logger.info({ applied: report.applied }, 'database migrated');
    const { orgId } = await ensureOrg(db, config.REMIT_ORG);
    const secrets = await LocalVaultStore.open({ dataDir, masterKey: config.REMIT_MASTER_KEY });
    const devIssuer = config.REMIT_OIDC_ISSUER ? undefined : await loadOrCreateDevIssuer(dataDir, { audience: config.REMIT_OIDC_AUDIENCE });
    const verifier = devIssuer
      ? createTokenVerifier({ issuer: devIssuer.issuer, audience: devIssuer.audience, algorithm: devIssuer.algorithm, keys: devIssuer.keys })
      : createTokenVerifier({
          issuer: config.REMIT_OIDC_ISSUER!,
          audience: config.REMIT_OIDC_AUDIENCE,
          algorithm: config.REMIT_OIDC_ALG,
          keys: remoteJwks(config.REMIT_OIDC_JWKS_URL!),
          groupsClaim: config.REMIT_OIDC_GROUPS_CLAIM,
        });
    return { config, dataDir, db, orgId, verifier, adminGroup: config.REMIT_ADMIN_GROUP, logger, devIssuer, sandboxes, modelFor, secrets, rateLimits: config.REMIT_RATE_LIMITS, publicUrl: (config.REMIT_PUBLIC_URL ?? `http://${config.REMIT_HOST}:${config.REMIT_PORT}`).replace(/\/$/, ''), close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}
