import { RemitError } from '@remit/core';
import type { Sql } from './sql.ts';

export interface BucketLimit {
  /** Tokens a full bucket holds: the burst admitted at once. */
  capacity: number;
  /** Tokens added per second after that. */
  refillPerSecond: number;
}

/**
 * Takes one token from `bucket` if it has one, refilling it first for the time since it was
 * last touched. One conditional UPDATE under the row lock, so concurrent callers and replicas
 * share the bucket exactly. `now` is the caller's clock (tests pass a fake one).
 */
export async function takeToken(
  sql: Sql,
  bucket: string,
  limit: BucketLimit,
  now: Date,
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  await sql.query(`insert into rate_buckets (org_id, bucket, tokens, refilled_at) values (remit_current_org(), $1, $2, $3) on conflict do nothing`, [
    bucket,
    limit.capacity,
    now,
  ]);
  const refill = `least($2::float8, tokens + greatest(0, extract(epoch from ($3::timestamptz - refilled_at))) * $4::float8)`;
  const taken = await sql.query(
    `update rate_buckets set tokens = ${refill} - 1, refilled_at = greatest(refilled_at, $3::timestamptz)
      where bucket = $1 and ${refill} >= 1`,
    [bucket, limit.capacity, now, limit.refillPerSecond],
  );
  if (taken.rowCount === 1) return { allowed: true };
  const state = await sql.query<{ available: number }>(`select ${refill} as available from rate_buckets where bucket = $1`, [
    bucket,
    limit.capacity,
    now,
    limit.refillPerSecond,
  ]);
  const missing = 1 - (state.rows[0]?.available ?? 0);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / limit.refillPerSecond)) };
}

/**
 * Takes a token from every bucket, or throws `rate_limited` with the longest wait. Run it in
 * the request's transaction: a refusal rolls back the tokens already taken from the others.
 */
export async function enforceRateLimits(sql: Sql, buckets: readonly (readonly [string, BucketLimit])[], now: Date): Promise<void> {
  for (const [bucket, limit] of buckets) {
    const result = await takeToken(sql, bucket, limit, now);
    if (!result.allowed) {
      const scope = bucket.split(':')[1] ?? bucket;
      throw new RemitError('rate_limited', `Too many requests for this ${scope}; retry in ${result.retryAfterSeconds} s.`, {
        details: { retryAfterSeconds: result.retryAfterSeconds, bucket: scope },
      });
    }
  }
}
