import { RefusalTally } from '@remit/audit';
import type { ConfigEnv } from '@remit/core';
import type { Database } from '@remit/db';
import type { Logger } from 'pino';
import type { AppDeps } from './deps.ts';

/**
 * The HTTP layer's part of a runtime, from the configuration: its abuse limits, which proxy
 * hops to trust, and the refusal tally. Whoever calls this closes `refusals` after the server
 * has stopped and before the database closes, so the last window's counts are written.
 */
export function httpDepsFrom(
  config: ConfigEnv,
  parts: { db: Database; orgId: string; logger: Logger },
): Required<Pick<AppDeps, 'httpLimits' | 'trustedProxyHops' | 'refusals'>> & Pick<AppDeps, 'github'> {
  const httpLimits = {
    streamsPerUser: config.REMIT_STREAMS_PER_USER,
    streamsTotal: config.REMIT_STREAMS_TOTAL,
    invalidTokensPerSource: config.REMIT_INVALID_TOKENS_PER_SOURCE,
    refusalAuditWindowSeconds: config.REMIT_REFUSAL_AUDIT_WINDOW_SECONDS,
  };
  return {
    httpLimits,
    trustedProxyHops: config.REMIT_TRUSTED_PROXY_HOPS,
    refusals: new RefusalTally({ db: parts.db, orgId: parts.orgId, windowMs: httpLimits.refusalAuditWindowSeconds * 1000, log: parts.logger }),
    ...(config.REMIT_GITHUB_WEBHOOK_SECRET
      ? {
          github: {
            webhookSecrets: [config.REMIT_GITHUB_WEBHOOK_SECRET, config.REMIT_GITHUB_WEBHOOK_SECRET_PREVIOUS].filter((s): s is string => s !== undefined),
            fallbackRole: config.REMIT_REVIEW_FALLBACK_ROLE,
          },
        }
      : {}),
  };
}
