import { createHash } from 'node:crypto';
import type { Sql } from './sql.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Records a bootstrap token for a run; only its hash is stored. */
export async function createSandboxToken(sql: Sql, runId: string, token: string, ttlSeconds: number): Promise<void> {
  await sql.query(
    `insert into sandbox_tokens (org_id, token_hash, run_id, expires_at) values (remit_current_org(), $1, $2, now() + make_interval(secs => $3))`,
    [hash(token), runId, ttlSeconds],
  );
}

/** Marks the token used if it is unused, unexpired and belongs to `runId`; true exactly once. */
export async function consumeSandboxToken(sql: Sql, runId: string, token: string): Promise<boolean> {
  const res = await sql.query(
    `update sandbox_tokens set used_at = now() where token_hash = $1 and run_id = $2 and used_at is null and expires_at > now()`,
    [hash(token), runId],
  );
  return res.rowCount === 1;
}

/** Makes every token of the run useless (the sandbox is gone). */
export async function revokeSandboxTokens(sql: Sql, runId: string): Promise<void> {
  await sql.query(`update sandbox_tokens set used_at = coalesce(used_at, now()), expires_at = least(expires_at, now()) where run_id = $1`, [runId]);
}
