import { RemitError, findingTransitions, type Finding, type FindingDetail, type FindingEvidence, type FindingSeverity, type FindingStatus } from '@remit/core';
import { iso } from './row-mapping.ts';
import type { Sql } from './sql.ts';

interface FindingRow {
  id: string;
  title: string;
  severity: FindingSeverity;
  summary: string;
  evidence: FindingEvidence[];
  suggested_change: string;
  status: FindingStatus;
  run_id: string | null;
  job_id: string | null;
  job_name: string | null;
  role: string | null;
  created_at: Date;
  updated_at: Date;
  /** created_at to the microsecond: the list's keyset position. */
  position: string;
}

const selectFindings = `
  select f.id, f.title, f.severity, f.summary, f.evidence, f.suggested_change, f.status, f.run_id, f.job_id, j.name as job_name,
         ro.name as role, f.created_at, f.updated_at,
         to_char(f.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position
    from insight_findings f
    left join insight_jobs j on j.id = f.job_id
    left join runs r on r.id = f.run_id
    left join roles ro on ro.id = r.role_id`;

function toFinding(row: FindingRow): Finding & { position: string } {
  return {
    id: row.id,
    title: row.title,
    severity: row.severity,
    summary: row.summary,
    evidence: row.evidence,
    suggestedChange: row.suggested_change,
    status: row.status,
    runId: row.run_id,
    job: row.job_id && row.job_name ? { id: row.job_id, name: row.job_name } : null,
    role: row.role,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    position: row.position,
  };
}

/** A finding as its run reports it, evidence already resolved to transcript events. */
export interface NewFinding {
  title: string;
  severity: FindingSeverity;
  summary: string;
  evidence: FindingEvidence[];
  suggestedChange: string;
}

/**
 * Stores a run's findings, each `new` with the history entry that says its run reported it. The
 * job is named only while it exists (a job deleted mid-run leaves its findings job-less).
 */
export async function insertFindings(sql: Sql, run: { runId: string; jobId: string | null }, findings: readonly NewFinding[]): Promise<string[]> {
  const ids: string[] = [];
  for (const f of findings) {
    const res = await sql.query<{ id: string }>(
      `insert into insight_findings (org_id, run_id, job_id, title, severity, summary, evidence, suggested_change)
       values (remit_current_org(), $1, (select id from insight_jobs where id = $2::uuid), $3, $4, $5, $6, $7) returning id`,
      [run.runId, run.jobId, f.title, f.severity, f.summary, JSON.stringify(f.evidence), f.suggestedChange],
    );
    const id = res.rows[0]!.id;
    await sql.query(`insert into insight_finding_history (org_id, finding_id, seq, from_status, to_status) values (remit_current_org(), $1, 1, null, 'new')`, [
      id,
    ]);
    ids.push(id);
  }
  return ids;
}

export interface FindingFilters {
  statuses?: readonly FindingStatus[] | undefined;
  severities?: readonly FindingSeverity[] | undefined;
  jobId?: string | undefined;
}

/** Newest first, after `after` (a previous page's last position and id). */
export async function listFindings(
  sql: Sql,
  options: FindingFilters & { after?: { position: string; id: string } | undefined; limit: number },
): Promise<(Finding & { position: string })[]> {
  const res = await sql.query<FindingRow>(
    `${selectFindings}
      where ($1::text[] is null or f.status = any($1)) and ($2::text[] is null or f.severity = any($2)) and ($3::uuid is null or f.job_id = $3)
        and ($4::timestamptz is null or (f.created_at, f.id) < ($4::timestamptz, $5::uuid))
      order by f.created_at desc, f.id desc limit $6`,
    [options.statuses ?? null, options.severities ?? null, options.jobId ?? null, options.after?.position ?? null, options.after?.id ?? null, options.limit],
  );
  return res.rows.map(toFinding);
}

/** One finding with its whole status history, oldest first. */
export async function getFinding(sql: Sql, id: string): Promise<FindingDetail> {
  const res = await sql.query<FindingRow>(`${selectFindings} where f.id = $1`, [id]);
  if (!res.rows[0]) throw new RemitError('not_found', `No finding ${JSON.stringify(id)}.`);
  const { position: _position, ...finding } = toFinding(res.rows[0]);
  const history = await sql.query<{
    from_status: FindingStatus | null;
    to_status: FindingStatus;
    changed_by: string | null;
    email: string | null;
    note: string;
    at: Date;
  }>(
    `select h.from_status, h.to_status, h.changed_by, u.email, h.note, h.at
       from insight_finding_history h left join users u on u.id = h.changed_by
      where h.finding_id = $1 order by h.seq`,
    [id],
  );
  return {
    ...finding,
    history: history.rows.map((h) => ({ from: h.from_status, to: h.to_status, by: h.changed_by, byEmail: h.email, note: h.note, at: iso(h.at) })),
  };
}

/**
 * Moves a finding to `to` when findingTransitions allows it from its current status, and
 * records who, when and why. The row is locked first, so two reviewers moving the same finding
 * at once are ordered: the second sees the first's status. Returns the status it left.
 */
export async function changeFindingStatus(sql: Sql, id: string, change: { to: FindingStatus; by: string | null; note: string }): Promise<FindingStatus> {
  const found = await sql.query<{ status: FindingStatus }>('select status from insight_findings where id = $1 for update', [id]);
  const from = found.rows[0]?.status;
  if (!from) throw new RemitError('not_found', `No finding ${JSON.stringify(id)}.`);
  const allowed = findingTransitions[from];
  if (!allowed.includes(change.to)) {
    const next = allowed.length ? `it can move to ${allowed.join(' or ')}` : 'it is final';
    throw new RemitError('invalid_transition', `This finding is ${from}: ${next}, not ${change.to}.`);
  }
  await sql.query('update insight_findings set status = $2, updated_at = now() where id = $1', [id, change.to]);
  await sql.query(
    `insert into insight_finding_history (org_id, finding_id, seq, from_status, to_status, changed_by, note)
     select remit_current_org(), $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5 from insight_finding_history where finding_id = $1`,
    [id, from, change.to, change.by, change.note],
  );
  return from;
}

/** The seq of each of a run's tool calls and of its result, by the tool call's id: how evidence points into the transcript. */
export async function toolCallEvents(sql: Sql, runId: string): Promise<Map<string, { tool: string; callSeq: number; resultSeq: number | null }>> {
  const res = await sql.query<{ id: string; name: string; call_seq: number; result_seq: number | null }>(
    `select c.data->>'id' as id, c.data->>'name' as name, c.seq as call_seq,
            (select min(r.seq) from run_events r where r.run_id = c.run_id and r.type = 'tool_result' and r.data->>'id' = c.data->>'id') as result_seq
       from run_events c where c.run_id = $1 and c.type = 'tool_call' order by c.seq`,
    [runId],
  );
  const calls = new Map<string, { tool: string; callSeq: number; resultSeq: number | null }>();
  for (const r of res.rows) if (!calls.has(r.id)) calls.set(r.id, { tool: r.name, callSeq: r.call_seq, resultSeq: r.result_seq });
  return calls;
}
