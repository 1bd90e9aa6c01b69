import { randomBytes } from 'node:crypto';
import { ConnectionSecret, RemitError } from '@remit/core';
import { parseSecretRef, type SecretRef, type SecretStore } from '@remit/secrets';
import type { ConnectionSettings } from './connection-type.ts';
import { connectionType } from './types/index.ts';

/** Which secret fields a connection needs, from its type, auth and mode; a refusal says what is missing. */
export function requiredSecretFields(c: ConnectionSettings): (keyof ConnectionSecret)[] {
  // Users' own tokens arrive through the OAuth flow: such a connection stores only its client secret, whatever its type.
  if (c.authMode === 'oauth_user') return ['clientSecret'];
  return connectionType(c.type).secretFields(c.config);
}

export function checkSecretShape(c: ConnectionSettings, secret: ConnectionSecret | undefined): void {
  const needed = requiredSecretFields(c);
  const given = Object.keys(secret ?? {}) as (keyof ConnectionSecret)[];
  const missing = needed.filter((f) => !secret?.[f]);
  if (missing.length) throw new RemitError('validation_failed', `secret: this connection needs ${missing.join(' and ')}.`);
  const extra = given.filter((f) => !needed.includes(f));
  if (extra.length) throw new RemitError('unknown_field', `Unknown field in secret for this connection: ${extra.join(', ')}.`);
}

/** Where a connection's credentials are sealed: a new entry each time, so a failed update never overwrites the working secret. */
export function newConnectionSecretRef(orgId: string, connectionId: string): SecretRef {
  return { orgId, scope: 'connection', ownerId: connectionId, name: `credentials-${randomBytes(8).toString('hex')}` };
}

export async function openConnectionSecret(store: SecretStore, secretRef: string): Promise<ConnectionSecret> {
  const value = await store.get(parseSecretRef(secretRef));
  return ConnectionSecret.parse(JSON.parse(value.reveal()));
}

/** Every secret string a connection's stored credentials hold, for scrubbing a run's output. */
export function secretStrings(secret: ConnectionSecret | undefined): string[] {
  return Object.values(secret ?? {}).filter((v): v is string => typeof v === 'string' && v.length > 0);
}
