import type { HashedAuditFields } from '../canonical.ts';
import type { SignedCheckpoint } from '../checkpoints/checkpoint-format.ts';

/** One audit entry as the chain hash covers it, with the two hashes that link it. */
export interface EvidenceEntry extends HashedAuditFields {
  prevHash: string;
  hash: string;
}

/** A proven item: the fields of the run's audit entry, and where that entry sits in the chain. */
export interface ProvenItem {
  seq: number;
  hash: string;
  at: string;
  actorId: string | null;
  outcome: HashedAuditFields['outcome'];
  detail: Record<string, unknown>;
}

/** What only the run's audit entries say, so what a verifier can check against the checkpoint. */
export interface ProvenRun {
  /** run.create: who (user id, never an email), the trigger type, the role name and the kind. */
  created: ProvenItem;
  /** run.cancel entries, oldest first. */
  cancelled: ProvenItem[];
  /** run.finish: status, reason, steps; null while the run has not finished. */
  finished: ProvenItem | null;
}

/**
 * `remit runs evidence` output. Everything under `proven`, `entries` and `checkpoint` (and
 * `runId`) is checked by verifyRunEvidence; `asserted` is what the exporter read from tables the
 * audit chain does not cover (transcript events, the role row as it is now) and is only its word.
 */
export interface RunEvidence {
  format: 'remit.run-evidence';
  v: 1;
  runId: string;
  exportedAt: string;
  proven: ProvenRun;
  asserted: Record<string, unknown>;
  /** Every chain entry from the run's first audit entry up to the checkpoint's seq, contiguous. */
  entries: EvidenceEntry[];
  checkpoint: SignedCheckpoint;
}

const item = (e: EvidenceEntry): ProvenItem => ({ seq: e.seq, hash: e.hash, at: e.at, actorId: e.actorId, outcome: e.outcome, detail: e.detail });

/** The proven part as the entries say it; undefined when they hold no run.create for `runId`. */
export function provenRunFrom(runId: string, entries: readonly EvidenceEntry[]): ProvenRun | undefined {
  const mine = entries.filter((e) => e.targetType === 'run' && e.targetId === runId);
  const created = mine.find((e) => e.action === 'run.create');
  if (!created) return undefined;
  const finished = mine.find((e) => e.action === 'run.finish');
  return { created: item(created), cancelled: mine.filter((e) => e.action === 'run.cancel').map(item), finished: finished ? item(finished) : null };
}
