import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { activeIssuer, type ConfigEnv } from '@remit/core';
import { checkRequestLogin, DatabaseError, ensureOrg, findOrgId, migrate, openDatabase, pendingMigrations, type Database } from '@remit/db';
import { createTokenVerifier, loadOrCreateDevIssuer, remoteJwks } from '@remit/identity';
import type { Logger } from 'pino';
import type { AppDeps } from '../http/deps.ts';
import { httpDepsFrom } from '../http/http-settings.ts';
import type { RunRecord } from '@remit/db';
import type { ModelProvider } from '@remit/models';
import { createSecretsManagerStore, LocalVaultStore, type SecretStore } from '@remit/secrets';
import { openSandboxDriver, type RunSandboxes } from './local-sandboxes.ts';
import { refuseUnreachableModel } from './model-endpoint.ts';
import { modelForRun, openAuditPersonalKeyring } from '@remit/agents';
import { insightScript } from '../demo/insight-script.ts';
import { reviewScript } from '../demo/review-script.ts';
import { troubleshootScript } from '../demo/troubleshoot-script.ts';
import { StartupError } from './startup-error.ts';

export interface Runtime extends AppDeps {
  config: ConfigEnv;
  sandboxes: RunSandboxes;
  modelFor: (run: RunRecord) => ModelProvider;
  dataDir: string;
  /** Present only when no external OIDC issuer is configured. */
  devIssuer: Awaited<ReturnType<typeof loadOrCreateDevIssuer>> | undefined;
  close(): Promise<void>;
}

/**
 * Opens everything a process needs: the data directory, the database (migrated), the org and
 * the token verifier. `remit serve` on an empty data directory creates and migrates it here.
 * With REMIT_DATABASE_APP_URL alone (no owner login, as the AWS service runs) nothing is
 * migrated or created: the schema and the org must already be there (`remit migrate`).
 */
export async function openRuntime(config: ConfigEnv, logger: Logger): Promise<Runtime> {
  const dataDir = resolve(config.REMIT_DATA_DIR);
  // Choices that cannot work stop the process before anything is opened.
  const modelFor = modelForRun(config, { troubleshoot: troubleshootScript, review: reviewScript, insight: insightScript });
  await refuseUnreachableModel(config, (message) => logger.warn(message));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await openConfiguredDatabase(config, dataDir);
  let opened: Awaited<ReturnType<typeof openSandboxDriver>> | undefined;
  try {
    opened = await openSandboxDriver(config, dataDir, logger);
    const sandboxes = opened.driver;
    const driverClose = opened.close;
    const orgId = requestsOnly(config) ? await checkPreparedDatabase(db, config) : await prepareDatabase(db, config, logger);
    const secrets = await openSecretStore(config, dataDir);
    // From here on every personal audit key is created wrapped by the secret store's key (and older ones are wrapped now).
    await openAuditPersonalKeyring(db, secrets, orgId);
    // The configuration schema already refused a development issuer nobody asked for on a
    // reachable host or a real database; serve's start line says which one is active.
    const devIssuer = activeIssuer(config).kind === 'oidc' ? undefined : await loadOrCreateDevIssuer(dataDir, { audience: config.REMIT_OIDC_AUDIENCE });
    const verifier = devIssuer
      ? createTokenVerifier({
          issuer: devIssuer.issuer,
          audience: devIssuer.audience,
          algorithm: devIssuer.algorithm,
          keys: devIssuer.keys,
          messages: devIssuer.messages,
        })
      : createTokenVerifier({
          issuer: config.REMIT_OIDC_ISSUER!,
          audience: config.REMIT_OIDC_AUDIENCE,
          algorithm: config.REMIT_OIDC_ALG,
          keys: remoteJwks(config.REMIT_OIDC_JWKS_URL!),
          groupsClaim: config.REMIT_OIDC_GROUPS_CLAIM,
        });
    const http = httpDepsFrom(config, { db, orgId, logger });
    // The refusal tally writes its last counts while the database is still open.
    const close = async () => {
      await http.refusals.close();
      await driverClose();
      await db.close();
    };
    return {
      config,
      dataDir,
      db,
      orgId,
      verifier,
      adminGroup: config.REMIT_ADMIN_GROUP,
      logger,
      devIssuer,
      sandboxes,
      modelFor,
      secrets,
      rateLimits: config.REMIT_RATE_LIMITS,
      ...http,
      publicUrl: (config.REMIT_PUBLIC_URL ?? `http://${config.REMIT_HOST}:${config.REMIT_PORT}`).replace(/\/$/, ''),
      close,
    };
  } catch (err) {
    await opened?.close();
    await db.close();
    throw err;
  }
}

