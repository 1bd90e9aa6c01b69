import { readFile } from 'node:fs/promises';
import { parseCheckpointPublicKey, verifyRunEvidence, type EvidenceVerdict } from '@remit/audit';
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

/** What is proven (by the chain and the signature) and what is only the exporter's word. */
export function describeVerdict(v: EvidenceVerdict): string {
  if (!v.ok) return `✗ the evidence does not verify: ${escapeForTerminal(v.reason)}\n`;
  const c = v.checkpoint;
  const { created, finished, cancelled } = v.proven;
  const d = (x: unknown) => escapeForTerminal(JSON.stringify(x));
  return [
    `✓ checkpoint ${c.seq} of org ${c.orgId} (${c.at}) is signed by key ${c.keyId}`,
    `✓ ${v.entries} audit entries (seq ${created.seq}..${c.seq}) recompute to the checkpoint's head hash`,
    'proven by those entries:',
    `  run ${escapeForTerminal(v.runId)} created at ${created.at} by ${created.actorId ?? 'no user (schedule or webhook)'}: ${d(created.detail)} (entry ${created.seq})`,
    ...cancelled.map((x) => `  cancel requested at ${x.at} by ${x.actorId ?? 'unknown'}: ${d(x.detail)} (entry ${x.seq})`),
    finished ? `  finished at ${finished.at}: ${d(finished.detail)} (entry ${finished.seq})` : '  not finished when exported',
    `only asserted by the exporter (not covered by an audit entry): ${v.asserted.join(', ') || 'nothing'}`,
    '',
  ].join('\n');
}
