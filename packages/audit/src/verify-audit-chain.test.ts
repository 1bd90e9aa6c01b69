import { createHash } from 'node:crypto';
import { ensureOrg, type Database } from '@remit/db';
import { createTestDatabase, testDrivers, type TestDatabase } from '@remit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedFields, type AuditRow } from './audit-rows.ts';
import { chainHash } from './chain-hash.ts';
import { appendChain, sampleRecord, tamper } from './test-support.ts';
import { AuditChainFault, verifyAuditChain } from './verify-audit-chain.ts';

// Each attack runs on two fresh orgs of its own, as someone holding the owner's credentials who
// disables the append-only trigger first (see tamper()). Not covered, by design: rewriting
// every entry from some point to the end with freshly computed hashes, or cutting entries off
// the end. The chain stays consistent with itself; only a head hash anchored outside the
// database (an export or signed checkpoint, later work) can expose that.

const CHAIN_LENGTH = 20;

// Without personal rows: their foreign key would refuse the deletes and renumbering below
// before the verifier got a say, and an attacker would simply remove them first.
const impersonal = (i: number) => ({ ...sampleRecord(i), personal: undefined });

const broken = (firstBadSeq: number, reason: AuditChainFault) => ({ ok: false, checked: firstBadSeq - 1, firstBadSeq, reason });

/** Moves entries from `fromSeq` on by `by` (±), in two steps so the primary key never clashes. */
const shift = (fromSeq: number, by: number) => [
  `update audit_events set seq = -seq where org_id = $1 and seq >= ${fromSeq}`,
  `update audit_events set seq = -seq + ${by} where org_id = $1 and seq < 0`,
];

async function readRow(db: Database, orgId: string, seq: number): Promise<AuditRow> {
  return db.tenant({ orgId, userId: null }, async (sql) => {
    const res = await sql.query<AuditRow>(
      `select org_id, seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_us, actor_id, action,
              target_type, target_id, outcome, request_id, detail, prev_hash, hash
         from audit_events where seq = $1`,
      [seq],
    );
    return res.rows[0]!;
  });
}

