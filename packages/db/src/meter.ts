import { RemitError } from '@remit/core';
import type { Sql } from './sql.ts';

export type BudgetScope = 'org' | 'role' | 'user';

interface MeterScopes {
  roleId: string | null;
  userId: string | null;
}

/** The first day of the month `at` falls in (UTC): budgets are monthly. */
function periodStart(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

function scopeKeys(scopes: MeterScopes): { scope: BudgetScope; key: string }[] {
  // A fixed order (org, role, user) so concurrent reservations lock rows in the same order.
  return [
    { scope: 'org' as const, key: 'org' },
    ...(scopes.roleId ? [{ scope: 'role' as const, key: scopes.roleId }] : []),
    ...(scopes.userId ? [{ scope: 'user' as const, key: scopes.userId }] : []),
  ];
}

/**
 * Reserves `estimateUsd` against every capped scope, or none: one conditional UPDATE per scope
 * (it matches only while spent + reserved + estimate stays within the cap, re-checked under the
 * row lock), all in the caller's transaction, which a refusal rolls back whole.
 */
export async function reserveModelCall(
  sql: Sql,
  call: MeterScopes & { runId: string | null; model: string; estimateUsd: number; at: Date },
): Promise<{ callId: string }> {
  const period = periodStart(call.at);
  for (const { scope, key } of scopeKeys(call)) {
    const cap = await sql.query<{ cap: string }>('select monthly_cap_usd as cap from budgets where scope = $1 and scope_key = $2', [scope, key]);
    if (!cap.rows[0]) continue;
    await sql.query(`insert into budget_usage (org_id, scope, scope_key, period_start) values (remit_current_org(), $1, $2, $3) on conflict do nothing`, [
      scope,
      key,
      period,
    ]);
    const reserved = await sql.query(
      `update budget_usage u set reserved_usd = u.reserved_usd + $4
         from budgets b
        where b.org_id = u.org_id and b.scope = u.scope and b.scope_key = u.scope_key
          and u.scope = $1 and u.scope_key = $2 and u.period_start = $3
          and u.spent_usd + u.reserved_usd + $4 <= b.monthly_cap_usd`,
      [scope, key, period, call.estimateUsd],
    );
    if (reserved.rowCount !== 1) {
      throw new RemitError('budget_exhausted', `The ${scope} budget for this month has no room for another model call.`, { details: { scope } });
    }
  }
  const res = await sql.query<{ id: string }>(
    `insert into model_calls (org_id, run_id, model, status, reserved_usd, period_start, role_id, user_id, at)
     values (remit_current_org(), $1, $2, 'reserved', $3, $4, $5, $6, $7) returning id`,
    [call.runId, call.model, call.estimateUsd, period, call.roleId, call.userId, call.at],
  );
  return { callId: res.rows[0]!.id };
}

/**
 * The first capped scope (in org, role, user order) whose month is already spent or reserved up
 * to its cap: a new run there could not make a single model call. Undefined when all have room.
 */
export async function fullBudgetScope(sql: Sql, scopes: MeterScopes, at: Date): Promise<BudgetScope | undefined> {
  const period = periodStart(at);
  for (const { scope, key } of scopeKeys(scopes)) {
    const res = await sql.query<{ full: boolean }>(
      `select coalesce(u.spent_usd, 0) + coalesce(u.reserved_usd, 0) >= b.monthly_cap_usd as full
         from budgets b left join budget_usage u on u.org_id = b.org_id and u.scope = b.scope and u.scope_key = b.scope_key and u.period_start = $3
        where b.scope = $1 and b.scope_key = $2`,
      [scope, key, period],
    );
    if (res.rows[0]?.full) return scope;
  }
  return undefined;
}

/** Settles a reservation with the real usage and cost; idempotent (a settled call stays as it is). */
export async function settleModelCall(
  sql: Sql,
  callId: string,
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number; latencyMs: number },
): Promise<boolean> {
  const call = await sql.query<{ reserved_usd: string; period_start: string; role_id: string | null; user_id: string | null }>(
    `update model_calls set status = 'settled', input_tokens = $2, output_tokens = $3, cache_read_tokens = $4, cache_write_tokens = $5,
            cost_usd = $6, latency_ms = $7, settled_at = now()
      where id = $1 and status = 'reserved'
      returning reserved_usd, to_char(period_start, 'YYYY-MM-DD') as period_start, role_id, user_id`,
    [callId, usage.inputTokens, usage.outputTokens, usage.cacheReadTokens, usage.cacheWriteTokens, usage.costUsd, Math.round(usage.latencyMs)],
  );
  const row = call.rows[0];
  if (!row) return false;
  for (const { scope, key } of scopeKeys({ roleId: row.role_id, userId: row.user_id })) {
    await sql.query(
      `update budget_usage set reserved_usd = greatest(reserved_usd - $4, 0), spent_usd = spent_usd + $5
        where scope = $1 and scope_key = $2 and period_start = $3`,
      [scope, key, row.period_start, row.reserved_usd, usage.costUsd],
    );
  }
  return true;
}

