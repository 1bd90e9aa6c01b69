import { RemitError, type Principal } from '@remit/core';
import { roleNamesFor, upsertUser } from '@remit/db';
import type { Context, MiddlewareHandler } from 'hono';
import type { Actor, AppEnv } from './app-env.ts';
import { clientSource } from './client-source.ts';
import { inProcessPrincipal } from './in-process-principal.ts';
import type { AppDeps } from './deps.ts';
import type { FailureBuckets } from './failure-buckets.ts';
import { routeLabel } from './route-label.ts';

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Resolves the caller from an OIDC bearer token, records the user on first sight, and loads
 * the roles bound to them. Every refusal is counted in the refusal tally before it is
 * answered (aggregated into the audit log, off the request path). A source whose tokens keep
 * failing is refused with 429 before its next token is even looked at.
 */
export function authenticate(deps: AppDeps, failures: FailureBuckets): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const inProcess = inProcessPrincipal(c);
    if (inProcess) {
      c.set('actor', await resolveActor(deps, inProcess));
      return next();
    }
    const source = clientSource(c, deps.trustedProxyHops ?? 0);
    const header = c.req.header('authorization');
    if (!header) refuse(deps, c, source, 'missing_token', new RemitError('missing_token', 'Send a bearer token: Authorization: Bearer <token>.'));
    const wait = failures.retryAfterSeconds(source);
    if (wait !== undefined) {
      refuse(
        deps,
        c,
        source,
        'rate_limited',
        new RemitError('too_many_invalid_tokens', `Too many invalid tokens from this address; retry in ${wait} s.`, { details: { retryAfterSeconds: wait } }),
      );
    }
    const match = BEARER.exec(header);
    if (!match) {
      failures.fail(source);
      refuse(deps, c, source, 'malformed_header', new RemitError('invalid_token', 'The Authorization header must be "Bearer <token>".'));
    }
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
      failures.fail(source);
      refuse(deps, c, source, reason, known);
    }
    const actor = await resolveActor(deps, principal);
    c.set('actor', actor);
    c.var.log.debug({ userId: actor.userId }, 'authenticated');
    await next();
  };
}

/** Records the user on first sight and loads the roles bound to them and their groups. */
async function resolveActor(deps: AppDeps, principal: Principal): Promise<Actor> {
  return deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
    const user = await upsertUser(sql, { sub: principal.sub, email: principal.email, groups: principal.groups });
    const roles = await roleNamesFor(sql, { email: principal.email, groups: principal.groups });
    return { userId: user.id, ...principal, roles, isAdmin: principal.groups.includes(deps.adminGroup) };
  });
}

/** Admin rights come from the configured IdP group, never from a Remit role. */
export function requireAdmin(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.var.actor;
    if (!actor.isAdmin) {
      deps.refusals.record({
        action: 'authz.denied',
        reason: 'not_admin',
        route: routeLabel(c),
        source: clientSource(c, deps.trustedProxyHops ?? 0),
        actorId: actor.userId,
        requestId: c.var.requestId,
      });
      throw new RemitError('forbidden', `This needs admin rights (membership of the "${deps.adminGroup}" group).`);
    }
    await next();
  };
}

/** Counts the refusal (never waits on the audit log) and throws `error`. */
function refuse(deps: AppDeps, c: Context<AppEnv>, source: string, reason: string, error: RemitError): never {
  deps.refusals.record({ action: 'auth.denied', reason, route: routeLabel(c), source, actorId: null, requestId: c.var.requestId });
  throw error;
}
