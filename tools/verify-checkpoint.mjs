#!/usr/bin/env node
// Verifies Remit audit checkpoints with nothing but Node and the public key: no Remit code and
// no npm packages. The format is docs/audit-checkpoints.md.
//
//   node tools/verify-checkpoint.mjs --public-key KEY.pem FILE.json
//   node tools/verify-checkpoint.mjs --public-key KEY.pem --chain DIR   (DIR: one org's checkpoint files)
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

function main(argv) {
  const args = [...argv];
  let keyPath;
  let chainDir;
  const files = [];
  while (args.length) {
    const a = args.shift();
    if (a === '--public-key') keyPath = args.shift();
    else if (a === '--chain') chainDir = args.shift();
    else files.push(a);
  }
  if (!keyPath || (chainDir === undefined) === (files.length !== 1)) {
    process.stderr.write('usage: verify-checkpoint.mjs --public-key KEY.pem (FILE.json | --chain DIR)\n');
    return 2;
  }
  const key = createPublicKey(readFileSync(keyPath));
  if (key.asymmetricKeyType !== 'ed25519') {
    process.stderr.write('the public key is not Ed25519\n');
    return 2;
  }
  const der = key.export({ format: 'der', type: 'spki' });
  const keyId = sha256(der.subarray(der.length - 32));
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
