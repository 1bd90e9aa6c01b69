import { activeIssuer, type ConfigEnv } from '@remit/core';
import { checkRls, type Database } from '@remit/db';
import type { Resolver } from '@remit/egress';
import type { HealthCheck } from '../console/console-deps.ts';
import type { LiveCheck } from './live-check.ts';
import { checkModelProvider } from './model-check.ts';
import { checkSandboxDriver } from './sandbox-check.ts';

/** One named check the health screen runs. */
export interface NamedCheck {
  name: string;
  run: () => Promise<LiveCheck>;
}

export interface HealthTiming {
  /** How long a page view waits for one check before showing it as not answering (default 3000). */
  timeoutMs?: number;
  /** How long a set of results is shown again before the checks run anew (default 10000). */
  cacheMs?: number;
  /** The clock, in milliseconds (tests pass a fake one). */
  now?: () => number;
}

/**
 * Runs `checks` for the console's health screen without ever holding a page long: each check
 * gets `timeoutMs`, after which it shows as not answering while it goes on in the background; a
 * check still running is awaited again rather than started twice (a slow sandbox start must not
 * pile up), and a set of results is reused for `cacheMs`. A check that throws fails with its
 * message; every detail and fix passes through `scrub`.
 */
export function cachedHealth(checks: readonly NamedCheck[], scrub: (text: string) => string, timing: HealthTiming = {}): () => Promise<HealthCheck[]> {
  const timeoutMs = timing.timeoutMs ?? 3000;
  const cacheMs = timing.cacheMs ?? 10_000;
  const now = timing.now ?? Date.now;
  const running = new Map<string, Promise<LiveCheck>>();
  let cached: { at: number; checks: HealthCheck[] } | undefined;
  let pending: Promise<HealthCheck[]> | undefined;

  function started(check: NamedCheck): Promise<LiveCheck> {
    let p = running.get(check.name);
    if (!p) {
      p = Promise.resolve()
        .then(check.run)
        .catch((err: unknown) => ({ name: check.name, ok: false, detail: (err as Error).message, fix: 'run remit doctor on the server for the whole story' }))
        .finally(() => running.delete(check.name));
      running.set(check.name, p);
    }
    return p;
  }

  async function bounded(check: NamedCheck): Promise<HealthCheck> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<LiveCheck>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            name: check.name,
            ok: false,
            detail: `no answer within ${timeoutMs / 1000} s (still checking; reload in a moment)`,
            fix: 'run remit doctor on the server to see where it hangs',
          }),
        timeoutMs,
      );
    });
    const found = await Promise.race([started(check), late]).finally(() => clearTimeout(timer));
    return { name: check.name, ok: found.ok, detail: scrub(found.detail), fix: found.fix === undefined ? undefined : scrub(found.fix) };
  }

  return async () => {
    if (cached && now() - cached.at < cacheMs) return cached.checks;
    pending ??= Promise.all(checks.map(bounded))
      .then((results) => {
        cached = { at: now(), checks: results };
        return results;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

// Settings whose values are secret (REMIT_MASTER_KEY, REMIT_OPENAI_API_KEY, REMIT_OIDC_CLIENT_SECRET,
// the webhook secrets, the App's private key), not ones that merely mention secrets (REMIT_SECRET_STORE
// is "local"); and URLs, whose user info may hold a password.
const SECRET_SETTING = /_(KEY|SECRET|PASSWORD)(_PREVIOUS)?$/;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;

/** Removes every secret setting's value, and user info in any URL, from text shown on the page. */
export function secretScrubber(config: ConfigEnv): (text: string) => string {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (typeof value !== 'string' || value.length < 4) continue;
    if (SECRET_SETTING.test(name)) secrets.push(value);
    if (name.endsWith('_URL')) {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password.length >= 4) secrets.push(password);
      } catch {
        // not a URL: the configuration schema reports it at start
      }
    }
  }
  secrets.sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((t, s) => t.replaceAll(s, '[hidden]'), text.replace(URL_USERINFO, '$1[hidden]@'));
}

/** What `remit serve` has that the checks need. */
export interface HealthRuntime {
  config: ConfigEnv;
  db: Database;
  dataDir: string;
  resolver?: Resolver | undefined;
}

function issuerCheck(config: ConfigEnv, dataDir: string): LiveCheck {
  const identity = activeIssuer(config);
  const admins = `admins: members of the group ${config.REMIT_ADMIN_GROUP}`;
  if (identity.kind === 'oidc') return { name: 'token issuer', ok: true, detail: `OIDC issuer ${identity.issuer} (${config.REMIT_OIDC_ALG}); ${admins}` };
  return {
    name: 'token issuer',
    ok: true,
    detail:
      `development issuer (remit token), because ${identity.why}; ${admins}. Anyone who can read ${dataDir}/dev-issuer can sign any token: ` +
      'set REMIT_OIDC_ISSUER and REMIT_OIDC_JWKS_URL for production',
  };
}

async function databaseCheck(db: Database): Promise<LiveCheck> {
  const name = 'database';
  try {
    await db.ping();
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `does not answer: ${(err as Error).message}`,
      fix: 'check that the database is up and DATABASE_URL (or REMIT_DATABASE_APP_URL) reaches it; see the server log',
    };
  }
  const violations = await checkRls(db);
  if (violations.length) {
    return {
      name,
      ok: false,
      detail: `answers, but row-level security is not in force: ${violations.map((v) => `${v.object}: ${v.problem}`).join('; ')}`,
      fix: 'run remit migrate as the schema owner; never grant ownership or BYPASSRLS to remit_app',
    };
  }
  return {
    name,
    ok: true,
    detail: `${db.driver === 'pg' ? 'PostgreSQL' : 'embedded PGlite'} answers; row-level security enabled and forced on every table`,
  };
}

/**
 * The console's health checks for `remit serve`: the database (and its row-level security), a
 * real sandbox created and destroyed on the configured driver, the model provider reached as
 * runs reach it, and the active token issuer — what `remit doctor` checks, bounded and cached
 * (see cachedHealth), with no secret in any line.
 */
export function consoleHealth(runtime: HealthRuntime, timing: HealthTiming = {}): () => Promise<HealthCheck[]> {
  const { config, db, dataDir } = runtime;
  const checks: NamedCheck[] = [
    { name: 'database', run: () => databaseCheck(db) },
    {
      name: 'sandbox driver',
      run: async () => {
        const found = await checkSandboxDriver(config, dataDir);
        // doctor's fix points at its bubblewrap line, which this page does not have.
        if (!found.ok && config.REMIT_SANDBOX_DRIVER === 'local') {
          return {
            ...found,
            fix: 'install bubblewrap (apt-get install -y bubblewrap) and allow unprivileged user namespaces; remit doctor on the server says which is missing',
          };
        }
        return found;
      },
    },
    {
      name: 'model provider',
      run: async () => ({ ...(await checkModelProvider(config, runtime.resolver ? { resolver: runtime.resolver } : {})), name: 'model provider' }),
    },
    { name: 'token issuer', run: () => Promise.resolve(issuerCheck(config, dataDir)) },
  ];
  return cachedHealth(checks, secretScrubber(config), timing);
}
