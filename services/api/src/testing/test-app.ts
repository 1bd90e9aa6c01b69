import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RefusalTally } from '@remit/audit';
import { defaultHttpLimits, defaultRateLimits, type HttpLimits, type RateLimits } from '@remit/core';
import type { Database } from '@remit/db';
import { withTestDb, type TestDatabaseOptions } from '@remit/db/testing';
import type { Resolver } from '@remit/egress';
import { createTokenVerifier, loadOrCreateDevIssuer } from '@remit/identity';
import { createLocalDriver, type SandboxDriver } from '@remit/sandbox';
import { LocalVaultStore, type SecretStore } from '@remit/secrets';
import { createApp } from '../http/create-app.ts';
import type { AppDeps } from '../http/deps.ts';
import type { ConsoleDeps } from '../console/console-deps.ts';
import { startGithubInbox, type GithubInbox } from '@remit/agents';
import { createLogger } from '../logging/logger.ts';

const ADMIN_GROUP = 'remit-admins';

export interface TestApp {
  db: Database;
  /** The app itself, for serving over real HTTP with @hono/node-server (benchmarks). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** With the `github` option: the inbox that processes deliveries after they are acknowledged. */
  githubInbox: GithubInbox | undefined;
  secrets: SecretStore;
  /** The driver behind the admin sandbox routes. */
  sandboxes: SandboxDriver;
  orgId: string;
  /**
   * Sends a request to the app in-process; `token` adds the bearer header, `json` a JSON body,
   * `from` the client address the server sees (as @hono/node-server would pass it).
   */
  request(path: string, init?: RequestInit & { token?: string; json?: unknown; from?: string }): Promise<Response>;
  /** Where refusals are counted; `flush()` writes what is counted to the audit log now. */
  refusals: RefusalTally;
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
export async function withTestApp<T>(
  fn: (t: TestApp) => Promise<T>,
  options: TestDatabaseOptions & {
    resolver?: Resolver;
    rateLimits?: RateLimits;
    httpLimits?: Partial<HttpLimits>;
    now?: () => Date;
    /** Wraps the database the app uses (tests count its transactions); `t.db` stays the plain one. */
    wrapDb?: (db: Database) => Database;
    /** The sandbox driver admins list and kill; default: bubblewrap with its state in the temporary directory. */
    sandboxes?: SandboxDriver;
    /** The GitHub webhook's settings; default: none (every delivery refused). */
    github?: Omit<NonNullable<AppDeps['github']>, 'inbox'>;
    /** Called when a delivery queues a run (a worker's wake). */
    onRunQueued?: () => void;
    /** The console's sign-in and health checks; default: the development login. */
    console?: ConsoleDeps;
    /** How browsers reach the app; default http://remit.test. */
    publicUrl?: string;
  } = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-api-'));
  try {
    return await withTestDb(
      async ({ db, orgA }) => {
        const issuer = await loadOrCreateDevIssuer(dir);
        const rawLogs: string[] = [];
        const destination = new Writable({
          write(chunk: Buffer, _enc, done) {
            rawLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
            done();
          },
        });
        const logger = createLogger({ level: 'debug', destination });
        const verifier = createTokenVerifier({
          issuer: issuer.issuer,
          audience: issuer.audience,
          algorithm: issuer.algorithm,
          keys: issuer.keys,
          messages: issuer.messages,
        });
        const secrets = await LocalVaultStore.open({ dataDir: dir });
        const appDb = options.wrapDb?.(db) ?? db;
        const logger0 = createLogger({ level: 'silent' });
        const githubInbox = options.github
          ? startGithubInbox({
              db: appDb,
              orgId: orgA,
              rateLimits: options.rateLimits ?? defaultRateLimits,
              fallbackRole: options.github.fallbackRole,
              logger: logger0,
              ...(options.onRunQueued ? { onRunQueued: options.onRunQueued } : {}),
            })
          : undefined;
        const sandboxes = options.sandboxes ?? createLocalDriver({ stateDir: join(dir, 'sandboxes') });
        const httpLimits = { ...defaultHttpLimits, ...options.httpLimits };
        const refusals = new RefusalTally({ db: appDb, orgId: orgA, windowMs: httpLimits.refusalAuditWindowSeconds * 1000, log: logger });
        const app = createApp({
          db: appDb,
          orgId: orgA,
          verifier,
          adminGroup: ADMIN_GROUP,
          logger,
          secrets,
          sandboxes,
          publicUrl: options.publicUrl ?? 'http://remit.test',
          console: options.console ?? { login: { kind: 'development' } },
          rateLimits: options.rateLimits ?? defaultRateLimits,
          httpLimits,
          refusals,
          ...(options.now ? { now: options.now } : {}),
          ...(options.resolver ? { resolver: options.resolver } : {}),
          ...(options.github ? { github: { ...options.github, inbox: githubInbox } } : {}),
          ...(options.onRunQueued ? { onRunQueued: options.onRunQueued } : {}),
        });
        const t: TestApp = {
          fetch: (request) => app.fetch(request),
          githubInbox,
          db,
          secrets,
          sandboxes,
          orgId: orgA,
          issuer,
          dataDir: dir,
          rawLogs,
          refusals,
          get logs() {
            return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
          },
          async request(path, init = {}) {
            const { token, json, from, ...rest } = init;
            const headers = new Headers(rest.headers);
            if (token) headers.set('authorization', `Bearer ${token}`);
            if (json !== undefined) headers.set('content-type', 'application/json');
            const env = from === undefined ? undefined : { incoming: { socket: { remoteAddress: from } } };
            return app.request(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }, env);
          },
          tokenFor: ({ email, groups = [] }) => issuer.sign({ sub: email, email, groups }),
          adminToken: () => issuer.sign({ sub: 'admin@example.com', email: 'admin@example.com', groups: [ADMIN_GROUP] }),
        };
        try {
          return await fn(t);
        } finally {
          await githubInbox?.stop();
          await refusals.close(); // before the schema is dropped: it writes what is still counted
        }
      },
      { ...(options.driver ? { driver: options.driver } : {}), ...(options.poolSize ? { poolSize: options.poolSize } : {}) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the error envelope of a response, asserting nothing; tests compare it. */
export async function errorOf(res: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }; // no JSON body: no code to compare
  return { status: res.status, code: body.error?.code, message: body.error?.message };
}

export { serveTestApp } from './serve-test-app.ts';
export { consoleSignIn, type ConsoleBrowser } from './console-browser.ts';
