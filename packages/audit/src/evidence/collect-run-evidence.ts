import { getRunView, listRunEvents, type Database, type Sql } from '@remit/db';
import { hashedFields, readAuditPage } from '../audit-rows.ts';
import { decodeCheckpointFile, type SignedCheckpoint } from '../checkpoints/checkpoint-format.ts';
import { checkpointName } from '../checkpoints/checkpoint-sink.ts';
import { readCheckpointChain } from '../checkpoints/read-checkpoint-chain.ts';
import { writeAuditCheckpoint, type CheckpointWriter } from '../checkpoints/write-audit-checkpoint.ts';
import { provenRunFrom, type EvidenceEntry, type RunEvidence } from './evidence-format.ts';
import { egressRequests } from './transcript-facts.ts';
import { verifyRunEvidence } from './verify-run-evidence.ts';

/** Why an export was refused: the message says what to do (code for scripts). */
export class EvidenceExportError extends Error {
  readonly code = 'evidence_unavailable';
}

// Forces a checkpoint over the current head: an export must not wait for the periodic one.
const NOW_POLICY = { everyEntries: 1, everyMs: 0 };
const PAGE = 5000;

/**
 * Builds a run's evidence file. When the newest checkpoint does not yet cover the run's audit
 * entries it writes one first (the writer verifies the chain before signing). The result is
 * verified with the same key before it is returned, so an export never hands out a file that
 * would fail.
 */
export async function collectRunEvidence(db: Database, orgId: string, runId: string, writer: CheckpointWriter, now: Date = new Date()): Promise<RunEvidence> {
  const tx = <T>(fn: (sql: Sql) => Promise<T>) => db.tenant({ orgId, userId: null }, fn);
  const runSeqs = await tx(async (sql) => {
    await getRunView(sql, runId); // not_found for another org's run: RLS hides it
    const res = await sql.query<{ first: number | null; last: number | null }>(
      `select min(seq)::int as first, max(seq)::int as last from audit_events
        where org_id = remit_current_org() and target_type = 'run' and target_id = $1`,
      [runId],
    );
    return res.rows[0]!;
  });
  if (runSeqs.first === null || runSeqs.last === null) throw new EvidenceExportError(`Run ${runId} has no audit entries to export.`);
  const checkpoint = await coveringCheckpoint(db, orgId, writer, runSeqs.last, now);
  const entries = await tx(async (sql) => {
    const out: EvidenceEntry[] = [];
    for (let after = runSeqs.first! - 1; after < checkpoint.checkpoint.seq;) {
      const page = await readAuditPage(sql, after, Math.min(PAGE, checkpoint.checkpoint.seq - after));
      if (page.length === 0) break;
      for (const row of page) out.push({ ...hashedFields(row), prevHash: row.prev_hash, hash: row.hash });
      after = page.at(-1)!.seq;
    }
    return out;
  });
  const proven = provenRunFrom(runId, entries);
  if (!proven) throw new EvidenceExportError(`Run ${runId} has no run.create audit entry.`);
  const asserted = await tx((sql) => assertedFacts(sql, runId));
  const evidence: RunEvidence = { format: 'remit.run-evidence', v: 2, runId, exportedAt: now.toISOString(), proven, asserted, entries, checkpoint };
  const verdict = verifyRunEvidence(JSON.stringify(evidence), writer.publicKey);
  if (!verdict.ok) throw new EvidenceExportError(`The evidence does not verify against the checkpoint: ${verdict.reason}. Run remit audit verify.`);
  return evidence;
}

async function coveringCheckpoint(db: Database, orgId: string, writer: CheckpointWriter, lastSeq: number, now: Date): Promise<SignedCheckpoint> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const chain = await readCheckpointChain(writer.sink, orgId, writer.publicKey);
    if (!chain.ok) throw new EvidenceExportError(`The audit checkpoints do not verify: ${chain.reason}.`);
    if (chain.latest && chain.latest.seq >= lastSeq)
      return decodeCheckpointFile(await writer.sink.read(checkpointName(orgId, chain.latest.seq)), writer.publicKey);
    const out = await writeAuditCheckpoint(db, orgId, writer, NOW_POLICY, {}, now);
    if (out.written === false && out.why === 'chain_does_not_verify') throw new EvidenceExportError(`No checkpoint can be written: ${out.reason}.`);
  }
  throw new EvidenceExportError('No checkpoint covers the run yet; try again.');
}

/** What the exporter reads from tables the chain does not cover: the run row's totals and the transcript's egress lines; no secrets and no transcript text. */
async function assertedFacts(sql: Sql, runId: string): Promise<Record<string, unknown>> {
  const run = await getRunView(sql, runId);
  const events = [];
  for (let after = 0; ;) {
    const page = await listRunEvents(sql, runId, { afterSeq: after, limit: PAGE });
    events.push(...page);
    if (page.length < PAGE) break;
    after = page.at(-1)!.seq;
  }
  return {
    usage: run.usage,
    egressRequests: egressRequests(events),
    outcome: { status: run.status, reason: run.statusReason, steps: run.steps, finishedAt: run.finishedAt?.toISOString() ?? null },
  };
}
