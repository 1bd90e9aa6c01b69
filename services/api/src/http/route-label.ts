import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * The route a request would reach, as `GET /v1/admin/roles/:ref`, or `unmatched`: a label from
 * a fixed set (one per route), for keying and auditing refusals without storing the raw path,
 * which the caller chooses freely. Hono matches a request's middleware and its handler in one
 * pass, so this works from middleware that runs before the handler.
 */
export function routeLabel(c: Context): string {
  const handler = matchedRoutes(c).findLast((r) => r.method !== 'ALL'); // app.use() registers as ALL
  return handler ? `${handler.method} ${handler.path}` : 'unmatched';
}
