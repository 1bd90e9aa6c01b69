import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { GENESIS_PREV_HASH } from '../chain-hash.ts';

/** What one checkpoint signs (docs/audit-checkpoints.md lists every field and its bytes). */
export interface AuditCheckpoint {
  /** Format version; a verifier refuses any other. */
  v: 1;
  orgId: string;
  /** The audit entry this checkpoint anchors: the chain's head when it was written. */
  seq: number;
  /** That entry's hash (64 lowercase hex). */
  headHash: string;
  /** When the checkpoint was written, `Date#toISOString()`. */
  at: string;
  /** checkpointHash of the previous checkpoint of this org; 64 zeros for the first. */
  prevCheckpointHash: string;
  /** SHA-256 (hex) of the signing key's raw 32-byte public key. */
  keyId: string;
}

/** A checkpoint file's JSON: the checkpoint and the base64 Ed25519 signature of its canonical bytes. */
export interface SignedCheckpoint {
  checkpoint: AuditCheckpoint;
  signature: string;
}

export const GENESIS_CHECKPOINT_HASH = GENESIS_PREV_HASH;

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The bytes that are signed and hashed: UTF-8 of a JSON object with exactly these seven keys in
 * this (sorted) order and no whitespace. Every value is a fixed-alphabet string or a safe
 * integer, so JSON.stringify has one spelling for each and a third party can rebuild the bytes
 * with any JSON library (tools/verify-checkpoint.mjs does, without this code).
 */
export function canonicalCheckpoint(c: AuditCheckpoint): Buffer {
  const text =
    `{"at":${JSON.stringify(c.at)},"headHash":${JSON.stringify(c.headHash)},"keyId":${JSON.stringify(c.keyId)},` +
    `"orgId":${JSON.stringify(c.orgId)},"prevCheckpointHash":${JSON.stringify(c.prevCheckpointHash)},"seq":${c.seq},"v":${c.v}}`;
  return Buffer.from(text, 'utf8');
}

/** SHA-256 (hex) of a checkpoint's canonical bytes: the next checkpoint's prevCheckpointHash. */
export function checkpointHash(c: AuditCheckpoint): string {
  return createHash('sha256').update(canonicalCheckpoint(c)).digest('hex');
}

/** The key id: SHA-256 (hex) of the raw public key, the last 32 bytes of its SPKI DER. */
export function checkpointKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256')
    .update(der.subarray(der.length - 32))
    .digest('hex');
}

/** Signs a checkpoint with an Ed25519 private key (RFC 8032: the key hashes internally, so the digest is null). */
export function signCheckpoint(c: AuditCheckpoint, privateKey: KeyObject): SignedCheckpoint {
  return { checkpoint: c, signature: sign(null, canonicalCheckpoint(c), privateKey).toString('base64') };
}

/** The bytes of a checkpoint file: its JSON and a newline. */
export function encodeCheckpointFile(signed: SignedCheckpoint): Buffer {
  return Buffer.from(`${JSON.stringify({ checkpoint: signed.checkpoint, signature: signed.signature })}\n`, 'utf8');
}

/**
 * Parses a checkpoint file and checks its signature with `publicKey`; throws a TypeError naming
 * what is wrong. Field shapes are checked before the signature so that a malformed file cannot
 * reach the canonical form with a value that has two spellings.
 */
export function decodeCheckpointFile(bytes: Buffer | string, publicKey: KeyObject): SignedCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString());
  } catch {
    throw new TypeError('not JSON');
  }
  const file = parsed as { checkpoint?: Record<string, unknown>; signature?: unknown };
  const c = file?.checkpoint;
  if (typeof c !== 'object' || c === null || typeof file.signature !== 'string') throw new TypeError('expected {checkpoint, signature}');
  const keys = Object.keys(c).sort().join(',');
  if (keys !== 'at,headHash,keyId,orgId,prevCheckpointHash,seq,v') throw new TypeError('unexpected checkpoint fields');
  if (c.v !== 1) throw new TypeError('unsupported version');
  if (typeof c.orgId !== 'string' || !UUID.test(c.orgId)) throw new TypeError('bad orgId');
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) throw new TypeError('bad seq');
  for (const k of ['headHash', 'prevCheckpointHash', 'keyId'] as const) if (typeof c[k] !== 'string' || !HEX64.test(c[k])) throw new TypeError(`bad ${k}`);
  if (typeof c.at !== 'string' || !ISO_MS.test(c.at) || Number.isNaN(Date.parse(c.at))) throw new TypeError('bad at');
  const checkpoint = c as unknown as AuditCheckpoint;
  if (checkpoint.keyId !== checkpointKeyId(publicKey)) throw new TypeError('signed by another key (keyId differs)');
  const signature = Buffer.from(file.signature, 'base64');
  if (signature.length !== 64 || !verify(null, canonicalCheckpoint(checkpoint), publicKey, signature)) throw new TypeError('bad signature');
  return { checkpoint, signature: file.signature };
}

/** An Ed25519 public key from SPKI PEM, or a TypeError. */
export function parseCheckpointPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('expected an Ed25519 public key');
  return key;
}
