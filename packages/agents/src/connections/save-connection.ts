import { randomUUID } from 'node:crypto';
import {
  RemitError,
  zodToRemitError,
  type Connection,
  type ConnectionCreate,
  type ConnectionSecret,
  type ConnectionUpdate,
  type ResourceRef,
} from '@remit/core';
import {
  createConnection,
  deleteConnection,
  deleteOAuthGrants,
  deleteOAuthStates,
  getConnectionRecord,
  lockConnectionRecord,
  updateConnection,
} from '@remit/db';
import { validateAllowCidr, type Resolver } from '@remit/egress';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import { allowedCidrs } from './config-values.ts';
import type { ConnectionSettings } from './connection-type.ts';
import { checkSecretShape, newConnectionSecretRef, openConnectionSecret, requiredSecretFields } from './connection-secret.ts';
import { adoptSealed, deleteSealed, retireSealed, sealUnreferenced } from './sealed-secrets.ts';
import { changedDestinationFields, secretDestination, userTokenDestination } from './secret-destination.ts';
import type { Transactions } from './transact.ts';
import { connectionType } from './types/index.ts';
import { verifyConnection } from './verify-connection.ts';

export interface ConnectionServiceDeps {
  secrets: SecretStore;
  orgId: string;
  resolver?: Resolver | undefined;
  logger: Logger;
}

type ConnectionRecord = Awaited<ReturnType<typeof getConnectionRecord>>;

/** An allowance that covers nothing allowable (0.0.0.0/0, a metadata range) is refused at save, not silently ignored. */
function checkAllowances(config: Record<string, unknown>): void {
  for (const cidr of allowedCidrs(config)) {
    const check = validateAllowCidr(cidr);
    if (!check.valid) throw new RemitError('validation_failed', `config.allowPrivateCidrs: ${cidr}: ${check.problem}.`);
  }
}

function checkOAuth(c: { authMode: Connection['authMode']; oauth?: Connection['oauth'] | undefined }): void {
  if (c.authMode === 'oauth_user' && !c.oauth)
    throw new RemitError('validation_failed', 'oauth: required when authMode is oauth_user (authorizeUrl, tokenUrl, clientId).');
}

/** The live check, with no transaction open; a refusal names the reason, and an unexpected failure is logged for operators. */
async function verifyOrRefuse(deps: ConnectionServiceDeps, c: ConnectionSettings, secret: ConnectionSecret | undefined): Promise<void> {
  const result = await verifyConnection(c, secret, { resolver: deps.resolver });
  if (result.ok) return;
  if (result.cause !== undefined) deps.logger.warn({ err: result.cause, connectionType: c.type }, 'connection failed its live check at save');
  throw new RemitError('connection_verification_failed', `The connection did not pass its live check, so nothing was saved: ${result.reason}`);
}

/** Seals a connection's credentials before the write that refers to them, when it stores any. */
async function sealFor(
  deps: ConnectionServiceDeps,
  t: Transactions<Connection>,
  c: ConnectionSettings,
  connectionId: string,
  secret: ConnectionSecret | undefined,
): Promise<string | null> {
  if (!secret || requiredSecretFields(c).length === 0) return null;
  return sealUnreferenced(deps, t.tx, newConnectionSecretRef(deps.orgId, connectionId), JSON.stringify(secret));
}

/**
 * Creates a connection: checks its credentials' shape, verifies it with a live call through the
 * egress guard, seals the credentials and stores only their reference, in `t.write`. A failure
 * anywhere leaves nothing behind: no row, and no sealed secret.
 */
export async function createConnectionChecked(deps: ConnectionServiceDeps, t: Transactions<Connection>, input: ConnectionCreate): Promise<Connection> {
  checkOAuth(input);
  checkAllowances(input.config);
  checkSecretShape(input, input.secret);
  await verifyOrRefuse(deps, input, input.secret);
  const id = randomUUID();
  const secretRef = await sealFor(deps, t, input, id, input.secret);
  const { secret: _written, ...rest } = input;
  try {
    return await t.write(async (sql) => {
      if (secretRef) await adoptSealed(sql, secretRef);
      return createConnection(sql, { ...rest, id, secretRef, verifiedAt: new Date() });
    });
  } catch (err) {
    if (secretRef) await deleteSealed(deps, t.tx, [secretRef]);
    throw err;
  }
}

/** What an update's write checks it still agrees with: the fields that decide where secrets go and which secret. */
const reach = (c: ConnectionRecord) => JSON.stringify([c.updatedAt, c.authMode, c.config, c.oauth, c.secretRef]);

