import { describe, expect, it } from 'vitest';
import { takeToken } from './rate-buckets.ts';
import { testDrivers, withTestDb } from './testing.ts';

describe.each(testDrivers)('token buckets on %s', (driver) => {
  it('admit exactly the capacity at once, then the refill rate, and say when to retry (fake clock)', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        const limit = { capacity: 5, refillPerSecond: 0.5 };
        const t0 = new Date('2026-11-23T10:00:00Z');
        const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
        const take = (when: Date) => db.tenant(ctx, (sql) => takeToken(sql, 'user:alice', limit, when));
        const burst = await Promise.all(Array.from({ length: 8 }, () => take(t0)));
        expect(burst.filter((r) => r.allowed)).toHaveLength(5);
        expect(burst.find((r) => !r.allowed)).toEqual({ allowed: false, retryAfterSeconds: 2 });
        expect((await take(at(1))).allowed).toBe(false); // half a token
        expect((await take(at(2))).allowed).toBe(true); // one token refilled
        expect((await take(at(2))).allowed).toBe(false);
        // Never more than the capacity, however long it idles.
        const later = await Promise.all(Array.from({ length: 7 }, () => take(at(3600))));
        expect(later.filter((r) => r.allowed)).toHaveLength(5);
        // Buckets are separate per key.
        expect((await db.tenant(ctx, (sql) => takeToken(sql, 'user:bob', limit, t0))).allowed).toBe(true);
      },
      { driver, poolSize: 8 },
    );
  });
});