/** A database with the owner login: migrate it, check the request login, find or create the org. */
async function prepareDatabase(db: Database, config: ConfigEnv, logger: Logger): Promise<string> {
  const report = await migrate(db);
  if (report.applied.length) logger.info({ applied: report.applied }, 'database migrated');
  await refuseBypassingLogin(db);
  return (await ensureOrg(db, config.REMIT_ORG)).orgId;
}

/** Only the request login is configured: the process has no owner pool and changes no schema. */
function requestsOnly(config: ConfigEnv): boolean {
  return !config.DATABASE_URL && config.REMIT_DATABASE_APP_URL !== undefined;
}

/**
 * A requests-only database, checked as the request login: the schema at this code's version
 * or newer, the login unable to get past row-level security, and the org REMIT_ORG there.
 */
async function checkPreparedDatabase(db: Database, config: ConfigEnv): Promise<string> {
  const pending = await pendingMigrations(db);
  if (pending.length) {
    throw new StartupError(
      'schema_behind',
      `the database schema ${db.schema} lacks ${pending.length} migration(s) this release needs (up to ${pending.at(-1)}); run \`remit migrate\` with DATABASE_URL (the owner) first`,
    );
  }
  await refuseBypassingLogin(db);
  const orgId = await findOrgId(db, config.REMIT_ORG);
  if (orgId === undefined) {
    throw new StartupError(
      'org_missing',
      `the org ${JSON.stringify(config.REMIT_ORG)} (REMIT_ORG) is not in the database schema ${db.schema}; run \`remit migrate\` with REMIT_ORG=${config.REMIT_ORG} and DATABASE_URL (the owner) first`,
    );
  }
  return orgId;
}

/**
 * The database, or a one-line StartupError: DATABASE_URL that cannot be reached (named, with
 * where it points), or embedded PGlite another process owns (named by pid, with the fix).
 */
async function openConfiguredDatabase(config: ConfigEnv, dataDir: string): Promise<Database> {
  try {
    return await openDatabase({
      dataDir,
      ownerUrl: config.DATABASE_URL,
      appUrl: config.REMIT_DATABASE_APP_URL,
      schema: config.REMIT_DB_SCHEMA,
      poolSize: config.DATABASE_POOL_SIZE,
    });
  } catch (err) {
    if (err instanceof DatabaseError && err.code !== 'owner_unavailable')
      throw new StartupError(err.code, err.message, { cause: err, ...(err.details ? { details: { ...err.details } } : {}) });
    throw err;
  }
}

/**
 * Requests must not be able to switch row-level security off, so a request login that could
 * stops the process before it serves anything; `remit doctor` prints the same findings.
 */
async function refuseBypassingLogin(db: Database): Promise<void> {
  let report: Awaited<ReturnType<typeof checkRequestLogin>>;
  try {
    report = await checkRequestLogin(db);
  } catch (err) {
    throw new StartupError(
      'request_login_unchecked',
      `the request login (REMIT_DATABASE_APP_URL; default: DATABASE_URL as remit_app) could not be checked: ${(err as Error).message}; set REMIT_DATABASE_APP_URL, then run bin/remit doctor`,
      { cause: err },
    );
  }
  if (report.problems.length === 0) return;
  throw new StartupError(
    'request_login_unsafe',
    `refusing to serve requests as database login ${report.login}: ${report.problems.map((p) => `${p.detail} (${p.code})`).join('; ')}. Run bin/remit doctor for the fix`,
  );
}

/** The configured secret store: the vault in the data directory, or Secrets Manager under the stack's KMS key. */
async function openSecretStore(config: ConfigEnv, dataDir: string): Promise<SecretStore> {
  if (config.REMIT_SECRET_STORE === 'local') return LocalVaultStore.open({ dataDir, masterKey: config.REMIT_MASTER_KEY });
  return createSecretsManagerStore({
    namePrefix: config.REMIT_SECRETS_NAME_PREFIX,
    kmsKeyId: config.REMIT_SECRETS_KMS_KEY_ID!,
    cacheTtlMs: config.REMIT_SECRETS_CACHE_TTL_MS,
    ...(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
  });
}
