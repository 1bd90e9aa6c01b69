/**
 * Where signed checkpoints go: append-only storage outside the database, so that whoever owns
 * the database cannot also rewrite the anchors. One object per checkpoint, named by org and
 * zero-padded seq so that names sort in chain order.
 */
export interface CheckpointSink {
  /** For messages: `dir:PATH` or `s3://BUCKET/PREFIX`. */
  readonly description: string;
  /** Stores a new object; `exists` when that name is taken (never overwritten). */
  create(name: string, bytes: Buffer): Promise<'created' | 'exists'>;
  /** Every object name under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  read(name: string): Promise<Buffer>;
}

/** `<orgId>/<seq, 20 digits>.json`: 20 digits hold any bigint seq, and sort as numbers do. */
export function checkpointName(orgId: string, seq: number): string {
  return `${orgId}/${String(seq).padStart(20, '0')}.json`;
}

/** The seq a checkpoint name claims, or undefined for a name that is not one. */
export function seqOfCheckpointName(orgId: string, name: string): number | undefined {
  const m = /^([0-9a-f-]{36})\/(\d{20})\.json$/.exec(name);
  return m && m[1] === orgId ? Number(m[2]) : undefined;
}
