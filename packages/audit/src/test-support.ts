import type { Database, Sql } from '@remit/db';
import { pgErrorCode } from '@remit/db/testing';
import { appendAudit, type AuditRecord } from './append-audit.ts';

/** A frozen clock: entry i is written at 2025-01-02T03:04:05.678Z plus i seconds. */
export function clock(i: number): Date {
  return new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678) + i * 1000);
}

const actions = ['role.create', 'role.update', 'binding.delete', 'run.start'];

/** A varied record: null and set optional fields, nested detail with unsorted keys, some personal data. */
export function sampleRecord(i: number): AuditRecord {
  return {
    actorId: i % 4 === 0 ? null : `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    action: actions[i % actions.length]!,
    targetType: i % 3 === 0 ? null : 'role',
    targetId: i % 3 === 0 ? null : `role-${i}`,
    outcome: i % 5 === 0 ? 'denied' : 'success',
    requestId: i % 2 === 0 ? `req-${i}` : null,
    detail: { zeta: 'last', n: i, alpha: { b: [1, 'two', null], a: true } },
    ...(i % 3 === 0 ? { personal: { email: `user${i}@example.com`, ip: '203.0.113.7' } } : {}),
  };
}

/** Appends entries 1..count for `orgId`, each in its own tenant transaction, like requests do. */
export async function appendChain(
  db: Database,
  orgId: string,
  count: number,
  record: (i: number) => AuditRecord = sampleRecord,
): Promise<{ seq: number; hash: string }[]> {
  const written: { seq: number; hash: string }[] = [];
  for (let i = 1; i <= count; i++) {
    written.push(await db.tenant({ orgId, userId: null }, (sql) => appendAudit(sql, record(i), { now: clock(i) })));
  }
  return written;
}

/**
 * What someone with the owner's credentials can do: disable the append-only trigger, run
 * `statements` (each gets the org as $1), and re-enable it, in one transaction. The org is
 * also set for RLS, which binds a non-superuser owner too (FORCE ROW LEVEL SECURITY).
 */
export async function tamper(db: Database, orgId: string, statements: string[] | ((sql: Sql) => Promise<void>)): Promise<void> {
  await db.owner(async (sql) => {
    await sql.query(`select set_config('remit.org_id', $1, true)`, [orgId]);
    await sql.query('alter table audit_events disable trigger user');
    if (typeof statements === 'function') await statements(sql);
    else for (const text of statements) await sql.query(text, [orgId]);
    await sql.query('alter table audit_events enable trigger user');
  });
}

/** The Postgres error code a promise rejects with, or undefined if it resolves. */
export async function pgErrorOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return pgErrorCode(err) ?? `not a Postgres error: ${String(err)}`;
  }
  return undefined;
}
