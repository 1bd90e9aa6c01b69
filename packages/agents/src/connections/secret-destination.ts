import { canonicalUrl } from './config-values.ts';
import type { ConnectionSettings, Destination } from './connection-type.ts';
import { connectionType } from './types/index.ts';

/**
 * Where a stored secret goes, and how it travels. A stored secret is only ever sent to the
 * destination it was saved for: a change to any field here without the secret given again is
 * refused, since the live check (and every run after it) would otherwise hand the stored secret
 * to wherever an admin pointed the connection — a way to read a write-only secret back.
 *
 * Keys are the fields an admin would change, so a refusal can name them; each type's module
 * says which of its config fields count. Fields not listed do not move a secret:
 * `allowPrivateCidrs` widens which addresses the same host name may resolve to, not which host
 * the secret is sent to.
 */

const oauthDestination = (c: ConnectionSettings): Destination => ({
  'oauth.tokenUrl': canonicalUrl(c.oauth?.tokenUrl),
  'oauth.authorizeUrl': canonicalUrl(c.oauth?.authorizeUrl),
  'oauth.clientId': c.oauth?.clientId ?? null,
});

/**
 * Where the connection's own stored secret goes. For `oauth_user` that secret is the client
 * secret: sent to the token endpoint with the client id, for the provider the authorize URL names.
 */
export function secretDestination(c: ConnectionSettings): Destination {
  if (c.authMode === 'oauth_user') return { authMode: c.authMode, ...oauthDestination(c) };
  return { authMode: c.authMode, ...connectionType(c.type).secretDestination(c.config) };
}

/**
 * Where users' own tokens (their OAuth grants) go: access tokens to the connection's endpoint
 * (and its verify path), refresh tokens to the token endpoint under the client id. Null when
 * the connection does not use users' tokens.
 */
export function userTokenDestination(c: ConnectionSettings): Destination | null {
  if (c.authMode !== 'oauth_user') return null;
  return { ...connectionType(c.type).userTokenDestination(c.config), ...oauthDestination(c) };
}

/** The fields whose values differ between two destinations; empty when they are the same place. */
export function changedDestinationFields(before: Destination | null, after: Destination | null): string[] {
  if (before === null || after === null) return before === after ? [] : ['authMode'];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]);
}