/**
 * Updates a connection; any change that affects how it is reached is verified live again first,
 * between the read and the write. A change that moves where the stored secret is sent needs the
 * secret again (422 secret_required_for_new_destination); one that moves where users' tokens go
 * removes every user's grant, and each user authorizes again. If another write changed the
 * connection meanwhile, nothing is saved (409 in_use).
 */
export async function updateConnectionChecked(
  deps: ConnectionServiceDeps,
  t: Transactions<Connection>,
  ref: ResourceRef,
  patch: ConnectionUpdate,
): Promise<Connection> {
  const current = await t.tx((sql) => getConnectionRecord(sql, ref));
  let config = current.config;
  if (patch.config) {
    const parsed = connectionType(current.type).configSchema.safeParse(patch.config);
    if (!parsed.success) throw zodToRemitError(parsed.error, { target: 'json', prefix: 'config' });
    config = parsed.data as Record<string, unknown>;
  }
  const next = { type: current.type, authMode: patch.authMode ?? current.authMode, config, oauth: patch.oauth ?? current.oauth ?? undefined };
  checkOAuth(next);
  checkAllowances(config);
  const storesSecret = requiredSecretFields(next).length > 0;
  // Before any network call or write: a stored secret only goes where it was saved for.
  if (!patch.secret && current.secretRef && storesSecret) {
    const moved = changedDestinationFields(secretDestination(current), secretDestination(next));
    if (moved.length) {
      throw new RemitError(
        'secret_required_for_new_destination',
        `This change moves where the stored secret would be sent (${moved.join(', ')}); send "secret" again with it. Nothing was saved.`,
      );
    }
  }
  // Users' own tokens cannot be given again by an admin: moving them signs every user out.
  const signUsersOut = changedDestinationFields(userTokenDestination(current), userTokenDestination(next)).length > 0;
  const secret = patch.secret ?? (current.secretRef ? await openConnectionSecret(deps.secrets, current.secretRef) : undefined);
  checkSecretShape(next, storesSecret ? secret : undefined);
  const reachChanged = Boolean(patch.config || patch.authMode || patch.oauth || patch.secret);
  if (reachChanged) await verifyOrRefuse(deps, next, secret);
  const newRef = patch.secret ? await sealFor(deps, t, next, current.id, patch.secret) : null;
  let retired: string[] = [];
  let updated: Connection;
  try {
    updated = await t.write(async (sql) => {
      if (reach(await lockConnectionRecord(sql, current.id)) !== reach(current)) {
        throw new RemitError('in_use', 'The connection was changed by another request while this change was being checked; nothing was saved. Send it again.');
      }
      if (newRef) await adoptSealed(sql, newRef);
      const row = await updateConnection(sql, current.id, {
        description: patch.description ?? current.description,
        authMode: next.authMode,
        config,
        ...(patch.oauth ? { oauth: patch.oauth } : {}),
        ...(newRef ? { secretRef: newRef } : storesSecret ? {} : { secretRef: null }),
        ...(reachChanged ? { verifiedAt: new Date() } : {}),
      });
      // Flows in flight go too: one finishing now would send its code to the new token endpoint.
      const signedOut = signUsersOut ? [...(await deleteOAuthGrants(sql, current.id)), ...(await deleteOAuthStates(sql, current.id))] : [];
      const replaced = newRef || !storesSecret ? current.secretRef : null;
      retired = await retireSealed(sql, [replaced, ...signedOut]);
      return row;
    });
  } catch (err) {
    if (newRef) await deleteSealed(deps, t.tx, [newRef]);
    throw err;
  }
  await deleteSealed(deps, t.tx, retired);
  return updated;
}

/**
 * Deletes a connection, its users' grants and flows in flight (which the database would drop
 * with it), and after the commit every secret they had sealed.
 */
export async function deleteConnectionChecked(deps: ConnectionServiceDeps, t: Transactions<Connection>, ref: ResourceRef): Promise<Connection> {
  let retired: string[] = [];
  const removed = await t.write(async (sql) => {
    const { id } = await getConnectionRecord(sql, ref);
    const users = [...(await deleteOAuthGrants(sql, id)), ...(await deleteOAuthStates(sql, id))];
    const { secretRef, ...visible } = await deleteConnection(sql, { id });
    retired = await retireSealed(sql, [secretRef, ...users]);
    return visible;
  });
  await deleteSealed(deps, t.tx, retired);
  return removed;
}
