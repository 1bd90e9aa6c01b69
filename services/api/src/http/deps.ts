import type { RefusalTally } from '@remit/audit';
import type { HttpLimits, RateLimits } from '@remit/core';
import type { Database } from '@remit/db';
import type { Resolver } from '@remit/egress';
import type { TokenVerifier } from '@remit/identity';
import type { SandboxDriver, WarmPool } from '@remit/sandbox';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import type { AuditCheckpoints } from '@remit/agents';
import type { ConsoleDeps } from '../console/console-deps.ts';

/** Everything the HTTP app needs, built once at start (see server/start.ts) or by a test. */
export interface AppDeps {
  db: Database;
  orgId: string;
  verifier: TokenVerifier;
  adminGroup: string;
  logger: Logger;
  secrets: SecretStore;
  /**
   * The deployment's sandbox driver, for admins' `remit sandbox list|kill`; with `status` when
   * it is this process's warm pool (REMIT_SANDBOX_WARM_POOL_SIZE above 0), whose destroy also
   * takes a waiting sandbox out of the pool.
   */
  sandboxes: Pick<SandboxDriver, 'name' | 'list' | 'destroy'> & Partial<Pick<WarmPool, 'status'>>;
  rateLimits: RateLimits;
  /** Per-process limits on streams and refused tokens; default defaultHttpLimits. */
  httpLimits?: HttpLimits;
  /**
   * Where refusals (bad tokens, missing admin rights) are counted and aggregated into the
   * audit log. Its owner closes it after the server stops, so no count is lost at shutdown.
   */
  refusals: RefusalTally;
  /** Proxies in front of the API whose X-Forwarded-For entry is trusted; default 0 (the socket peer is the client). */
  trustedProxyHops?: number;
  /** The clock for rate limits (tests pass a fake one). */
  now?: () => Date;
  /** How browsers reach this API; OAuth redirect URIs are built on it. */
  publicUrl: string;
  /** How outbound names are resolved (tests stub it); default: the system resolver. */
  resolver?: Resolver | undefined;
  /** The GitHub App's webhook: the secrets deliveries may be signed with (current, then previous); absent: every delivery is refused. */
  github?: {
    webhookSecrets: string[];
    fallbackRole?: string | undefined;
    /** Processes recorded deliveries after they are acknowledged; woken by each new one. */
    inbox?: { wake(): void } | undefined;
  };
  /** The web console's sign-in and health checks; absent: the console refuses every sign-in. */
  console?: ConsoleDeps | undefined;
  /** Where signed audit checkpoints are kept, and their key: GET /v1/audit/verify checks the chain against the newest. */
  auditCheckpoints?: Pick<AuditCheckpoints, 'sink' | 'key'> | undefined;
  /** Wakes an in-process worker as soon as a run is queued, instead of at its next poll. */
  onRunQueued?: () => void;
}
