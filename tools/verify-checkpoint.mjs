#!/usr/bin/env node
// Verifies Remit audit checkpoints and run evidence files with nothing but Node and the public
// key: no Remit code and no npm packages. The formats are docs/audit-checkpoints.md and
// docs/evidence.md.
//
//   node tools/verify-checkpoint.mjs --public-key KEY.pem FILE.json
//   node tools/verify-checkpoint.mjs --public-key KEY.pem --chain DIR   (DIR: one org's checkpoint files)
//   node tools/verify-checkpoint.mjs --public-key KEY.pem --evidence EVIDENCE.json
//
// Exit 0: every file verified (the last line says what is proven); 1: one did not (the reason);
// 2: usage.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const GENESIS = '0'.repeat(64);

function canonical(c) {
  return Buffer.from(
    `{"at":${JSON.stringify(c.at)},"headHash":${JSON.stringify(c.headHash)},"keyId":${JSON.stringify(c.keyId)},` +
      `"orgId":${JSON.stringify(c.orgId)},"prevCheckpointHash":${JSON.stringify(c.prevCheckpointHash)},"seq":${c.seq},"v":${c.v}}`,
    'utf8',
  );
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function check(bytes, key, keyId) {
  let file;
  try {
    file = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('not JSON');
  }
  const c = file?.checkpoint;
  if (typeof c !== 'object' || c === null || typeof file.signature !== 'string') throw new Error('expected {checkpoint, signature}');
  if (Object.keys(c).sort().join(',') !== 'at,headHash,keyId,orgId,prevCheckpointHash,seq,v') throw new Error('unexpected checkpoint fields');
  if (c.v !== 1) throw new Error('unsupported version');
  if (typeof c.orgId !== 'string' || !UUID.test(c.orgId)) throw new Error('bad orgId');
  if (!Number.isSafeInteger(c.seq) || c.seq < 1) throw new Error('bad seq');
  for (const k of ['headHash', 'prevCheckpointHash', 'keyId']) if (typeof c[k] !== 'string' || !HEX64.test(c[k])) throw new Error(`bad ${k}`);
  if (typeof c.at !== 'string' || !ISO_MS.test(c.at) || Number.isNaN(Date.parse(c.at))) throw new Error('bad at');
  if (c.keyId !== keyId) throw new Error('signed by another key (keyId differs)');
  const signature = Buffer.from(file.signature, 'base64');
  if (signature.length !== 64 || !verify(null, canonical(c), key, signature)) throw new Error('bad signature');
  return c;
}

// RFC 8785 (JCS) for JSON data: keys sorted by UTF-16 code units, no whitespace, strings and
// numbers as JSON.stringify writes them. What the audit chain hashes.
function canonicalJson(v) {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('a number with no canonical form');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  throw new Error('a value with no canonical form');
}

const ENTRY_FIELDS = ['action', 'actorId', 'at', 'detail', 'orgId', 'outcome', 'requestId', 'seq', 'targetId', 'targetType'];
const PROVEN_KEYS = ['cancelled', 'connections', 'created', 'finished', 'modelCalls', 'other', 'sandbox', 'toolCalls', 'toolDenials'];
// Which proven list each of a run's audit actions lands in; run.create and the first run.finish are single items, anything else is `other`.
const LIST_OF = {
  'run.connection': 'connections',
  'run.sandbox_create': 'sandbox',
  'run.sandbox_destroy': 'sandbox',
  'run.model_call': 'modelCalls',
  'run.tool_call': 'toolCalls',
  'run.tool_denied': 'toolDenials',
  'run.cancel': 'cancelled',
};

function provenFrom(runId, entries) {
  const item = (e) => ({ seq: e.seq, hash: e.hash, at: e.at, action: e.action, actorId: e.actorId, outcome: e.outcome, detail: e.detail });
  const mine = entries.filter((e) => e.targetType === 'run' && e.targetId === runId);
  const created = mine.find((e) => e.action === 'run.create');
  if (!created) throw new Error(`no run.create entry for run ${runId} among the entries`);
  const p = { created: item(created), finished: null };
  for (const k of PROVEN_KEYS) if (!(k in p)) p[k] = [];
  for (const e of mine) {
    if (e === created) continue;
    if (e.action === 'run.finish' && p.finished === null) p.finished = item(e);
    else p[LIST_OF[e.action] ?? 'other'].push(item(e));
  }
  return p;
}

function checkEvidence(bytes, key, keyId) {
  let file;
  try {
    file = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('not JSON');
  }
  if (file?.format !== 'remit.run-evidence' || file.v !== 2) throw new Error('not a version 2 remit.run-evidence file');
  if (typeof file.runId !== 'string' || !Array.isArray(file.entries) || file.entries.length === 0) throw new Error('no run id or no audit entries');
  let c;
  try {
    c = check(Buffer.from(JSON.stringify(file.checkpoint)), key, keyId);
  } catch (err) {
    throw new Error(`the checkpoint does not verify with this key: ${err.message}`);
  }
  let prev;
  for (const e of file.entries) {
    const at = typeof e?.seq === 'number' ? `entry ${e.seq}` : 'an entry';
    if (typeof e !== 'object' || e === null || Object.keys(e).sort().join(',') !== [...ENTRY_FIELDS, 'hash', 'prevHash'].sort().join(','))
      throw new Error(`${at} does not have exactly the hashed fields`);
    if (!HEX64.test(String(e.prevHash)) || !HEX64.test(String(e.hash))) throw new Error(`${at} has a malformed hash`);
    if (e.orgId !== c.orgId) throw new Error(`${at} belongs to another org than the checkpoint`);
    if (prev && e.seq !== prev.seq + 1) throw new Error(`${at} does not follow entry ${prev.seq} (entries missing or reordered)`);
    if (prev && e.prevHash !== prev.hash) throw new Error(`${at} does not link to entry ${prev.seq}`);
    // The entry's hash: SHA-256 of the canonical JSON of exactly its ten hashed fields, then prevHash.
    const fields = Object.fromEntries(ENTRY_FIELDS.map((k) => [k, e[k]]));
    if (sha256(canonicalJson(fields) + e.prevHash) !== e.hash) throw new Error(`${at} does not hash to its recorded hash (a hashed field was edited)`);
    prev = e;
  }
  if (prev.seq !== c.seq || prev.hash !== c.headHash)
    throw new Error(`the entries end at seq ${prev.seq}, checkpoint ${c.seq} signed another head (an older or newer checkpoint, or another chain)`);
  const proven = provenFrom(file.runId, file.entries);
  if (file.entries[0].seq !== proven.created.seq) throw new Error('the entries do not start at the run’s run.create entry');
  if (typeof file.proven !== 'object' || file.proven === null || Object.keys(file.proven).sort().join(',') !== PROVEN_KEYS.join(','))
    throw new Error(`proven must hold exactly ${PROVEN_KEYS.join(', ')}`);
  for (const k of PROVEN_KEYS) {
    const want = proven[k];
    const items = Array.isArray(want) ? want : [want];
    const shown = Array.isArray(want) ? file.proven[k] : [file.proven[k]];
    if (!Array.isArray(shown) || shown.length !== items.length)
      throw new Error(`proven.${k} does not list one item per audit entry (an item dropped or added)`);
    items.forEach((w, i) => {
      if (canonicalJson(shown[i]) !== canonicalJson(w))
        throw new Error(`proven.${k}${Array.isArray(want) ? `[${i}]` : ''} differs from its audit entry ${w?.seq ?? ''}`);
    });
  }
  return { runId: file.runId, c, proven, entries: file.entries.length, asserted: Object.keys(file.asserted ?? {}).sort() };
}

function describeEvidence(v) {
  const line = (label, x) => `  ${label} at ${x.at}: ${canonicalJson(x.detail)} (entry ${x.seq}, ${x.outcome})`;
  const p = v.proven;
  return [
    `ok run ${JSON.stringify(v.runId)}: ${v.entries} audit entries (seq ${p.created.seq}..${v.c.seq}) chain to checkpoint ${v.c.seq} of org ${v.c.orgId} at ${v.c.at}`,
    'proven, each item equal to its audit entry:',
    line('created', p.created),
    ...p.connections.map((x) => line('connection', x)),
    ...p.sandbox.map((x) => line(x.action, x)),
    ...p.modelCalls.map((x) => line('model call', x)),
    ...p.toolCalls.map((x) => line('tool call', x)),
    ...p.toolDenials.map((x) => line('tool denied', x)),
    ...p.cancelled.map((x) => line('cancel', x)),
    ...p.other.map((x) => line(x.action, x)),
    p.finished ? line('finished', p.finished) : '  not finished when exported',
    `only asserted by the exporter: ${v.asserted.join(', ') || 'nothing'}`,
    '',
  ].join('\n');
}

function main(argv) {
  const args = [...argv];
  let keyPath;
  let chainDir;
  let evidence;
  const files = [];
  while (args.length) {
    const a = args.shift();
    if (a === '--public-key') keyPath = args.shift();
    else if (a === '--chain') chainDir = args.shift();
    else if (a === '--evidence') evidence = args.shift();
    else files.push(a);
  }
  const modes = [chainDir !== undefined, evidence !== undefined, files.length > 0].filter(Boolean).length;
  if (!keyPath || modes !== 1 || files.length > 1) {
    process.stderr.write('usage: verify-checkpoint.mjs --public-key KEY.pem (FILE.json | --chain DIR | --evidence EVIDENCE.json)\n');
    return 2;
  }
  const key = createPublicKey(readFileSync(keyPath));
  if (key.asymmetricKeyType !== 'ed25519') {
    process.stderr.write('the public key is not Ed25519\n');
    return 2;
  }
  const der = key.export({ format: 'der', type: 'spki' });
  const keyId = sha256(der.subarray(der.length - 32));
  if (evidence !== undefined) {
    try {
      process.stdout.write(describeEvidence(checkEvidence(readFileSync(evidence), key, keyId)));
    } catch (err) {
      process.stdout.write(`FAIL ${evidence}: ${err.message}\n`);
      return 1;
    }
    return 0;
  }
  const names =
    chainDir === undefined
      ? files
      : readdirSync(chainDir)
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => join(chainDir, n));
  let prev;
  for (const path of names) {
    let c;
    try {
      c = check(readFileSync(path), key, keyId);
      if (chainDir !== undefined) {
        const named = Number(/(\d{20})\.json$/.exec(path)?.[1]);
        if (c.seq !== named) throw new Error(`claims seq ${c.seq} under the name of seq ${named} (moved or reordered)`);
        if (prev && c.orgId !== prev.orgId) throw new Error('belongs to another org');
        if (prev && c.seq <= prev.seq) throw new Error('seq does not increase');
        if (c.prevCheckpointHash !== (prev ? sha256(canonical(prev)) : GENESIS))
          throw new Error('does not link to the checkpoint before it (one removed, inserted or reordered)');
      }
    } catch (err) {
      process.stdout.write(`FAIL ${path}: ${err.message}\n`);
      return 1;
    }
    process.stdout.write(`ok ${path}: org ${c.orgId} seq ${c.seq} head ${c.headHash} at ${c.at}\n`);
    prev = c;
  }
  if (!prev) {
    process.stdout.write('no checkpoint files\n');
    return 1;
  }
  const scope = chainDir === undefined ? 'this checkpoint' : `${names.length} linked checkpoint(s)`;
  process.stdout.write(
    `verified: ${scope} signed by key ${keyId}; an audit log whose entry ${prev.seq} has hash ${prev.headHash} holds exactly the entries 1..${prev.seq} that existed at ${prev.at}\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
