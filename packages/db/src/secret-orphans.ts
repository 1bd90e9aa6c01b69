import type { Sql } from './sql.ts';

/**
 * Lists sealed secrets that no row refers to, due for deletion `dueInSeconds` from now (0: at
 * once). Listing one that is already listed keeps the earlier due time.
 */
export async function addSecretOrphans(sql: Sql, refs: readonly string[], dueInSeconds: number): Promise<void> {
  // One row per ref: ON CONFLICT cannot touch the same row twice in one statement.
  const unique = [...new Set(refs)];
  if (unique.length === 0) return;
  await sql.query(
    `insert into secret_orphans (org_id, secret_ref, due_at)
     select remit_current_org(), ref, now() + make_interval(secs => $2) from unnest($1::text[]) as ref
     on conflict (org_id, secret_ref) do update set due_at = least(secret_orphans.due_at, excluded.due_at)`,
    [unique, dueInSeconds],
  );
}

/**
 * Takes a listed secret off the list because a row written in this transaction now refers to
 * it. False when a sweep has already claimed it (it may be deleting it this moment): the
 * caller must then not refer to it. A claim holds the row lock, so this waits for it.
 */
export async function adoptSecretOrphan(sql: Sql, ref: string): Promise<boolean> {
  const res = await sql.query(`delete from secret_orphans where secret_ref = $1 and attempts = 0 returning 1`, [ref]);
  return res.rows.length === 1;
}

/**
 * Claims listed secrets for deletion: the due ones, up to `limit` (a sweep), or exactly `refs`
 * whenever due (right after the transaction that listed them). Each claimed one is pushed
 * `retryInSeconds` into the future, so a deleter that dies leaves it for a later sweep, and
 * can no longer be adopted by a save. SKIP LOCKED lets every replica sweep at once.
 */
export async function claimSecretOrphans(sql: Sql, claim: { refs?: readonly string[]; limit: number; retryInSeconds: number }): Promise<string[]> {
  const res = await sql.query<{ secretRef: string }>(
    `update secret_orphans set attempts = attempts + 1, due_at = now() + make_interval(secs => $2)
      where (org_id, secret_ref) in (
        select org_id, secret_ref from secret_orphans
         where case when $3::text[] is null then due_at <= now() else secret_ref = any($3::text[]) end
         order by due_at limit $1 for update skip locked)
      returning secret_ref as "secretRef"`,
    [claim.limit, claim.retryInSeconds, claim.refs ? [...claim.refs] : null],
  );
  return res.rows.map((r) => r.secretRef);
}

/** Takes secrets off the list once the vault has deleted them. */
export async function removeSecretOrphans(sql: Sql, refs: readonly string[]): Promise<void> {
  if (refs.length === 0) return;
  await sql.query(`delete from secret_orphans where secret_ref = any($1::text[])`, [[...refs]]);
}
