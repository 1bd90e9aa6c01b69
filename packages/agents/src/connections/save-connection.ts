import { randomUUID } from 'node:crypto';
import { RemitError, connectionConfigSchemas, zodToRemitError, type Connection, type ConnectionCreate, type ConnectionUpdate, type ResourceRef } from '@remit/core';
import { createConnection, deleteConnection, deleteOAuthGrants, deleteOAuthStates, getConnectionRecord, newConnectionId, updateConnection, type Sql } from '@remit/db';

import { validateAllowCidr, type Resolver } from '@remit/egress';
import { formatSecretRef, SecretValue, type SecretStore } from '@remit/secrets';
import { checkSecretShape, deleteConnectionSecret, openConnectionSecret, requiredSecretFields } from './connection-secret.ts';
import { changedDestinationFields, secretDestination, userTokenDestination } from './secret-destination.ts';
import { verifyConnection } from './verify-connection.ts';

export interface ConnectionServiceDeps {
  secrets: SecretStore;
  orgId: string;
  resolver?: Resolver | undefined;
}


/** Each sealing gets its own entry name, so a failed update never overwrites the working secret. */
async function seal(deps: ConnectionServiceDeps, connectionId: string, secret: object): Promise<string> {
  const ref = { orgId: deps.orgId, scope: 'connection' as const, ownerId: connectionId, name: `credentials-${randomUUID().slice(0, 8)}` };
  await deps.secrets.put(ref, new SecretValue(JSON.stringify(secret)));
  return formatSecretRef(ref);
}

/** An allowance that covers nothing allowable (0.0.0.0/0, a metadata range) is refused at save, not silently ignored. */
function checkAllowances(config: Record<string, unknown>): void {
  const cidrs = Array.isArray(config.allowPrivateCidrs) ? config.allowPrivateCidrs.map(String) : [];
  for (const cidr of cidrs) {
    const check = validateAllowCidr(cidr);
    if (!check.valid) throw new RemitError('validation_failed', `config.allowPrivateCidrs: ${cidr}: ${check.problem}.`);
  }
}

function checkOAuth(c: { authMode: Connection['authMode']; oauth?: Connection['oauth'] | undefined }): void {
  if (c.authMode === 'oauth_user' && !c.oauth) throw new RemitError('validation_failed', 'oauth: required when authMode is oauth_user (authorizeUrl, tokenUrl, clientId).');
}

async function verifyOrRefuse(...args: Parameters<typeof verifyConnection>): Promise<void> {
  const result = await verifyConnection(...args);
  if (!result.ok) throw new RemitError('connection_verification_failed', `The connection did not pass its live check, so nothing was saved: ${result.reason}`);
}

/**
 * Creates a connection: checks its credentials' shape, verifies it with a live call through the
 * egress guard, seals the credentials and stores only their reference. A failure anywhere
 * leaves nothing behind: no row, and no sealed secret.
 */
export async function createConnectionChecked(deps: ConnectionServiceDeps, sql: Sql, input: ConnectionCreate): Promise<Connection> {
  checkOAuth(input);
  checkAllowances(input.config);
  checkSecretShape(input, input.secret);
  await verifyOrRefuse(input, input.secret, { ...(deps.resolver ? { resolver: deps.resolver } : {}) });
  const id = await newConnectionId(sql);
  const secretRef = input.secret && requiredSecretFields(input).length ? await seal(deps, id, input.secret) : null;
  try {
    const { secret: _written, ...rest } = input;
    return await createConnection(sql, { ...rest, id, secretRef, verifiedAt: new Date() });
  } catch (err) {
    if (secretRef) await deleteConnectionSecret(deps.secrets, secretRef).catch(() => undefined);
    throw err;
  }
}

/**
 * Updates a connection; any change that affects how it is reached is verified live again first.
 * A change that moves where the stored secret is sent needs the secret again (422
 * secret_required_for_new_destination); one that moves where users' tokens go removes every
 * user's grant, and each user authorizes again.
 */
export async function updateConnectionChecked(deps: ConnectionServiceDeps, sql: Sql, ref: ResourceRef, patch: ConnectionUpdate): Promise<Connection> {
  const current = await getConnectionRecord(sql, ref);
  let config = current.config;
  if (patch.config) {
    const parsed = connectionConfigSchemas[current.type].safeParse(patch.config);
    if (!parsed.success) throw zodToRemitError(parsed.error, { target: 'json', prefix: 'config' });
    config = parsed.data as Record<string, unknown>;
  }
  const next = { type: current.type, authMode: patch.authMode ?? current.authMode, config, oauth: patch.oauth ?? current.oauth ?? undefined };
  checkOAuth(next);
  checkAllowances(config);
  // Before any network call or write: a stored secret only goes where it was saved for.
  if (!patch.secret && current.secretRef && requiredSecretFields(next).length) {
    const moved = changedDestinationFields(secretDestination(current), secretDestination(next));
    if (moved.length) {
      throw new RemitError('secret_required_for_new_destination', `This change moves where the stored secret would be sent (${moved.join(', ')}); send "secret" again with it. Nothing was saved.`);
    }
  }
  // Users' own tokens cannot be given again by an admin: moving them signs every user out.
  const signUsersOut = changedDestinationFields(userTokenDestination(current), userTokenDestination(next)).length > 0;
  const secret = patch.secret ?? (current.secretRef ? await openConnectionSecret(deps.secrets, current.secretRef) : undefined);
  checkSecretShape(next, requiredSecretFields(next).length ? secret : undefined);
  const reachChanged = patch.config || patch.authMode || patch.oauth || patch.secret;
  if (reachChanged) await verifyOrRefuse(next, secret, { ...(deps.resolver ? { resolver: deps.resolver } : {}) });
  const newRef = patch.secret && requiredSecretFields(next).length ? await seal(deps, current.id, patch.secret) : undefined;
  try {
    const updated = await updateConnection(sql, current.id, {
      description: patch.description ?? current.description,
      authMode: next.authMode,
      config,
      ...(patch.oauth ? { oauth: patch.oauth } : {}),
      ...(newRef ? { secretRef: newRef } : requiredSecretFields(next).length === 0 ? { secretRef: null } : {}),
      ...(reachChanged ? { verifiedAt: new Date() } : {}),
    });
    // Flows in flight go too: one finishing now would send its code to the new token endpoint.
    const userRefs = signUsersOut ? [...(await deleteOAuthGrants(sql, current.id)), ...(await deleteOAuthStates(sql, current.id))] : [];
    const replaced = (newRef || requiredSecretFields(next).length === 0) && current.secretRef;
    if (replaced) await deleteConnectionSecret(deps.secrets, current.secretRef!).catch(() => undefined);
    for (const userRef of userRefs) await deleteConnectionSecret(deps.secrets, userRef).catch(() => undefined);
    return updated;
  } catch (err) {
    if (newRef) await deleteConnectionSecret(deps.secrets, newRef).catch(() => undefined);
    throw err;
  }
}

/** Deletes a connection and then its sealed credentials. */
export async function deleteConnectionChecked(deps: ConnectionServiceDeps, sql: Sql, ref: ResourceRef): Promise<Connection> {
  const removed = await deleteConnection(sql, ref);
  if (removed.secretRef) await deleteConnectionSecret(deps.secrets, removed.secretRef).catch(() => undefined);
  const { secretRef: _hidden, ...visible } = removed;
  return visible;
}
