import { RemitError } from '@remit/core';
import { addSecretOrphans, adoptSecretOrphan, claimSecretOrphans, removeSecretOrphans, type Sql } from '@remit/db';
import { SecretValue, formatSecretRef, parseSecretRef, type SecretRef, type SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';
import type { Transact } from './transact.ts';

/**
 * Sealed secrets and the transactions that refer to them. A vault write is never made inside
 * a database transaction it could outlive: a secret is sealed first and listed as an orphan
 * (`secret_orphans`) before it is, and the transaction that refers to it takes it off the list.
 * A secret a transaction stops referring to is listed in that transaction and deleted after it
 * commits. Whatever is still listed when due is deleted by `sweepSecretOrphans`, whatever
 * failed in between: the save, the delete, or the process.
 */
interface VaultDeps {
  secrets: SecretStore;
  logger: Logger;
}

// How long a sealed secret waits for the transaction that will refer to it before a sweep may
// delete it: far beyond a save's network calls (10 s per live call; STS 3 attempts of 5 s).
const UNREFERENCED_GRACE_SECONDS = 15 * 60;
// A claimed secret the vault did not delete is tried again this much later.
const RETRY_SECONDS = 60;
const SWEEP_BATCH = 50;

/** Seals `value` under `ref`, listed first so that nothing can fail between the two unnoticed. Returns the formatted ref. */
export async function sealUnreferenced(deps: VaultDeps, tx: Transact, ref: SecretRef, value: string): Promise<string> {
  const formatted = formatSecretRef(ref);
  await tx((sql) => addSecretOrphans(sql, [formatted], UNREFERENCED_GRACE_SECONDS));
  await deps.secrets.put(ref, new SecretValue(value));
  return formatted;
}

/** In the transaction that now refers to a sealed secret: off the list. Refuses when a sweep took it first (a save that outlived the grace period). */
export async function adoptSealed(sql: Sql, ref: string): Promise<void> {
  if (!(await adoptSecretOrphan(sql, ref))) {
    throw new RemitError('internal', 'The save took too long and its sealed credentials were discarded; nothing was saved. Send it again.');
  }
}

/** In the transaction that stops referring to secrets: lists them, due at once, so they are deleted even if this process dies after the commit. */
export async function retireSealed(sql: Sql, refs: readonly (string | null | undefined)[]): Promise<string[]> {
  const listed = refs.filter((r): r is string => typeof r === 'string');
  await addSecretOrphans(sql, listed, 0);
  return listed;
}

/**
 * Deletes listed secrets from the vault now: the ones a committed transaction retired, or the
 * one sealed for a transaction that failed. Only what is still listed is deleted, so a commit
 * whose acknowledgement was lost (the row refers to the secret after all) keeps its secret.
 * Never throws: the caller has already succeeded, or is failing for a reason of its own; what
 * is not deleted stays listed for the sweep, and is logged.
 */
export async function deleteSealed(deps: VaultDeps, tx: Transact, refs: readonly string[]): Promise<void> {
  if (refs.length === 0) return;
  try {
    await deleteClaimed(deps, tx, (sql) => claimSecretOrphans(sql, { refs, limit: refs.length, retryInSeconds: RETRY_SECONDS }));
  } catch (err) {
    deps.logger.warn({ err, secretRefs: refs, code: 'secret_orphans_unavailable' }, 'unreferenced secrets left to the secret_orphans sweep');
  }
}

/** The maintenance job: deletes every due orphan from the vault. Returns how many went and how many the vault refused. */
export async function sweepSecretOrphans(deps: VaultDeps, tx: Transact): Promise<{ deleted: number; refused: number }> {
  return deleteClaimed(deps, tx, (sql) => claimSecretOrphans(sql, { limit: SWEEP_BATCH, retryInSeconds: RETRY_SECONDS }));
}

async function deleteClaimed(deps: VaultDeps, tx: Transact, claim: (sql: Sql) => Promise<string[]>): Promise<{ deleted: number; refused: number }> {
  const claimed = await tx(claim);
  const deleted: string[] = [];
  for (const ref of claimed) {
    try {
      // Deleting a secret that is already gone succeeds (SecretStore), so a second attempt is harmless.
      await deps.secrets.delete(parseSecretRef(ref));
      deleted.push(ref);
    } catch (err) {
      deps.logger.warn(
        { err, secretRef: ref, code: 'secret_delete_failed' },
        'the vault did not delete an unreferenced secret; the secret_orphans sweep tries again',
      );
    }
  }
  await tx((sql) => removeSecretOrphans(sql, deleted));
  return { deleted: deleted.length, refused: claimed.length - deleted.length };
}
