import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendRunEvent, createRole, createRun, type Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../append-audit.ts';
import { impersonal, withCheckpointDir } from '../checkpoints/checkpoint-test-support.ts';
import { writeAuditCheckpoint, type CheckpointWriter } from '../checkpoints/write-audit-checkpoint.ts';
import { clock } from '../test-support.ts';
import { collectRunEvidence } from './collect-run-evidence.ts';
import { verifyRunEvidence } from './verify-run-evidence.ts';

/** A run as startRun and executeRun record it: row, transcript events, run.create and run.finish entries, with other entries between. */
async function seedRun(db: Database, orgId: string): Promise<string> {
  return db.tenant({ orgId, userId: null }, async (sql) => {
    await appendAudit(sql, impersonal(1), { now: clock(1) });
    const role = await createRole(sql, {
      name: 'oncall',
      description: '',
      connections: [],
      runKinds: ['troubleshoot'],
      limits: { maxDurationSeconds: 900, maxSteps: 30 },
    });
    const run = await createRun(sql, {
      kind: 'troubleshoot',
      roleId: role.id,
      userId: null,
      trigger: { type: 'schedule', scheduleId: 's1' },
      input: 'why 500s',
      maxDurationSeconds: 900,
      maxSteps: 30,
    });
    const audit = (action: string, detail: Record<string, unknown>, i: number) =>
      appendAudit(sql, { actorId: null, action, targetType: 'run', targetId: run.id, outcome: 'success', detail }, { now: clock(i) });
    await audit('run.create', { kind: 'troubleshoot', role: 'oncall', trigger: 'schedule' }, 2);
    await appendRunEvent(sql, run.id, 'model_turn', {
      step: 1,
      model: 'm1',
      text: 'secret thoughts',
      toolCalls: [],
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    await appendRunEvent(sql, run.id, 'tool_call', { id: 't1', name: 'http_get', input: { path: '/x' } });
    await appendRunEvent(sql, run.id, 'tool_result', { id: 't1', name: 'http_get', ok: false, error: { code: 'egress_denied', message: 'no' } });
    await appendRunEvent(sql, run.id, 'egress', { connection: 'payments', method: 'GET', path: '/x', allowed: false, reason: 'private_address' });
    await appendAudit(sql, impersonal(3), { now: clock(3) });
    await audit('run.finish', { status: 'succeeded', reason: null, steps: 1 }, 4);
    return run.id;
  });
}

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

  it('exports a run whose proven items verify offline with the public key alone, writing the checkpoint it needs', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const evidence = await collectRunEvidence(db, orgA, runId, w, clock(10));
      expect(evidence.checkpoint.checkpoint.seq).toBe(4);
      expect(evidence.entries.map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(evidence.asserted).toMatchObject({
        modelCalls: [{ model: 'm1', inputTokens: 10, outputTokens: 5 }],
        toolCalls: [{ name: 'http_get', ok: false, errorCode: 'egress_denied' }],
        egress: [{ connection: 'payments', allowed: false, reason: 'private_address' }],
        role: { name: 'oncall', definitionSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      expect(JSON.stringify(evidence)).not.toContain('secret thoughts');
      const verdict = verifyRunEvidence(JSON.stringify(evidence), w.publicKey);
      expect(verdict).toMatchObject({
        ok: true,
        runId,
        proven: { created: { seq: 2, detail: { role: 'oncall' } }, finished: { seq: 4, detail: { status: 'succeeded' } } },
      });
    });
  });

  it('fails with a reason when any proven field of the file is changed', async () => {
    await withRun(async ({ db, orgA, runId, w }) => {
      const text = JSON.stringify(await collectRunEvidence(db, orgA, runId, w, clock(10)));
      const base = JSON.parse(text) as Record<string, unknown>;
      const paths = [['runId'], ...(['proven', 'entries', 'checkpoint'] as const).flatMap((k) => provenPaths(base[k], [k]))];
      expect(paths.length).toBeGreaterThan(40);
      for (const path of paths) {
        const file = JSON.parse(text) as Record<string, unknown>;
        tamperAt(file, path);
        const verdict = verifyRunEvidence(JSON.stringify(file), w.publicKey);
        expect(verdict.ok, `tampered ${path.join('.')}`).toBe(false);
        if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(10);
      }
    });
  });

  it('refuses the evidence with another key, another org’s checkpoint, or an older checkpoint that does not cover it', async () => {
    await withRun(async ({ db, orgA, orgB, runId, w }) => {
      await writeAuditCheckpoint(db, orgA, w, { everyEntries: 1, everyMs: 0 }, {}, clock(5)); // covers seq 4
      const evidence = await collectRunEvidence(db, orgA, runId, w, clock(10));
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

      await db.tenant({ orgId: orgA, userId: null }, (sql) => appendAudit(sql, impersonal(20), { now: clock(20) }));
      const later = await collectRunEvidence(db, orgA, runId, w, clock(30)); // still the seq-4 checkpoint: it covers the run
      expect(later.checkpoint.checkpoint.seq).toBe(4);
      const older = { ...evidence, entries: evidence.entries.slice(0, 2), checkpoint: evidence.checkpoint };
      expect(verifyRunEvidence(JSON.stringify(older), w.publicKey)).toEqual({ ok: false, reason: 'the entries end at seq 3, short of checkpoint 4' });
      await writeAuditCheckpoint(db, orgA, w, policy, {}, clock(40)); // seq 5
      const newer = await collectRunEvidence(db, orgA, runId, w, clock(50));
      expect(verifyRunEvidence(JSON.stringify({ ...newer, checkpoint: evidence.checkpoint }), w.publicKey)).toEqual({
        ok: false,
        reason: expect.stringMatching(/checkpoint 4 does not cover the entries \(they run to seq 5\)/),
      });
    });
  });
});
