import { readFile } from 'node:fs/promises';
import { canonicalJson, parseCheckpointPublicKey, verifyRunEvidence, type EvidenceVerdict, type ProvenItem } from '@remit/audit';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';

/**
 * Verifies a run's evidence file offline, with nothing but the file and the checkpoints' public
 * key (SPKI PEM): no configuration, database or server is opened. Exit 0 verified, 1 not.
 */
export async function evidenceVerifyCommand(file: string, opts: { publicKey: string; json?: boolean }): Promise<number> {
  const publicKey = parseCheckpointPublicKey(await readFile(opts.publicKey, 'utf8'));
  const verdict = verifyRunEvidence(await readFile(file, 'utf8'), publicKey);
  process.stdout.write(opts.json ? `${JSON.stringify(verdict)}\n` : describeVerdict(verdict));
  return verdict.ok ? ExitCode.ok : ExitCode.failed;
}

/** What is proven (by the chain and the signature), item by item with its audit entry, and what is only the exporter's word. */
export function describeVerdict(v: EvidenceVerdict): string {
  if (!v.ok) return `✗ the evidence does not verify: ${escapeForTerminal(v.reason)}\n`;
  const c = v.checkpoint;
  const p = v.proven;
  // Canonical (sorted keys): the database hands detail back in its own key order.
  const d = (x: unknown) => escapeForTerminal(canonicalJson(x));
  const line = (label: string, x: ProvenItem) => `  ${label} at ${x.at}: ${d(x.detail)} (entry ${x.seq}, ${x.outcome})`;
  const list = (label: string, items: ProvenItem[]) => (items.length === 0 ? [`  ${label}: none`] : items.map((x) => line(label, x)));
  return [
    `✓ checkpoint ${c.seq} of org ${c.orgId} (${c.at}) is signed by key ${c.keyId}`,
    `✓ ${v.entries} audit entries (seq ${p.created.seq}..${c.seq}) recompute to the checkpoint's head hash`,
    'proven by those entries, each item equal to its audit entry:',
    `  run ${escapeForTerminal(v.runId)} created at ${p.created.at} by ${p.created.actorId ?? 'no user (schedule or webhook)'}: ${d(p.created.detail)} (entry ${p.created.seq})`,
    ...list('connection', p.connections),
    ...list('sandbox', p.sandbox),
    ...list('model call', p.modelCalls),
    ...list('tool call', p.toolCalls),
    ...list('tool denied', p.toolDenials),
    ...p.cancelled.map((x) => `  cancel requested at ${x.at} by ${x.actorId ?? 'unknown'}: ${d(x.detail)} (entry ${x.seq})`),
    ...p.other.map((x) => line(escapeForTerminal(x.action), x)),
    p.finished ? `  finished at ${p.finished.at}: ${d(p.finished.detail)} (entry ${p.finished.seq})` : '  not finished when exported',
    `only asserted by the exporter (not covered by an audit entry): ${v.asserted.join(', ') || 'nothing'}`,
    '',
  ].join('\n');
}
