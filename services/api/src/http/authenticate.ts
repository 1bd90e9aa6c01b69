import { RemitError } from '@remit/core';
import { roleNamesFor, upsertUser } from '@remit/db';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { auditRequest } from './audit-request.ts';
import type { AppDeps } from './deps.ts';

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Resolves the caller from an OIDC bearer token, records the user on first sight, and loads
 * the roles bound to them. Every refusal is audited before it is answered.
 */
export function authenticate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) return deny(deps, c, new RemitError('missing_token', 'Send a bearer token: Authorization: Bearer <token>.'), 'missing_token');
    const match = BEARER.exec(header);
    if (!match) return deny(deps, c, new RemitError('invalid_token', 'The Authorization header must be "Bearer <token>".'), 'malformed_header');
    let principal;
    try {
      principal = await deps.verifier.verify(match[1]!);
    } catch (err) {
      const known = err instanceof RemitError ? err : new RemitError('invalid_token', undefined, { cause: err });
      const reason = String(known.details?.reason ?? 'unverifiable');
      // The IdP's keys could not be fetched: the token may be fine, so say "try again", not "bad token".
      if (reason === 'keys_unavailable') {
        c.var.log.warn({ err: known.cause }, 'identity provider keys unavailable');
        throw new RemitError('not_ready', 'The identity provider’s signing keys cannot be fetched right now; try again shortly.');
      }
      return deny(deps, c, known, reason);
    }
    const actor = await deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
      const user = await upsertUser(sql, { sub: principal.sub, email: principal.email });
      const roles = await roleNamesFor(sql, { email: principal.email, groups: principal.groups });
      return { userId: user.id, ...principal, roles, isAdmin: principal.groups.includes(deps.adminGroup) };
    });
    c.set('actor', actor);
    c.var.log.debug({ userId: actor.userId }, 'authenticated');
    await next();
  };
}

/** Admin rights come from the configured IdP group, never from a Remit role. */
export function requireAdmin(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.var.actor.isAdmin) {
      await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, (sql) =>
        auditRequest(sql, c, { action: 'authz.denied', outcome: 'denied', detail: { method: c.req.method, path: c.req.path, reason: 'not_admin' } }),
      );
      throw new RemitError('forbidden', `This needs admin rights (membership of the "${deps.adminGroup}" group).`);
    }
    await next();
  };
}

async function deny(deps: AppDeps, c: Context<AppEnv>, error: RemitError, reason: string): Promise<never> {
  await deps.db.tenant({ orgId: deps.orgId, userId: null }, (sql) =>
    auditRequest(sql, c, { action: 'auth.denied', outcome: 'denied', detail: { method: c.req.method, path: c.req.path, reason } }),
  );
  throw error;
}
