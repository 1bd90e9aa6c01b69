import { Id } from '@remit/core';
import { SecretError } from './secret-error.ts';

/** What a secret belongs to: a connection's service account, a user's OAuth token, a webhook, the audit log. */
export const SecretScope = {
  connection: 'connection',
  oauth_user: 'oauth_user',
  webhook: 'webhook',
  /** The audit checkpoints' Ed25519 signing key (packages/agents/src/audit-checkpoints/). */
  audit: 'audit',
} as const;
export type SecretScope = (typeof SecretScope)[keyof typeof SecretScope];

/**
 * Where a secret lives. The database stores only `formatSecretRef(ref)`, never the value.
 * `ownerId` is the connection id, `${connectionId}:${userId}` for a user's token, and so on.
 */
export interface SecretRef {
  orgId: string;
  scope: SecretScope;
  ownerId: string;
  name: string;
}

const PREFIX = 'secret://';
/**
 * Components are restricted to characters that never need escaping in a URL path or a file
 * name, so a ref has exactly one spelling and no component can climb out of its place: no '/',
 * no '%', no leading '.', no '..'. ':' is allowed for `${connectionId}:${userId}`; Secrets
 * Manager names do not allow it, so that store will have to map it.
 */
const OWNER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const SCOPES = new Set<string>(Object.values(SecretScope));

/** The canonical string for a ref, `secret://<org>/<scope>/<owner>/<name>`; validates first. */
export function formatSecretRef(ref: SecretRef): string {
  const { orgId, scope, ownerId, name } = checkSecretRef(ref);
  return `${PREFIX}${orgId}/${scope}/${ownerId}/${name}`;
}

/** Parses a string written by formatSecretRef; anything else throws secret_ref_invalid. */
export function parseSecretRef(text: string): SecretRef {
  if (typeof text !== 'string' || !text.startsWith(PREFIX)) throw invalid('the secret:// prefix');
  const parts = text.slice(PREFIX.length).split('/');
  if (parts.length !== 4) throw invalid('its four components');
  const [orgId, scope, ownerId, name] = parts as [string, string, string, string];
  return checkSecretRef({ orgId, scope: scope as SecretScope, ownerId, name });
}

/** A validated copy of `ref`, or secret_ref_invalid naming the component at fault. */
export function checkSecretRef(ref: SecretRef): SecretRef {
  if (typeof ref !== 'object' || ref === null) throw invalid('an object');
  const { orgId, scope, ownerId, name } = ref;
  checkSecretPrefix({ orgId, scope });
  if (scope === undefined) throw invalid('scope');
  if (typeof ownerId !== 'string' || !OWNER_ID.test(ownerId) || ownerId.includes('..')) throw invalid('ownerId');
  if (typeof name !== 'string' || !NAME.test(name)) throw invalid('name');
  return { orgId, scope, ownerId, name };
}

/** Validates a list prefix with the same rules as a full ref. */
export function checkSecretPrefix(prefix: { orgId: string; scope?: SecretScope | undefined }): void {
  if (typeof prefix !== 'object' || prefix === null) throw invalid('an object');
  const { orgId, scope } = prefix;
  // One spelling per org: Postgres prints uuids in lower case, so upper case is refused.
  if (typeof orgId !== 'string' || !Id.safeParse(orgId).success || orgId !== orgId.toLowerCase()) throw invalid('orgId');
  if (scope !== undefined && (typeof scope !== 'string' || !SCOPES.has(scope))) throw invalid('scope');
}

function invalid(what: string): SecretError {
  return new SecretError('secret_ref_invalid', `The secret reference is not valid: check ${what}.`);
}