/** Inserts a forged entry as the owner: same shape as a real one, `hash` as the forger computed it. */
async function forge(db: Database, orgId: string, seq: number, prevHash: string, hash: (f: ReturnType<typeof hashedFields>) => string): Promise<void> {
  const fields = {
    orgId,
    seq,
    at: '2025-01-02T04:00:00.000Z',
    actorId: null,
    action: 'role.delete',
    targetType: 'role',
    targetId: 'prod-admin',
    outcome: 'success' as const,
    requestId: null,
    detail: { forged: true },
  };
  await tamper(db, orgId, (sql) =>
    sql
      .query(
        `insert into audit_events (org_id, seq, at, actor_id, action, target_type, target_id, outcome, request_id, detail, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
        [
          orgId,
          seq,
          fields.at,
          fields.actorId,
          fields.action,
          fields.targetType,
          fields.targetId,
          fields.outcome,
          fields.requestId,
          JSON.stringify(fields.detail),
          prevHash,
          hash(fields),
        ],
      )
      .then(() => undefined),
  );
}

/** A plausible-looking hash over plain JSON.stringify: insertion-ordered keys, not canonical. */
const nonCanonical = (prevHash: string) => (f: object) => createHash('sha256').update(JSON.stringify(f)).update(prevHash).digest('hex');

describe.each(testDrivers)('verifyAuditChain on %s', (driver) => {
  // One schema for the file's tests on this driver, and two new orgs for each test: the verifier
  // reads one org's chain, and every statement an attack runs is bound to its org ($1), so no
  // test sees another's entries. Migrating a schema per test was most of each test's time.
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await createTestDatabase({ driver }));
  });
  afterAll(() => drop());
  let tests = 0;
  const withOrgs = async (fn: (t: TestDatabase) => Promise<void>) => {
    tests++;
    const { orgId: orgA } = await ensureOrg(db, `org-a-${tests}`);
    const { orgId: orgB } = await ensureOrg(db, `org-b-${tests}`);
    await fn({ db, orgA, orgB });
  };

  const withChain = (fn: (t: TestDatabase) => Promise<void>) =>
    withOrgs(async (t) => {
      await appendChain(t.db, t.orgA, CHAIN_LENGTH, impersonal);
      await appendChain(t.db, t.orgB, 3);
      await fn(t);
      // Whatever was done to org A, org B's chain is untouched.
      expect(await verifyAuditChain(t.db, t.orgB)).toEqual({ ok: true, checked: 3, firstBadSeq: null, reason: null });
    });

  it('accepts an empty chain', async () => {
    await withOrgs(async ({ db, orgA }) => {
      expect(await verifyAuditChain(db, orgA)).toEqual({ ok: true, checked: 0, firstBadSeq: null, reason: null });
    });
  });

  it('accepts an intact chain at any page size, and refuses a page size below 1', async () => {
    await withChain(async ({ db, orgA }) => {
      for (const batchSize of [1, 7, 20, 21, 5000]) {
        expect(await verifyAuditChain(db, orgA, { batchSize }), `batch ${batchSize}`).toEqual({ ok: true, checked: 20, firstBadSeq: null, reason: null });
      }
      for (const batchSize of [0, -1, 2.5]) await expect(verifyAuditChain(db, orgA, { batchSize })).rejects.toThrow(RangeError);
    });
  });

  describe('(a) an edited entry is reported at its own seq', () => {
    const edits: [string, string, AuditChainFault][] = [
      ['action', `update audit_events set action = 'role.read' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['detail value', `update audit_events set detail = jsonb_set(detail, '{n}', '999') where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['detail key added', `update audit_events set detail = detail || '{"approved": true}' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      [
        'outcome flipped',
        `update audit_events set outcome = case outcome when 'success' then 'denied' else 'success' end where org_id = $1 and seq = 7`,
        AuditChainFault.hash,
      ],
      ['actor erased', `update audit_events set actor_id = null where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['target', `update audit_events set target_id = 'other' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['request id', `update audit_events set request_id = 'req-x' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['at by one second', `update audit_events set at = at + interval '1 second' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['at by one microsecond', `update audit_events set at = at + interval '1 microsecond' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['detail with a number no double holds', `update audit_events set detail = '{"n": 1e400}' where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['stored hash', `update audit_events set hash = repeat('a', 64) where org_id = $1 and seq = 7`, AuditChainFault.hash],
      ['prev_hash', `update audit_events set prev_hash = repeat('0', 64) where org_id = $1 and seq = 7`, AuditChainFault.link],
    ];
    it.each(edits)('%s', async (_label, statement, reason) => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, [statement]);
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(7, reason));
        expect(await verifyAuditChain(db, orgA, { batchSize: 3 })).toEqual(broken(7, reason));
      });
    });

    it('an edit that also recomputes its own hash is caught at the next link (8)', async () => {
      await withChain(async ({ db, orgA }) => {
        const row = await readRow(db, orgA, 7);
        const hash = chainHash({ ...hashedFields(row), action: 'role.read' }, row.prev_hash);
        await tamper(db, orgA, [`update audit_events set action = 'role.read', hash = '${hash}' where org_id = $1 and seq = 7`]);
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(8, AuditChainFault.link));
      });
    });
  });

  // firstBadSeq for a deletion is the missing seq: entries 1..checked are intact, always.
  describe('(b) a deleted entry is reported at the missing seq', () => {
    it.each([
      ['in the middle', 10, 5000],
      ['the first', 1, 5000],
      ['the first of a page', 6, 5],
      ['the last of a page', 5, 5],
    ])('%s (seq %i, pages of %i)', async (_label, seq, batchSize) => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, [`delete from audit_events where org_id = $1 and seq = ${seq}`]);
        expect(await verifyAuditChain(db, orgA, { batchSize })).toEqual(broken(seq, AuditChainFault.gap));
      });
    });

    it('a deletion hidden by renumbering the rest is caught at the same seq by its prev_hash', async () => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, [`delete from audit_events where org_id = $1 and seq = 10`, ...shift(11, -1)]);
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(10, AuditChainFault.link));
      });
    });
  });

  describe('(c) reordered entries are reported at the smaller seq', () => {
    it.each([
      [5, 12],
      [8, 9],
      [1, 20],
    ])('swap %i and %i', async (low, high) => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, [
          `update audit_events set seq = -1 where org_id = $1 and seq = ${low}`,
          `update audit_events set seq = ${low} where org_id = $1 and seq = ${high}`,
          `update audit_events set seq = ${high} where org_id = $1 and seq = -1`,
        ]);
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(low, AuditChainFault.link));
      });
    });
  });

  describe('(d) forged entries', () => {
    it('appended at the end with the right prev_hash but a non-canonical hash: reported at 21', async () => {
      await withChain(async ({ db, orgA }) => {
        const last = await readRow(db, orgA, CHAIN_LENGTH);
        await forge(db, orgA, CHAIN_LENGTH + 1, last.hash, nonCanonical(last.hash));
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(21, AuditChainFault.hash));
      });
    });

    it('inserted in the middle by shifting the rest, with a non-canonical hash: reported at 11', async () => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, shift(11, 1));
        const prev = await readRow(db, orgA, 10);
        await forge(db, orgA, 11, prev.hash, nonCanonical(prev.hash));
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(11, AuditChainFault.hash));
      });
    });

    it('inserted in the middle with a correctly computed hash: the next entry (12) no longer links', async () => {
      await withChain(async ({ db, orgA }) => {
        await tamper(db, orgA, shift(11, 1));
        const prev = await readRow(db, orgA, 10);
        await forge(db, orgA, 11, prev.hash, (f) => chainHash(f, prev.hash));
        expect(await verifyAuditChain(db, orgA)).toEqual(broken(12, AuditChainFault.link));
      });
    });
  });
});
