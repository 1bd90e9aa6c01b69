import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { defaultRateLimits, type RateLimits } from '@remit/core';
import type { Database } from '@remit/db';
import { withTestDb, type TestDatabaseOptions } from '@remit/db/testing';
import type { Resolver } from '@remit/egress';
import { createTokenVerifier, loadOrCreateDevIssuer } from '@remit/identity';
import { LocalVaultStore, type SecretStore } from '@remit/secrets';
import { createApp } from '../http/create-app.ts';
import { createLogger } from '../logging/logger.ts';

export const ADMIN_GROUP = 'remit-admins';

export interface TestApp {
  db: Database;
  secrets: SecretStore;
  orgId: string;
  /** Sends a request to the app in-process; `token` adds the bearer header, `json` a JSON body. */
  request(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  tokenFor(user: { email: string; groups?: string[] }): Promise<string>;
  adminToken(): Promise<string>;
  issuer: Awaited<ReturnType<typeof loadOrCreateDevIssuer>>;
  /** Where the development issuer keeps its key. */
  dataDir: string;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  rawLogs: string[];
}

/** An app on a fresh schema, with the development issuer in a temporary directory and captured logs. */
export async function withTestApp<T>(fn: (t: TestApp) => Promise<T>, options: TestDatabaseOptions & { resolver?: Resolver; rateLimits?: RateLimits; now?: () => Date } = {}): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-api-'));
  try {
    return await withTestDb(async ({ db, orgA }) => {
      const issuer = await loadOrCreateDevIssuer(dir);
      const rawLogs: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          rawLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      });
      const logger = createLogger({ level: 'debug', destination });
      const verifier = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, algorithm: issuer.algorithm, keys: issuer.keys });
      const secrets = await LocalVaultStore.open({ dataDir: dir });
      const app = createApp({ db, orgId: orgA, verifier, adminGroup: ADMIN_GROUP, logger, secrets, publicUrl: 'http://remit.test', rateLimits: options.rateLimits ?? defaultRateLimits, ...(options.now ? { now: options.now } : {}), ...(options.resolver ? { resolver: options.resolver } : {}) });
      const t: TestApp = {
        db,
        secrets,
        orgId: orgA,
        issuer,
        dataDir: dir,
        rawLogs,
        get logs() {
          return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
        },
        async request(path, init = {}) {
          const { token, json, ...rest } = init;
          const headers = new Headers(rest.headers);
          if (token) headers.set('authorization', `Bearer ${token}`);
          if (json !== undefined) headers.set('content-type', 'application/json');
          return app.request(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
        },
        tokenFor: ({ email, groups = [] }) => issuer.sign({ sub: email, email, groups }),
        adminToken: () => issuer.sign({ sub: 'admin@example.com', email: 'admin@example.com', groups: [ADMIN_GROUP] }),
      };
      return fn(t);
    }, { ...(options.driver ? { driver: options.driver } : {}), ...(options.poolSize ? { poolSize: options.poolSize } : {}) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the error envelope of a response, asserting nothing; tests compare it. */
export async function errorOf(res: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return { status: res.status, code: body.error?.code, message: body.error?.message };
}
