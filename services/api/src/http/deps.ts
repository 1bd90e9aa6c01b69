import type { Principal, RateLimits } from '@remit/core';
import type { Database } from '@remit/db';
import type { Resolver } from '@remit/egress';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Everything the HTTP app needs, built once at start (see server/start.ts) or by a test. */
export interface AppDeps {
  db: Database;
  orgId: string;
  verifier: TokenVerifier;
  adminGroup: string;
  logger: Logger;
  secrets: SecretStore;
  rateLimits: RateLimits;
  /** The clock for rate limits (tests pass a fake one). */
  now?: () => Date;
  /** How browsers reach this API; OAuth redirect URIs are built on it. */
  publicUrl: string;
  /** How outbound names are resolved (tests stub it); default: the system resolver. */
  resolver?: Resolver | undefined;
  /** Wakes an in-process worker as soon as a run is queued, instead of at its next poll. */
  onRunQueued?: () => void;
}
