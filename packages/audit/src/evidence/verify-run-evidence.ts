import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../canonical.ts';
import { chainHash } from '../chain-hash.ts';
import { decodeCheckpointFile, type AuditCheckpoint } from '../checkpoints/checkpoint-format.ts';
import { PROVEN_KEYS, provenRunFrom, type EvidenceEntry, type ProvenItem, type ProvenRun, type RunEvidence } from './evidence-format.ts';

export type EvidenceVerdict =
  { ok: true; runId: string; checkpoint: AuditCheckpoint; proven: ProvenRun; entries: number; asserted: string[] } | { ok: false; reason: string };

const ENTRY_KEYS = 'action,actorId,at,detail,hash,orgId,outcome,prevHash,requestId,seq,targetId,targetType';
const HEX64 = /^[0-9a-f]{64}$/;

class Refused extends Error {}
const refuse = (reason: string): never => {
  throw new Refused(reason);
};

/**
 * Verifies an evidence file offline with the checkpoints' public key: the checkpoint's
 * signature; each entry's hash recomputed and linked to the one before; the last entry being the
 * checkpoint's (same org, seq and head hash); and the proven items equal to what the run's
 * entries say. Needs no database: every check is over the file's bytes and the key.
 */
export function verifyRunEvidence(text: string, publicKey: KeyObject): EvidenceVerdict {
  try {
    return check(parse(text), publicKey);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}

function parse(text: string): RunEvidence {
  let file: RunEvidence;
  try {
    file = JSON.parse(text) as RunEvidence;
  } catch {
    return refuse('the file is not JSON');
  }
  if (file?.format !== 'remit.run-evidence' || file.v !== 2) refuse('not a version 2 remit.run-evidence file');
  if (typeof file.runId !== 'string' || !Array.isArray(file.entries) || file.entries.length === 0) refuse('the file has no run id or no audit entries');
  return file;
}

function check(file: RunEvidence, publicKey: KeyObject): EvidenceVerdict {
  let checkpoint: AuditCheckpoint;
  try {
    checkpoint = decodeCheckpointFile(JSON.stringify(file.checkpoint), publicKey).checkpoint;
  } catch (err) {
    return refuse(`the checkpoint does not verify with this key: ${(err as Error).message}`);
  }
  const entries = file.entries;
  let prev: EvidenceEntry | undefined;
  for (const e of entries) {
    verifyEntry(e, prev, checkpoint.orgId);
    prev = e;
  }
  const last = entries.at(-1)!;
  if (last.seq < checkpoint.seq) refuse(`the entries end at seq ${last.seq}, short of checkpoint ${checkpoint.seq}`);
  if (last.seq > checkpoint.seq)
    refuse(`checkpoint ${checkpoint.seq} does not cover the entries (they run to seq ${last.seq}): an older checkpoint, or not this chain's`);
  if (last.hash !== checkpoint.headHash) refuse(`entry ${last.seq} does not have the hash checkpoint ${checkpoint.seq} signed (another chain, or rewritten)`);

  const derived = provenRunFrom(file.runId, entries);
  if (!derived) return refuse(`no run.create entry for run ${file.runId} among the entries`);
  if (entries[0]!.seq !== derived.created.seq) refuse('the entries do not start at the run’s run.create entry');
  const proven: unknown = file.proven;
  if (typeof proven !== 'object' || proven === null || canonicalJson(Object.keys(proven).sort()) !== canonicalJson(PROVEN_KEYS))
    refuse(`proven must hold exactly ${PROVEN_KEYS.join(', ')}`);
  for (const key of PROVEN_KEYS) compareProven(key, (proven as Record<string, unknown>)[key], derived[key]);
  return { ok: true, runId: file.runId, checkpoint, proven: derived, entries: entries.length, asserted: Object.keys(file.asserted ?? {}).sort() };
}

/** Each proven item must be its audit entry's fields, in the entries' order: says which item and which field differ. */
function compareProven(key: (typeof PROVEN_KEYS)[number], shown: unknown, derived: ProvenItem | ProvenItem[] | null): void {
  if (!Array.isArray(derived)) {
    if (derived === null) {
      if (shown !== null) refuse(`proven.${key} is shown, but the run has no such audit entry`);
      return;
    }
    const field = firstDifference(shown, derived);
    if (field !== undefined) refuse(`proven.${key} differs from audit entry ${derived.seq} at ${field || 'the item'} (edited after export)`);
    return;
  }
  if (!Array.isArray(shown)) return refuse(`proven.${key} is not a list`);
  derived.forEach((want, i) => {
    const field = firstDifference(shown[i], want);
    if (field === undefined) return;
    if (shown.length < derived.length && shown[i] !== undefined && firstDifference(shown[i], derived[i + 1]) === undefined)
      refuse(`proven.${key} leaves out audit entry ${want.seq} (an item was dropped)`);
    refuse(`proven.${key}[${i}] differs from audit entry ${want.seq} at ${field || 'the item'} (edited, dropped or reordered after export)`);
  });
  if (shown.length !== derived.length) refuse(`proven.${key} lists ${shown.length} items, the run's audit entries hold ${derived.length}`);
}

/** The path of the first leaf where `shown` differs from `want` ('' for the whole value); undefined when they are equal. */
function firstDifference(shown: unknown, want: unknown, path = ''): string | undefined {
  if (want !== null && typeof want === 'object' && shown !== null && typeof shown === 'object' && Array.isArray(want) === Array.isArray(shown)) {
    const keys = [...new Set([...Object.keys(want), ...Object.keys(shown)])].sort();
    for (const k of keys) {
      const at = firstDifference((shown as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  return shown === want ? undefined : path;
}

/** Shape, org, hash and link of one entry; every value must be JSON the chain hash can spell once. */
function verifyEntry(e: EvidenceEntry, prev: EvidenceEntry | undefined, orgId: string): void {
  const at = typeof e?.seq === 'number' ? `entry ${e.seq}` : 'an entry';
  if (typeof e !== 'object' || e === null || Object.keys(e).sort().join(',') !== ENTRY_KEYS) refuse(`${at} does not have exactly the hashed fields`);
  if (!HEX64.test(String(e.prevHash)) || !HEX64.test(String(e.hash))) refuse(`${at} has a malformed hash`);
  if (e.orgId !== orgId) refuse(`${at} belongs to org ${String(e.orgId)}, the checkpoint to org ${orgId} (another org's checkpoint)`);
  if (prev && e.seq !== prev.seq + 1) refuse(`${at} does not follow entry ${prev.seq} (entries missing or reordered)`);
  if (prev && e.prevHash !== prev.hash) refuse(`${at} does not link to entry ${prev.seq}`);
  const { prevHash, hash, ...fields } = e;
  let recomputed: string;
  try {
    recomputed = chainHash(fields, prevHash);
  } catch {
    return refuse(`${at} holds a value with no canonical form`);
  }
  if (recomputed !== hash) refuse(`${at} does not hash to its recorded hash (a hashed field was edited)`);
}
