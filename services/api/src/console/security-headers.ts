import type { MiddlewareHandler } from 'hono';

/**
 * Every console response: scripts and styles only from the API itself (no inline script or
 * style, so an injected tag or attribute does nothing), no framing, no plugins, forms and
 * requests only to this origin. Pages are never cached (they carry a CSRF token and the
 * signed-in user's data); assets set their own caching.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const consoleSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('content-security-policy', CONSOLE_CSP);
  c.header('x-frame-options', 'DENY');
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
  c.header('cross-origin-opener-policy', 'same-origin');
  if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
};
