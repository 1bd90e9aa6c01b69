import type { Principal } from '@remit/core';
import type { Context } from 'hono';

/**
 * How the console calls the API as its signed-in user: through `app.request(…, env)` in the same
 * process, with the principal its session verified at login in the request's env. A symbol key
 * cannot arrive over the network (node-server's env holds only `incoming` and `outgoing`), so no
 * HTTP request can claim a principal this way; every other rule (roles, admin rights, rate
 * limits, audit) applies exactly as to a bearer token.
 */
const PRINCIPAL = Symbol('remit.in-process-principal');

interface InProcessEnv {
  [PRINCIPAL]: Principal;
  /** The browser's request, so per-source limits and audit see the browser's address. */
  incoming?: unknown;
}

export function inProcessEnv(principal: Principal, incoming: unknown): InProcessEnv {
  return { [PRINCIPAL]: principal, incoming };
}

export function inProcessPrincipal(c: Context): Principal | undefined {
  const env = c.env as Partial<InProcessEnv> | undefined;
  return env?.[PRINCIPAL];
}
