import { createHash } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * Records the one bootstrap of a run's sandbox. True the first time for a run, false for every
 * later attempt (a replayed or second token), whichever worker or replica sees it.
 */
export async function recordSandboxBootstrap(sql: Sql, runId: string, token: string): Promise<boolean> {
  const res = await sql.query(
    `insert into sandbox_bootstraps (org_id, run_id, token_hash) values (remit_current_org(), $1, $2) on conflict (run_id) do nothing`,
    [runId, createHash('sha256').update(token).digest('hex')],
  );
  return res.rowCount === 1;
}
