import { appendAudit, eraseAuditPersonalNaming, shredAuditPersonalKey } from '@remit/audit';
import { RemitError, type UserPurgeCounts, type UserPurged } from '@remit/core';
import {
  clearUserRuns,
  clearUserWebhookDeliveries,
  countUnfinishedRuns,
  deleteUserBindings,
  deleteUserConsoleSessions,
  deleteUserGithubLinks,
  deleteUserOAuth,
  isUnderLegalHold,
  lockPurgeTarget,
  tombstoneUser,
  type Database,
  type Sql,
} from '@remit/db';
import { formatSecretRef, type SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import { openAuditPersonalKeyring } from './audit-personal-keyring.ts';
import { deleteSealed, retireSealed } from './connections/sealed-secrets.ts';

export interface PurgeUserDeps {
  db: Database;
  orgId: string;
  secrets: SecretStore;
  logger: Logger;
}

/** Who asked for a purge: the admin (null for a local operator acting on the database) and their request. */
export interface PurgeRequest {
  userId: string;
  actorId: string | null;
  requestId: string | null;
}

/**
 * Permanently deletes a user's personal data in the org, in one transaction with its `user.purge`
 * audit entry: bindings to their email, OAuth grants and authorizations in flight (their sealed
 * tokens deleted from the secret store after the commit), GitHub links, console sessions, their
 * runs' transcripts and inputs, webhook payloads that named them, their personal audit details
 * (key shredded; details naming them under other keys deleted), and finally the row itself,
 * which becomes a tombstone. Refused (in_use) while one of their runs is unfinished, whose
 * worker could still write to its transcript, or while a legal hold names them. Running it
 * again on a tombstone removes whatever has appeared since (usually nothing) and is audited too.
 */
export async function purgeUser(deps: PurgeUserDeps, request: PurgeRequest): Promise<UserPurged> {
  const tx = <T>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: request.actorId }, fn);
  // Sealed tokens of theirs that no row refers to (a save that died half-way) go too: the vault
  // is listed before the transaction, as a vault call never runs inside one.
  const stray = (await deps.secrets.list({ orgId: deps.orgId, scope: 'oauth_user' }))
    .filter((ref) => ref.ownerId.endsWith(`:${request.userId}`))
    .map(formatSecretRef);
  // Finding details that name them under others' keys means opening those: the keyring comes from the secret store, outside the transaction.
  const keyring = await openAuditPersonalKeyring(deps.db, deps.secrets, deps.orgId);

  const { result, secretRefs } = await tx(async (sql) => {
    const target = await lockPurgeTarget(sql, request.userId);
    if (!target) throw new RemitError('not_found', `No user ${JSON.stringify(request.userId)}.`);
    const unfinished = await countUnfinishedRuns(sql, target.id);
    if (unfinished > 0) {
      throw new RemitError(
        'in_use',
        `The user has ${unfinished} unfinished run(s); cancel them (remit runs cancel) or wait for them to end, then purge again.`,
      );
    }
    if (await isUnderLegalHold(sql, target.id)) throw new RemitError('in_use', 'A legal hold names this user or one of their runs; release it first.');

    const oauth = await deleteUserOAuth(sql, target.id);
    const secretRefs = await retireSealed(sql, [...new Set([...oauth.secretRefs, ...stray])]);
    const githubLogins = await deleteUserGithubLinks(sql, target.id);
    const runs = await clearUserRuns(sql, target.id);
    const removed: UserPurgeCounts = {
      bindings: target.email ? await deleteUserBindings(sql, target.email) : 0,
      oauthGrants: oauth.grants,
      oauthStates: oauth.states,
      sealedSecrets: secretRefs.length,
      githubLinks: githubLogins.length,
      consoleSessions: await deleteUserConsoleSessions(sql, target.id),
      webhookDeliveries: await clearUserWebhookDeliveries(sql, target.id, githubLogins),
      runs: runs.runs,
      runEvents: runs.events,
      // Before the key goes: finding details that name them means opening rows sealed under other keys.
      auditPersonal: await eraseAuditPersonalNaming(sql, { actorId: target.id, needles: [target.email ?? '', target.sub ?? ''] }, keyring),
      auditKeys: await shredAuditPersonalKey(sql, target.id),
    };
    await tombstoneUser(sql, target.id);
    const purgedAt = (await lockPurgeTarget(sql, target.id))!.purgedAt!;
    // The hashed detail holds counts and classes only; the target is the tombstone's id, which
    // is also what a replay after a backup restore reads back (README, "Permanent deletion").
    const audit = await appendAudit(sql, {
      actorId: request.actorId,
      action: 'user.purge',
      targetType: 'user',
      targetId: target.id,
      outcome: 'success',
      requestId: request.requestId,
      detail: { alreadyPurged: target.purgedAt !== null, removed },
    });
    const purged: UserPurged = {
      id: target.id,
      alreadyPurged: target.purgedAt !== null,
      purgedAt: new Date(purgedAt).toISOString(),
      removed,
      auditSeq: audit.seq,
    };
    return { result: purged, secretRefs };
  });
  // Listed as orphans in the transaction, so a vault that refuses now is retried by the sweep.
  await deleteSealed(deps, tx, secretRefs);
  return result;
}
