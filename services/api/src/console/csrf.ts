import { timingSafeEqual } from 'node:crypto';
import { RemitError } from '@remit/core';
import type { Context, MiddlewareHandler } from 'hono';
import { clientSource } from '../http/client-source.ts';
import type { AppDeps } from '../http/deps.ts';
import { routeLabel } from '../http/route-label.ts';
import type { ConsoleEnv } from './console-env.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Equal in constant time after a length check (the lengths of our tokens are no secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether the browser says this request came from one of our own pages: Sec-Fetch-Site, where
 * sent, must be same-origin; Origin, where sent, must be the console's origin (as configured, or
 * as this request reached it). A browser sets both itself; no page can forge them.
 */
export function fromOwnPage(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  return origin === new URL(publicUrl).origin || origin === new URL(c.req.url).origin;
}

/** The token a request carries: htmx sends the header, a plain form the `_csrf` field. */
export async function sentCsrfToken(c: Context): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token');
  if (header !== undefined) return header;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  const field = (await c.req.parseBody())['_csrf'];
  return typeof field === 'string' ? field : undefined;
}

/**
 * Every state-changing console request must come from our own page (Origin, Sec-Fetch-Site) and
 * carry the session's CSRF token (synchronizer token pattern, OWASP CSRF cheat sheet). SameSite=Lax
 * already keeps the cookie off cross-site posts; this holds even where it does not (a sibling
 * subdomain, an old browser). A refusal is counted like any other.
 */
export function requireCsrf(deps: AppDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const token = fromOwnPage(c, deps.publicUrl) ? await sentCsrfToken(c) : undefined;
    if (token === undefined || !sameSecret(token, c.var.user.csrfToken)) {
      deps.refusals.record({
        action: 'authz.denied',
        reason: 'csrf',
        route: routeLabel(c),
        source: clientSource(c, deps.trustedProxyHops ?? 0),
        actorId: c.var.user.userId,
        requestId: c.var.requestId,
      });
      throw new RemitError('csrf_rejected');
    }
    return next();
  };
}
