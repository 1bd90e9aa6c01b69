import type { RunEventData, RunEventType } from '@remit/core';
import type { Sql } from './sql.ts';

/** A stored event: its data has the shape its type says (see core/src/schemas/run-events.ts). */
type RunEventRecord = { [T in RunEventType]: { seq: number; type: T; data: RunEventData<T>; at: Date } }[RunEventType];

/**
 * Appends one event; the run row's counter hands out gap-free sequence numbers under its row
 * lock. The same statement announces the change (see notifications.ts), delivered at commit.
 */
export async function appendRunEvent<T extends RunEventType>(sql: Sql, runId: string, type: T, data: RunEventData<T>): Promise<RunEventRecord> {
  const res = await sql.query<RunEventRecord>(
    `with next as (update runs set last_event_seq = last_event_seq + 1 where id = $1 returning org_id, last_event_seq),
          added as (insert into run_events (org_id, run_id, seq, type, data) select org_id, $1, last_event_seq, $2, $3 from next
                    returning seq, type, data, at)
     select added.* from added cross join lateral (select pg_notify('remit_runs_' || current_schema(), $1::text)) announced`,
    [runId, type, data],
  );
  if (!res.rows[0]) throw new Error(`run ${runId} not visible`);
  return res.rows[0];
}

export async function listRunEvents(sql: Sql, runId: string, options: { afterSeq: number; limit: number }): Promise<RunEventRecord[]> {
  const res = await sql.query<RunEventRecord>('select seq, type, data, at from run_events where run_id = $1 and seq > $2 order by seq limit $3', [
    runId,
    options.afterSeq,
    options.limit,
  ]);
  return res.rows;
}
