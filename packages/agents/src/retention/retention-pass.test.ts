import { appendAudit, verifyAuditChain } from '@remit/audit';
import { createLegalHold, recordWebhookDelivery, releaseLegalHold, type Database } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { runRetentionPass } from './retention-pass.ts';

// A frozen clock: every age below is measured from it, whatever today is.
const NOW = new Date('2031-06-01T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const periods = { transcripts: 90, modelCalls: 60, webhookDeliveries: 30, logs: 14 };
const SECRET_INPUT = 'why does alice@example.com see 500s';

interface Planted {
  alice: string;
  bob: string;
  runs: Record<'old' | 'young' | 'oldRunning' | 'heldRun' | 'bobs', string>;
}

/** Plants one user's data of every class at known ages, as the owner (times are the point here). */
async function plant(db: Database, org: string): Promise<Planted> {
  return db.owner(async (sql) => {
    const one = async (text: string, params: unknown[]) => (await sql.query<{ id: string }>(text, params)).rows[0]!.id;
    const alice = await one(`insert into users (org_id, sub, email) values ($1, 'alice', 'alice@example.com') returning id`, [org]);
    const bob = await one(`insert into users (org_id, sub, email) values ($1, 'bob', 'bob@example.com') returning id`, [org]);
    const role = await one(
      `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5) returning id`,
      [org],
    );
    const run = async (user: string, status: string, finishedDaysAgo: number | null) => {
      const id = await one(
        `insert into runs (org_id, kind, role_id, user_id, trigger, input, status, result, finished_at, last_event_seq)
         values ($1, 'troubleshoot', $2, $3, $4, $5, $6, '{"answer":"it was alice"}', $7, 2) returning id`,
        [org, role, user, { type: 'user', userId: user, requestId: 'req-1' }, SECRET_INPUT, status, finishedDaysAgo === null ? null : daysAgo(finishedDaysAgo)],
      );
      for (const seq of [1, 2]) {
        await sql.query(`insert into run_events (org_id, run_id, seq, type, data) values ($1, $2, $3, 'model_text', '{"text":"alice"}')`, [org, id, seq]);
      }
      await sql.query(`insert into model_calls (org_id, run_id, user_id, model, input_tokens, cost_usd, at) values ($1, $2, $3, 'm', 100, 0.5, $4)`, [
        org,
        id,
        user,
        daysAgo(finishedDaysAgo ?? 0),
      ]);
      return id;
    };
    const runs = {
      old: await run(alice, 'succeeded', 100),
      young: await run(alice, 'failed', 10),
      oldRunning: await run(alice, 'running', null),
      heldRun: await run(alice, 'succeeded', 200),
      bobs: await run(bob, 'succeeded', 200),
    };
    await sql.query(`update model_calls set at = $2 where run_id = $1`, [runs.oldRunning, daysAgo(100)]);
    for (const [id, age, outcome, runId] of [
      ['d-old', 40, 'queued', runs.old],
      ['d-young', 5, 'queued', runs.young],
      ['d-pending', 40, 'received', null],
      ['d-held', 40, 'queued', runs.heldRun],
    ] as const) {
      await sql.query(
        `insert into webhook_deliveries (org_id, source, delivery_id, event, payload, outcome, author_login, run_id, received_at)
         values ($1, 'github', $2, 'pull_request', '{"sender":"alice-gh"}', $3, 'alice-gh', $4, $5)`,
        [org, id, outcome, runId, daysAgo(age)],
      );
    }
    for (const [hash, user, expires] of [
      ['s-expired', alice, daysAgo(1)],
      ['s-live', alice, daysAgo(-1)],
      ['s-bob-expired', bob, daysAgo(1)],
    ] as const) {
      await sql.query(`insert into console_sessions (org_id, id_hash, user_id, sub, csrf_token, expires_at) values ($1, $2, $3, 's', 'c', $4)`, [
        org,
        hash,
        user,
        expires,
      ]);
    }
    await sql.query(`insert into console_logins (org_id, id_hash, flow, expires_at) values ($1, 'l-old', '{}', $2), ($1, 'l-new', '{}', $3)`, [
      org,
      daysAgo(1),
      daysAgo(-1),
    ]);
    return { alice, bob, runs };
  });
}

async function holdBobAndRun(db: Database, org: string, p: Planted): Promise<string[]> {
  return db.tenant({ orgId: org, userId: null }, async (sql) => [
    (await createLegalHold(sql, { subject: { type: 'user', id: p.bob }, reason: 'matter 1', setBy: null })).id,
    (await createLegalHold(sql, { subject: { type: 'run', id: p.runs.heldRun }, reason: 'matter 2', setBy: null })).id,
  ]);
}

async function snapshot(db: Database, org: string) {
  return db.tenant({ orgId: org, userId: null }, async (sql) => ({
    runs: new Map(
      (
        await sql.query<{ id: string; input: string; userId: string | null; result: unknown; trigger: unknown; events: number }>(
          `select id, input, user_id as "userId", result, trigger, (select count(*)::int from run_events e where e.run_id = r.id) as events from runs r`,
        )
      ).rows.map((r) => [r.id, r]),
    ),
    callsWithUser: (await sql.query<{ runId: string }>(`select run_id as "runId" from model_calls where user_id is not null order by run_id`)).rows.map(
      (r) => r.runId,
    ),
    costUsd: Number((await sql.query<{ cost: string }>(`select sum(cost_usd)::text as cost from model_calls`)).rows[0]!.cost),
    deliveries: (
      await sql.query<{ id: string; personal: boolean }>(
        `select delivery_id as id, (payload is not null or author_login is not null) as personal from webhook_deliveries order by delivery_id`,
      )
    ).rows,
    sessions: (await sql.query<{ h: string }>(`select id_hash as h from console_sessions order by id_hash`)).rows.map((r) => r.h),
    logins: (await sql.query<{ h: string }>(`select id_hash as h from console_logins order by id_hash`)).rows.map((r) => r.h),
    audit: (await sql.query<{ action: string; detail: unknown }>(`select action, detail from audit_events order by seq`)).rows,
  }));
}

describe('a retention pass', () => {
  it('removes or de-identifies what is older than its period, keeps what is younger, unfinished or held, and audits the counts', async () => {
    await withTestDb(async ({ db, orgA, orgB }) => {
      const p = await plant(db, orgA);
      const other = await plant(db, orgB);
      await holdBobAndRun(db, orgA, p);
      await db.tenant({ orgId: orgA, userId: null }, (sql) =>
        appendAudit(sql, { actorId: p.alice, action: 'run.start', outcome: 'success' }, { now: daysAgo(100) }),
      );

      const result = await runRetentionPass({ db, orgId: orgA }, { periods }, NOW);

      expect(result).toEqual({
        complete: true,
        counts: { runs: 1, runEvents: 2, modelCalls: 2, webhookDeliveries: 1, consoleSessions: 1, consoleLogins: 1, logFiles: 0 },
      });
      const after = await snapshot(db, orgA);
      expect(after.runs.get(p.runs.old)).toEqual({ id: p.runs.old, input: '', userId: null, result: null, trigger: { type: 'user' }, events: 0 });
      for (const kept of [p.runs.young, p.runs.oldRunning, p.runs.heldRun, p.runs.bobs]) {
        expect(after.runs.get(kept)).toMatchObject({ input: SECRET_INPUT, events: 2 });
      }
      // Calls over 60 days old forget their user (old and oldRunning), unless the run or user is held; cost stays.
      expect(after.callsWithUser.sort()).toEqual([p.runs.young, p.runs.heldRun, p.runs.bobs].sort());
      expect(after.costUsd).toBe(2.5);
      expect(after.deliveries).toEqual([
        { id: 'd-held', personal: true },
        { id: 'd-old', personal: false },
        { id: 'd-pending', personal: true },
        { id: 'd-young', personal: true },
      ]);
      expect(after.sessions).toEqual(['s-bob-expired', 's-live']);
      expect(after.logins).toEqual(['l-new']);
      expect(after.audit.at(-1)).toEqual({
        action: 'retention.pass',
        detail: { counts: result.counts, periods, complete: true },
      });
      expect(JSON.stringify(after.audit.at(-1))).not.toMatch(/alice|bob|example\.com/);
      expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 2 });

      // Another org's data is out of reach of this org's pass.
      expect((await snapshot(db, orgB)).runs.get(other.runs.old)).toMatchObject({ input: SECRET_INPUT, events: 2 });

      // Idempotent: a second pass finds nothing, changes nothing and appends no entry.
      const again = await runRetentionPass({ db, orgId: orgA }, { periods }, NOW);
      expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
      expect(await snapshot(db, orgA)).toEqual(after);
    });
  });

  it('takes held data once its hold is released', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const p = await plant(db, orgA);
      const holds = await holdBobAndRun(db, orgA, p);
      await runRetentionPass({ db, orgId: orgA }, { periods }, NOW);
      await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
        for (const id of holds) await releaseLegalHold(sql, id, null);
      });

      const { counts } = await runRetentionPass({ db, orgId: orgA }, { periods }, NOW);

      expect(counts).toMatchObject({ runs: 2, runEvents: 4, modelCalls: 2, webhookDeliveries: 1, consoleSessions: 1 });
      const after = await snapshot(db, orgA);
      expect(after.runs.get(p.runs.heldRun)).toMatchObject({ input: '', events: 0 });
      expect(after.runs.get(p.runs.bobs)).toMatchObject({ input: '', userId: null, events: 0 });
    });
  });

  it('cut off after one batch, resumes at the next pass and finishes without doing anything twice', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const owner = await plant(db, orgA);
      // Five more old finished runs: six in all for the transcript class.
      await db.owner((sql) =>
        sql.query(
          `insert into runs (org_id, kind, role_id, user_id, trigger, input, status, finished_at)
           select org_id, kind, role_id, user_id, trigger, input, status, finished_at from runs, generate_series(1, 5) where id = $1`,
          [owner.runs.old],
        ),
      );
      const settings = { periods, batchSize: 2, maxBatches: 1 };
      const passes = [];
      for (let i = 0; i < 4; i++) passes.push(await runRetentionPass({ db, orgId: orgA }, settings, NOW));

      // bobs and heldRun are 200 days old too, but not held in this test: 8 transcripts in all.
      expect(passes.map((r) => [r.counts.runs, r.complete])).toEqual([
        [2, false],
        [2, false],
        [2, false],
        [2, false],
      ]);
      const last = await runRetentionPass({ db, orgId: orgA }, settings, NOW);
      expect([last.counts.runs, last.complete]).toEqual([0, true]);
      const audited = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
        sql.query<{ runs: number }>(`select (detail -> 'counts' ->> 'runs')::int as runs from audit_events where action = 'retention.pass' order by seq`),
      );
      expect(audited.rows.map((r) => r.runs)).toEqual([2, 2, 2, 2]);
      expect(await verifyAuditChain(db, orgA)).toMatchObject({ ok: true, checked: 4 });
    });
  });

  it('keeps a de-identified webhook delivery as a replay guard: the same delivery id sent again is still refused', async () => {
    await withTestDb(async ({ db, orgA }) => {
      await plant(db, orgA);
      await runRetentionPass({ db, orgId: orgA }, { periods }, NOW);
      const replayed = await db.tenant({ orgId: orgA, userId: null }, (sql) =>
        recordWebhookDelivery(sql, { deliveryId: 'd-old', event: 'pull_request', action: 'opened', body: '{"sender":"alice-gh"}' }),
      );
      expect(replayed).toBe(false);
    });
  });

  it('prunes rotated log files older than the log period through the hook it is given', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const asked: Date[] = [];
      const { counts } = await runRetentionPass(
        { db, orgId: orgA },
        {
          periods,
          pruneLogs: async (before) => {
            asked.push(before);
            return 3;
          },
        },
        NOW,
      );
      expect(asked).toEqual([daysAgo(14)]);
      expect(counts.logFiles).toBe(3);
    });
  });
});
