import { consoleLoginMode } from '@remit/core';
import type { ConsoleDeps, ConsoleLogin, HealthCheck } from '../console/console-deps.ts';
import { createOidcLogin } from '../console/oidc-login.ts';
import type { Runtime } from './open-runtime.ts';

/** Where the IdP sends a console sign-in back; register it with the IdP as the client's redirect URI. */
export const consoleCallbackUrl = (publicUrl: string) => `${publicUrl}/console/auth/callback`;

/**
 * How browsers sign in to this server's console: through the configured IdP (REMIT_OIDC_ISSUER
 * with REMIT_OIDC_CLIENT_ID), the development login while the development issuer is active, or
 * not at all (the page says which variable to set).
 */
export function consoleLoginFor(rt: Pick<Runtime, 'config' | 'publicUrl'>): ConsoleLogin {
  const mode = consoleLoginMode(rt.config);
  if (mode.kind !== 'oidc') return mode;
  return {
    kind: 'oidc',
    issuer: mode.issuer,
    oidc: createOidcLogin({ ...mode, redirectUri: consoleCallbackUrl(rt.publicUrl) }),
  };
}

export function consoleDepsFor(rt: Pick<Runtime, 'config' | 'publicUrl'>, health?: () => Promise<HealthCheck[]>): ConsoleDeps {
  return { login: consoleLoginFor(rt), health };
}
