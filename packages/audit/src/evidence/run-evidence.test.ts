import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendRunEvent, createRole, createRun, findRole, type Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../append-audit.ts';
import { impersonal, withCheckpointDir } from '../checkpoints/checkpoint-test-support.ts';
import { writeAuditCheckpoint, type CheckpointWriter } from '../checkpoints/write-audit-checkpoint.ts';
import { clock } from '../test-support.ts';
import { collectRunEvidence } from './collect-run-evidence.ts';
import { PROVEN_KEYS, RunAuditAction, type RunEvidence } from './evidence-format.ts';
import { verifyRunEvidence } from './verify-run-evidence.ts';

/**
 * A run as startRun and executeRun record it: row, transcript events and the run's audit entries
 * (created, a connection checked, sandbox up, two model calls, a tool call with an egress denial,
 * a refused tool call, sandbox down, finished), with another org entry between.
 */
async function seedRun(db: Database, orgId: string): Promise<string> {
  return db.tenant({ orgId, userId: null }, async (sql) => {
    await appendAudit(sql, impersonal(1), { now: clock(1) });
    const role =
      (await findRole(sql, { name: 'oncall' })) ??
      (await createRole(sql, {
        name: 'oncall',
        description: '',
        connections: [],
        runKinds: ['troubleshoot'],
        limits: { maxDurationSeconds: 900, maxSteps: 30 },
      }));
    const run = await createRun(sql, {
      kind: 'troubleshoot',
      roleId: role.id,
      userId: null,
      trigger: { type: 'schedule', scheduleId: 's1' },
      input: 'why 500s',
      maxDurationSeconds: 900,
      maxSteps: 30,
    });
    let i = 2;
    const audit = (action: string, detail: Record<string, unknown>, outcome: 'success' | 'denied' | 'error' = 'success') =>
      appendAudit(sql, { actorId: null, action, targetType: 'run', targetId: run.id, outcome, detail }, { now: clock(i++) });
    await audit(RunAuditAction.create, { kind: 'troubleshoot', role: 'oncall', roleDefinitionSha256: 'ab'.repeat(32), trigger: 'schedule' });
    await audit(RunAuditAction.connection, {
      connectionId: role.id,
      connection: 'payments',
      type: 'http',
      authMode: 'service_account',
      verified: true,
      failure: null,
    });
    await audit(RunAuditAction.sandboxCreate, { sandboxId: 'sbx-1', readyMs: 412 });
    const usage = { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.000105, latencyMs: 730 };
    await audit(RunAuditAction.modelCall, { callId: 'c1', model: 'm1', ...usage });
    await appendRunEvent(sql, run.id, 'model_turn', {
      step: 1,
      model: 'm1',
      text: 'secret thoughts',
      toolCalls: [],
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    await appendRunEvent(sql, run.id, 'tool_call', { id: 't1', name: 'exec', input: { command: ['curl', 'x'] } });
    await appendRunEvent(sql, run.id, 'egress', { connection: 'payments', method: 'GET', path: '/x', allowed: false, reason: 'private_address' });
    await appendRunEvent(sql, run.id, 'tool_result', { id: 't1', name: 'exec', ok: true, output: { exitCode: 7 } });
    const egress = { allowed: 1, denied: 1, denials: [{ connection: 'payments', method: 'GET', reason: 'private_address' }] };
    await audit(RunAuditAction.toolCall, { id: 't1', tool: 'exec', connection: null, ok: true, errorCode: null, egress });
    await audit(RunAuditAction.toolDenied, { id: 't2', tool: 'http', connection: null, reason: 'connection_not_in_role' }, 'denied');
    await appendAudit(sql, impersonal(3), { now: clock(i++) });
    await audit(RunAuditAction.modelCall, { callId: 'c2', model: 'm1', ...usage, inputTokens: 30 });
    await audit(RunAuditAction.sandboxDestroy, { sandboxId: 'sbx-1', destroyed: true, egressOutsideToolCalls: { allowed: 0, denied: 0, denials: [] } });
    await audit(RunAuditAction.finish, { status: 'succeeded', reason: null, steps: 2 });
    return run.id;
  });
}

/** The seq of the seeded run's last entry (run.finish). */
const LAST_SEQ = 11;

const policy = { everyEntries: 1, everyMs: 0 };

/** Every JSON path under the fields verifyRunEvidence proves. */
function provenPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => provenPaths(v, [...path, Array.isArray(value) ? Number(k) : k]));
  return [path];
}

/** Changes the leaf at `path` to a different value of a plausible kind (a string keeps its length). */
function tamperAt(file: Record<string, unknown>, path: (string | number)[]): void {
  let parent = file as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path.at(-1)!;
  const v = parent[key];
  if (typeof v === 'string') {
    const i = Math.floor(v.length / 2);
    parent[key] = v.length === 0 ? 'x' : v.slice(0, i) + (v[i] === '0' ? '1' : '0') + v.slice(i + 1);
  } else if (typeof v === 'number') parent[key] = v + 1;
  else if (typeof v === 'boolean') parent[key] = !v;
  else parent[key] = 'x';
}