/**
 * Releases reservations older than `olderThanSeconds` whose caller never settled (a crash
 * between reserve and settle), so they stop holding budget. Returns how many were released.
 */
export async function releaseStaleReservations(sql: Sql, olderThanSeconds: number): Promise<number> {
  const stale = await sql.query<{ id: string; reserved_usd: string; period_start: string; role_id: string | null; user_id: string | null }>(
    `update model_calls set status = 'released', settled_at = now()
      where id in (select id from model_calls where status = 'reserved' and at < now() - make_interval(secs => $1) for update skip locked)
      returning id, reserved_usd, to_char(period_start, 'YYYY-MM-DD') as period_start, role_id, user_id`,
    [olderThanSeconds],
  );
  for (const row of stale.rows) {
    for (const { scope, key } of scopeKeys({ roleId: row.role_id, userId: row.user_id })) {
      await sql.query(`update budget_usage set reserved_usd = greatest(reserved_usd - $4, 0) where scope = $1 and scope_key = $2 and period_start = $3`, [
        scope,
        key,
        row.period_start,
        row.reserved_usd,
      ]);
    }
  }
  return stale.rows.length;
}

export async function setBudget(sql: Sql, scope: BudgetScope, key: string, monthlyCapUsd: number): Promise<void> {
  await sql.query(
    `insert into budgets (org_id, scope, scope_key, monthly_cap_usd) values (remit_current_org(), $1, $2, $3)
     on conflict (org_id, scope, scope_key) do update set monthly_cap_usd = excluded.monthly_cap_usd, updated_at = now()`,
    [scope, key, monthlyCapUsd],
  );
}

export async function deleteBudget(sql: Sql, scope: BudgetScope, key: string): Promise<void> {
  await sql.query('delete from budgets where scope = $1 and scope_key = $2', [scope, key]);
}

interface BudgetRow {
  scope: BudgetScope;
  scopeKey: string;
  monthlyCapUsd: number;
  spentUsd: number;
  reservedUsd: number;
}

/**
 * Budgets with their spend in the month of `at`, by scope then scope key (the primary key);
 * `scopes`, `after` and `limit` take one page of some scopes (default: all of every scope).
 */
export async function listBudgets(
  sql: Sql,
  at: Date,
  page: { scopes?: readonly BudgetScope[]; after?: { scope: BudgetScope; scopeKey: string }; limit?: number } = {},
): Promise<BudgetRow[]> {
  const res = await sql.query<BudgetRow>(
    `select b.scope, b.scope_key as "scopeKey", b.monthly_cap_usd::float8 as "monthlyCapUsd",
            coalesce(u.spent_usd, 0)::float8 as "spentUsd", coalesce(u.reserved_usd, 0)::float8 as "reservedUsd"
       from budgets b left join budget_usage u on u.org_id = b.org_id and u.scope = b.scope and u.scope_key = b.scope_key and u.period_start = $1
      where ($2::text[] is null or b.scope = any($2::text[]))
        and ($3::text is null or (b.scope, b.scope_key) > ($3::text, $4::text))
      order by b.scope, b.scope_key
      limit $5`,
    [periodStart(at), page.scopes ? [...page.scopes] : null, page.after?.scope ?? null, page.after?.scopeKey ?? null, page.limit ?? null],
  );
  return res.rows;
}
