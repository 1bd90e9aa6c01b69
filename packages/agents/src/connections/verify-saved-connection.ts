import { RemitError, type Connection, type ConnectionSecret, type ResourceRef } from '@remit/core';
import { getConnection, getConnectionRecord, lockConnectionRecord, markConnectionsVerified } from '@remit/db';
import { openConnectionSecret } from './connection-secret.ts';
import type { ConnectionServiceDeps } from './save-connection.ts';
import type { Transactions } from './transact.ts';
import { verifyConnection } from './verify-connection.ts';

/** What a check of a saved connection found; `reason` is safe to show an admin (it never holds a secret). */
export type SavedVerification = { ok: true; connection: Connection } | { ok: false; connection: Connection; reason: string };

/**
 * Checks a saved connection live again with its stored credentials, exactly as at save (an
 * oauth_user connection has no user's token here, so its endpoints are probed without one; each
 * run checks it with the user's own). No transaction is open during the check. A pass is
 * recorded as `verifiedAt` in `t.write`, unless the connection changed meanwhile: that pass was
 * for settings it no longer has (409 in_use).
 */
export async function verifySavedConnection(deps: ConnectionServiceDeps, t: Transactions<Connection>, ref: ResourceRef): Promise<SavedVerification> {
  const { secretRef, ...connection } = await t.tx((sql) => getConnectionRecord(sql, ref));
  let secret: ConnectionSecret | undefined;
  try {
    secret = secretRef ? await openConnectionSecret(deps.secrets, secretRef) : undefined;
  } catch (err) {
    deps.logger.error({ err, code: 'connection_secret_unreadable', connection: connection.name }, 'the connection’s sealed credentials could not be opened');
    return { ok: false, connection, reason: 'Its stored credentials could not be opened; save them again.' };
  }
  const result = await verifyConnection(connection, secret, { resolver: deps.resolver });
  if (!result.ok) {
    if (result.cause !== undefined) deps.logger.warn({ err: result.cause, connection: connection.name }, 'connection failed its live check on request');
    return { ok: false, connection, reason: result.reason };
  }
  const verified = await t.write(async (sql) => {
    const now = await lockConnectionRecord(sql, connection.id);
    if (now.updatedAt !== connection.updatedAt || now.secretRef !== secretRef) {
      throw new RemitError('in_use', 'The connection was changed by another request while it was being checked; verify it again.');
    }
    await markConnectionsVerified(sql, [connection.id]);
    return getConnection(sql, { id: connection.id });
  });
  return { ok: true, connection: verified };
}
