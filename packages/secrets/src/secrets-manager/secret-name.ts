import { SecretError } from '../secret-error.ts';
import { checkSecretRef, type SecretRef, type SecretScope } from '../secret-ref.ts';

/**
 * Segments of what Secrets Manager allows in a name (ASCII letters, digits and /_+=.@-), each
 * ending in '/', none empty or starting with '.', so a prefix reads as a path and never as '../'.
 */
const PREFIX = /^(?:[A-Za-z0-9_+=@-][A-Za-z0-9_+=.@-]*\/)+$/;
const MAX_NAME_LENGTH = 512;
/**
 * The longest name a valid ref maps to after the prefix: org 36 (a uuid), scope 10, ownerId 200,
 * name 63, and three '/'. A prefix of at most this many characters leaves room for every ref.
 */
const MAX_REF_PART = 36 + 10 + 200 + 63 + 3;
export const MAX_PREFIX_LENGTH = MAX_NAME_LENGTH - MAX_REF_PART;

/**
 * Checks a configured name prefix such as `remit/`: Secrets Manager's characters, ending in '/'
 * so that `remit/` and `remit-staging/` never share names, and short enough for any ref.
 */
export function checkNamePrefix(prefix: string): string {
  if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || !PREFIX.test(prefix)) {
    throw new SecretError(
      'secret_store_unavailable',
      `The Secrets Manager name prefix must be at most ${MAX_PREFIX_LENGTH} of the characters A-Z a-z 0-9 /_+=.@-, in segments that end with '/', such as 'remit/'.`,
    );
  }
  return prefix;
}

/**
 * The Secrets Manager name of a ref: `<prefix><orgId>/<scope>/<ownerId>/<name>`. Every ref
 * character is one Secrets Manager allows except ':' (in `${connectionId}:${userId}` owners),
 * which becomes '+'. No ref may contain '+', so the mapping is one-to-one and secretRefOfName
 * reverses it; '/' separates exactly four components, none of which may contain one.
 */
export function secretNameOf(prefix: string, ref: SecretRef): string {
  const { orgId, scope, ownerId, name } = checkSecretRef(ref);
  return `${prefix}${orgId}/${scope}/${ownerId.replaceAll(':', '+')}/${name}`;
}

/** The prefix that every name of an org (and scope) starts with, for ListSecrets. */
export function secretNamePrefixOf(prefix: string, filter: { orgId: string; scope?: SecretScope | undefined }): string {
  return filter.scope === undefined ? `${prefix}${filter.orgId}/` : `${prefix}${filter.orgId}/${filter.scope}/`;
}

/** The ref a name was made from, or undefined for a name this store never writes. */
export function secretRefOfName(prefix: string, secretName: string): SecretRef | undefined {
  if (!secretName.startsWith(prefix)) return undefined;
  const parts = secretName.slice(prefix.length).split('/');
  if (parts.length !== 4) return undefined;
  const [orgId, scope, owner, name] = parts as [string, string, string, string];
  if (owner.includes(':')) return undefined; // a ':' was never written, so '+' and ':' stay one-to-one
  const ref = { orgId, scope: scope as SecretScope, ownerId: owner.replaceAll('+', ':'), name };
  try {
    return checkSecretRef(ref);
  } catch {
    return undefined;
  }
}
