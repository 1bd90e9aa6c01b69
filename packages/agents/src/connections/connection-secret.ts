import { ConnectionSecret, RemitError, type Connection } from '@remit/core';
import { SecretValue, formatSecretRef, parseSecretRef, type SecretStore } from '@remit/secrets';

/** Which secret fields a connection needs, from its type, auth and mode; a refusal says what is missing. */
export function requiredSecretFields(c: Pick<Connection, 'type' | 'authMode' | 'config'>): (keyof ConnectionSecret)[] {
  if (c.authMode === 'oauth_user') return ['clientSecret'];
  if (c.type === 'http') {
    const scheme = (c.config.auth as { scheme?: string } | undefined)?.scheme ?? 'none';
    return scheme === 'basic' ? ['username', 'password'] : scheme === 'none' ? [] : ['token'];
  }
  if (c.type === 'github') return c.config.auth === 'app' ? ['privateKey'] : ['token'];
  return [];
}

export function checkSecretShape(c: Pick<Connection, 'type' | 'authMode' | 'config'>, secret: ConnectionSecret | undefined): void {
  const needed = requiredSecretFields(c);
  const given = Object.keys(secret ?? {}) as (keyof ConnectionSecret)[];
  const missing = needed.filter((f) => !secret?.[f]);
  if (missing.length) throw new RemitError('validation_failed', `secret: this connection needs ${missing.join(' and ')}.`);
  const extra = given.filter((f) => !needed.includes(f));
  if (extra.length) throw new RemitError('unknown_field', `Unknown field in secret for this connection: ${extra.join(', ')}.`);
}

/** Seals a connection's credentials (one vault entry, JSON) and returns the reference the database keeps. */
export async function sealConnectionSecret(store: SecretStore, orgId: string, connectionId: string, secret: ConnectionSecret): Promise<string> {
  const ref = { orgId, scope: 'connection' as const, ownerId: connectionId, name: 'credentials' };
  await store.put(ref, new SecretValue(JSON.stringify(secret)));
  return formatSecretRef(ref);
}

export async function openConnectionSecret(store: SecretStore, secretRef: string): Promise<ConnectionSecret> {
  const value = await store.get(parseSecretRef(secretRef));
  return ConnectionSecret.parse(JSON.parse(value.reveal()));
}

export async function deleteConnectionSecret(store: SecretStore, secretRef: string): Promise<void> {
  await store.delete(parseSecretRef(secretRef));
}

/** Every secret string a run holds, for scrubbing its output. */
export function secretStrings(secret: ConnectionSecret | undefined): string[] {
  return Object.values(secret ?? {}).filter((v): v is string => typeof v === 'string' && v.length > 0);
}
