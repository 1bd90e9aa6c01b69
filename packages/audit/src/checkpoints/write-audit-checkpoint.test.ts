import { withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { appendChain, clock, tamper } from '../test-support.ts';
import { impersonal, withCheckpointDir } from './checkpoint-test-support.ts';
import { writeAuditCheckpoint } from './write-audit-checkpoint.ts';

const policy = { everyEntries: 10, everyMs: 5 * 60_000 };
const minutes = (n: number) => new Date(clock(0).getTime() + n * 60_000);

describe('writeAuditCheckpoint', () => {
  it('writes every N entries or after T minutes with new entries, and never over a tampered chain', async () => {
    await withTestDb(async ({ db, orgA }) =>
      withCheckpointDir(async (w) => {
        const state = {};
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(0))).toEqual({ written: false, why: 'not_due' });
        await appendChain(db, orgA, 3, impersonal);
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(1))).toMatchObject({ written: true, checkpoint: { seq: 3 } });
        await appendChain(db, orgA, 4, impersonal); // seq 4..7 (appendChain restarts its sample numbers)
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(5))).toEqual({ written: false, why: 'not_due' });
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(6))).toMatchObject({ written: true, checkpoint: { seq: 7 } });
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(60))).toEqual({ written: false, why: 'not_due' });
        await appendChain(db, orgA, 10, impersonal);
        expect(await writeAuditCheckpoint(db, orgA, w, policy, state, minutes(61))).toMatchObject({ written: true, checkpoint: { seq: 17 } });

        // A fresh process (empty state) reads the chain back from the sink and carries on from it.
        await tamper(db, orgA, ['delete from audit_events where org_id = $1 and seq > 12']);
        await appendChain(db, orgA, 10, impersonal);
        expect(await writeAuditCheckpoint(db, orgA, w, policy, {}, minutes(70))).toMatchObject({
          written: false,
          why: 'chain_does_not_verify',
        });
      }),
    );
  });

  it('lets one of two racing replicas write, and the other sees it was written', async () => {
    await withTestDb(async ({ db, orgA }) =>
      withCheckpointDir(async (w) => {
        await appendChain(db, orgA, 3, impersonal);
        const outcomes = await Promise.all([
          writeAuditCheckpoint(db, orgA, w, policy, {}, minutes(1)),
          writeAuditCheckpoint(db, orgA, w, policy, {}, minutes(1)),
        ]);
        expect(outcomes.map((o) => o.written).sort()).toEqual([false, true]);
        expect(outcomes.find((o) => !o.written)).toEqual({ written: false, why: 'lost_race' });
      }),
    );
  });
});
