import type { HashedAuditFields } from '../canonical.ts';
import type { SignedCheckpoint } from '../checkpoints/checkpoint-format.ts';

/** One audit entry as the chain hash covers it, with the two hashes that link it. */
export interface EvidenceEntry extends HashedAuditFields {
  prevHash: string;
  hash: string;
}

/**
 * The audit actions the run path writes about one run (targetType `run`, targetId the run id),
 * and the `proven` list each one lands in. The worker writes them (packages/agents) and the
 * evidence reads them back, so both name them from here.
 */
export const RunAuditAction = {
  create: 'run.create',
  connection: 'run.connection',
  sandboxCreate: 'run.sandbox_create',
  sandboxDestroy: 'run.sandbox_destroy',
  modelCall: 'run.model_call',
  toolCall: 'run.tool_call',
  toolDenied: 'run.tool_denied',
  cancel: 'run.cancel',
  finish: 'run.finish',
} as const;

/** A proven item: the fields of one of the run's audit entries, and where that entry sits in the chain. */
export interface ProvenItem {
  seq: number;
  hash: string;
  at: string;
  action: string;
  actorId: string | null;
  outcome: HashedAuditFields['outcome'];
  detail: Record<string, unknown>;
}

/** What only the run's audit entries say, so what a verifier can check against the checkpoint. Lists are oldest first. */
export interface ProvenRun {
  /** run.create: who (user id, never an email), the trigger type, the kind, the role's name and the SHA-256 of its definition then. */
  created: ProvenItem;
  /** run.connection: each of the role's connections, its type and auth mode, and whether its live check passed. */
  connections: ProvenItem[];
  /** run.sandbox_create (id, readiness) and run.sandbox_destroy (whether it went, egress outside tool calls). */
  sandbox: ProvenItem[];
  /** run.model_call: model, tokens, cost, latency of each metered call. */
  modelCalls: ProvenItem[];
  /** run.tool_call: each tool the sandbox ran, its result and a summary of its egress decisions and denials. */
  toolCalls: ProvenItem[];
  /** run.tool_denied: tool calls refused before the sandbox (a tool or connection outside the role). */
  toolDenials: ProvenItem[];
  /** run.cancel entries. */
  cancelled: ProvenItem[];
  /** run.finish: status, reason, steps; null while the run has not finished. */
  finished: ProvenItem | null;
  /** Any other entry about the run (a refused sandbox bootstrap), so nothing audited about it is left out. */
  other: ProvenItem[];
}

export const PROVEN_KEYS = ['cancelled', 'connections', 'created', 'finished', 'modelCalls', 'other', 'sandbox', 'toolCalls', 'toolDenials'] as const;

/**
 * `remit runs evidence` output (docs/evidence.md). Everything under `proven`, `entries` and
 * `checkpoint` (and `runId`) is checked by verifyRunEvidence; `asserted` is what the exporter read
 * from tables the audit chain does not cover (the transcript's per-request egress lines, the run
 * row's totals) and is only its word.
 */
export interface RunEvidence {
  format: 'remit.run-evidence';
  v: 2;
  runId: string;
  exportedAt: string;
  proven: ProvenRun;
  asserted: Record<string, unknown>;
  /** Every chain entry from the run's first audit entry up to the checkpoint's seq, contiguous. */
  entries: EvidenceEntry[];
  checkpoint: SignedCheckpoint;
}

const item = (e: EvidenceEntry): ProvenItem => ({
  seq: e.seq,
  hash: e.hash,
  at: e.at,
  action: e.action,
  actorId: e.actorId,
  outcome: e.outcome,
  detail: e.detail,
});

const listOf: Partial<Record<string, keyof ProvenRun>> = {
  [RunAuditAction.connection]: 'connections',
  [RunAuditAction.sandboxCreate]: 'sandbox',
  [RunAuditAction.sandboxDestroy]: 'sandbox',
  [RunAuditAction.modelCall]: 'modelCalls',
  [RunAuditAction.toolCall]: 'toolCalls',
  [RunAuditAction.toolDenied]: 'toolDenials',
  [RunAuditAction.cancel]: 'cancelled',
};

/** The proven part as the entries say it; undefined when they hold no run.create for `runId`. */
export function provenRunFrom(runId: string, entries: readonly EvidenceEntry[]): ProvenRun | undefined {
  const mine = entries.filter((e) => e.targetType === 'run' && e.targetId === runId);
  const created = mine.find((e) => e.action === RunAuditAction.create);
  if (!created) return undefined;
  const proven: ProvenRun = {
    created: item(created),
    connections: [],
    sandbox: [],
    modelCalls: [],
    toolCalls: [],
    toolDenials: [],
    cancelled: [],
    finished: null,
    other: [],
  };
  for (const e of mine) {
    if (e === created) continue;
    if (e.action === RunAuditAction.finish && proven.finished === null) proven.finished = item(e);
    else (proven[listOf[e.action] ?? 'other'] as ProvenItem[]).push(item(e));
  }
  return proven;
}
