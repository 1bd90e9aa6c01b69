import type { ConnectionSecret } from '@remit/core';
import type { ConnectionSettings, CredentialedConnection } from './connection-type.ts';
import { connectionType } from './types/index.ts';

/**
 * The headers that carry a connection's credentials on the way out, added by the egress proxy
 * or the verifier, never inside the sandbox. A user-authorised connection sends the triggering
 * user's own token (`userToken`) and never a stored one; without it, nothing.
 */
export function credentialHeaders(c: ConnectionSettings, secret: ConnectionSecret | undefined, userToken?: string): Record<string, string> {
  if (c.authMode === 'oauth_user') return userToken ? { authorization: `Bearer ${userToken}` } : {};
  return connectionType(c.type).serviceHeaders(c.config, secret);
}

/** A connection with the credentials it is used with, as the type modules take it. */
export function withCredentials(c: ConnectionSettings, secret: ConnectionSecret | undefined, userToken?: string): CredentialedConnection {
  return { type: c.type, authMode: c.authMode, config: c.config, oauth: c.oauth, secret, userToken, headers: credentialHeaders(c, secret, userToken) };
}