describe.each(testDrivers)('run evidence on %s', (driver) => {
  const withRun = (fn: (t: { db: Database; orgA: string; orgB: string; runId: string; w: CheckpointWriter }) => Promise<void>) =>
    withTestDb(async ({ db, orgA, orgB }) => withCheckpointDir(async (w) => fn({ db, orgA, orgB, w, runId: await seedRun(db, orgA) })), { driver });

  it('exports a run whose every item is proven by its audit entry, verifying offline with the public key alone', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const evidence = await collectRunEvidence(db, orgA, runId, w, clock(30));
      expect(evidence.checkpoint.checkpoint.seq).toBe(LAST_SEQ);
      expect(evidence.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(evidence.asserted).toMatchObject({ egressRequests: [{ connection: 'payments', path: '/x', allowed: false, reason: 'private_address' }] });
      expect(JSON.stringify(evidence)).not.toContain('secret thoughts');
      const verdict = verifyRunEvidence(JSON.stringify(evidence), w.publicKey);
      expect(verdict).toMatchObject({
        ok: true,
        runId,
        asserted: ['egressRequests', 'outcome', 'usage'],
        proven: {
          created: { seq: 2, detail: { role: 'oncall', roleDefinitionSha256: 'ab'.repeat(32) } },
          connections: [{ seq: 3, detail: { connection: 'payments', verified: true } }],
          sandbox: [
            { seq: 4, action: RunAuditAction.sandboxCreate },
            { seq: 10, action: RunAuditAction.sandboxDestroy, detail: { destroyed: true } },
          ],
          modelCalls: [
            { seq: 5, detail: { model: 'm1', inputTokens: 10, costUsd: 0.000105 } },
            { seq: 9, detail: { inputTokens: 30 } },
          ],
          toolCalls: [{ seq: 6, detail: { tool: 'exec', egress: { denied: 1, denials: [{ reason: 'private_address' }] } } }],
          toolDenials: [{ seq: 7, outcome: 'denied', detail: { reason: 'connection_not_in_role' } }],
          cancelled: [],
          finished: { seq: 11, detail: { status: 'succeeded' } },
          other: [],
        },
      });
    });
  });

  it('fails with a reason when any proven field of the file is changed', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const text = JSON.stringify(await collectRunEvidence(db, orgA, runId, w, clock(30)));
      const base = JSON.parse(text) as Record<string, unknown>;
      const paths = [['runId'], ...(['proven', 'entries', 'checkpoint'] as const).flatMap((k) => provenPaths(base[k], [k]))];
      expect(paths.length).toBeGreaterThan(200);
      for (const path of paths) {
        const file = JSON.parse(text) as Record<string, unknown>;
        tamperAt(file, path);
        const verdict = verifyRunEvidence(JSON.stringify(file), w.publicKey);
        expect(verdict.ok, `tampered ${path.join('.')}`).toBe(false);
        if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(10);
      }
    });
  });

  it('names the item and field when any field of any proven item is replaced by any other JSON value (property)', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const text = JSON.stringify(await collectRunEvidence(db, orgA, runId, w, clock(30)));
      const base = JSON.parse(text) as RunEvidence;
      const leaves = PROVEN_KEYS.flatMap((k) => provenPaths(base.proven[k], ['proven', k])).filter((p) => p.length > 2);
      fc.assert(
        fc.property(fc.constantFrom(...leaves), fc.jsonValue(), (path, value) => {
          const file = JSON.parse(text) as Record<string, unknown>;
          let parent = file as Record<string | number, unknown>;
          for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
          fc.pre(JSON.stringify(parent[path.at(-1)!]) !== JSON.stringify(value));
          parent[path.at(-1)!] = value;
          const verdict = verifyRunEvidence(JSON.stringify(file), w.publicKey);
          expect(verdict.ok).toBe(false);
          const item = path.slice(1, typeof path[2] === 'number' ? 3 : 2);
          const named = typeof item[1] === 'number' ? `proven.${item[0]}[${item[1]}]` : `proven.${String(item[0])}`;
          if (!verdict.ok) expect(verdict.reason).toContain(named);
        }),
        { numRuns: 300 },
      );
    });
  });

  it('fails when an item is dropped, added or moved, naming the audit entry left out', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const evidence = await collectRunEvidence(db, orgA, runId, w, clock(30));
      const verify = (proven: Partial<RunEvidence['proven']>) =>
        verifyRunEvidence(JSON.stringify({ ...evidence, proven: { ...evidence.proven, ...proven } }), w.publicKey);
      const [first, second] = evidence.proven.modelCalls;
      expect(verify({ modelCalls: [second!] })).toEqual({ ok: false, reason: 'proven.modelCalls leaves out audit entry 5 (an item was dropped)' });
      expect(verify({ modelCalls: [first!] })).toEqual({
        ok: false,
        reason: expect.stringMatching(/^proven.modelCalls\[1\] differs from audit entry 9 at the item/),
      });
      expect(verify({ modelCalls: [second!, first!] })).toEqual({
        ok: false,
        reason: expect.stringMatching(/^proven.modelCalls\[0\] differs from audit entry 5/),
      });
      expect(verify({ toolCalls: [] })).toEqual({ ok: false, reason: expect.stringMatching(/^proven.toolCalls\[0\] differs from audit entry 6/) });
      expect(verify({ connections: [...evidence.proven.connections, evidence.proven.connections[0]!] })).toEqual({
        ok: false,
        reason: "proven.connections lists 2 items, the run's audit entries hold 1",
      });
      const { sandbox: _dropped, ...withoutSandbox } = evidence.proven;
      expect(verifyRunEvidence(JSON.stringify({ ...evidence, proven: withoutSandbox }), w.publicKey)).toEqual({
        ok: false,
        reason: expect.stringMatching(/^proven must hold exactly cancelled, connections, created/),
      });
      // Dropping the entry itself breaks the chain instead.
      const gap = { ...evidence, entries: evidence.entries.filter((e) => e.seq !== 6) };
      expect(verifyRunEvidence(JSON.stringify(gap), w.publicKey)).toEqual({
        ok: false,
        reason: 'entry 7 does not follow entry 5 (entries missing or reordered)',
      });
    });
  });

  it('refuses one run’s evidence presented with another run’s checkpoint', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const mine = await collectRunEvidence(db, orgA, runId, w, clock(30));
      const laterRun = await seedRun(db, orgA);
      const theirs = await collectRunEvidence(db, orgA, laterRun, w, clock(40));
      expect(theirs.checkpoint.checkpoint.seq).toBeGreaterThan(LAST_SEQ);
      expect(verifyRunEvidence(JSON.stringify({ ...mine, checkpoint: theirs.checkpoint }), w.publicKey)).toEqual({
        ok: false,
        reason: `the entries end at seq ${LAST_SEQ}, short of checkpoint ${theirs.checkpoint.checkpoint.seq}`,
      });
      expect(verifyRunEvidence(JSON.stringify({ ...theirs, checkpoint: mine.checkpoint }), w.publicKey)).toEqual({
        ok: false,
        reason: expect.stringMatching(new RegExp(`^checkpoint ${LAST_SEQ} does not cover the entries`)),
      });
      // Its own entries under the other run's id: that run's items are not the ones shown.
      expect(verifyRunEvidence(JSON.stringify({ ...mine, runId: laterRun }), w.publicKey)).toEqual({
        ok: false,
        reason: `no run.create entry for run ${laterRun} among the entries`,
      });
    });
  });

  it('refuses the evidence with another key, another org’s checkpoint, or an older checkpoint that does not cover it', async () => {
    await withRun(async ({ db, orgA, orgB, runId, w }) => {
      await writeAuditCheckpoint(db, orgA, w, { everyEntries: 1, everyMs: 0 }, {}, clock(25)); // covers the run
      const evidence = await collectRunEvidence(db, orgA, runId, w, clock(30));
      const other: KeyObject = generateKeyPairSync('ed25519').publicKey;
      expect(verifyRunEvidence(JSON.stringify(evidence), other)).toEqual({
        ok: false,
        reason: expect.stringMatching(/does not verify with this key: signed by another key/),
      });

      await db.tenant({ orgId: orgB, userId: null }, (sql) => appendAudit(sql, impersonal(1), { now: clock(1) }));
      for (let i = 0; i < 4; i++) await db.tenant({ orgId: orgB, userId: null }, (sql) => appendAudit(sql, impersonal(i + 2), { now: clock(i + 2) }));
      const theirs = await writeAuditCheckpoint(db, orgB, w, policy, {}, clock(6));
      expect(theirs.written).toBe(true);
      const signed = JSON.parse(await w.sink.read(`${orgB}/${String(4 + 1).padStart(20, '0')}.json`).then(String)) as unknown;
      expect(verifyRunEvidence(JSON.stringify({ ...evidence, checkpoint: signed }), w.publicKey)).toEqual({
        ok: false,
        reason: expect.stringMatching(/belongs to org .*, the checkpoint to org .* \(another org's checkpoint\)/),
      });

      await db.tenant({ orgId: orgA, userId: null }, (sql) => appendAudit(sql, impersonal(40), { now: clock(40) }));
      const later = await collectRunEvidence(db, orgA, runId, w, clock(45)); // still the run's checkpoint: it covers the run
      expect(later.checkpoint.checkpoint.seq).toBe(LAST_SEQ);
      const older = { ...evidence, entries: evidence.entries.slice(0, 2), checkpoint: evidence.checkpoint };
      expect(verifyRunEvidence(JSON.stringify(older), w.publicKey)).toEqual({ ok: false, reason: `the entries end at seq 3, short of checkpoint ${LAST_SEQ}` });
      await writeAuditCheckpoint(db, orgA, w, policy, {}, clock(50)); // seq 12
      const newer = await collectRunEvidence(db, orgA, runId, w, clock(55));
      expect(verifyRunEvidence(JSON.stringify({ ...newer, checkpoint: evidence.checkpoint }), w.publicKey)).toEqual({
        ok: false,
        reason: expect.stringMatching(new RegExp(`checkpoint ${LAST_SEQ} does not cover the entries \\(they run to seq ${LAST_SEQ + 1}\\)`)),
      });
    });
  });
});
