import { describe, expect, it } from 'vitest';
import { FailureBuckets } from './failure-buckets.ts';

describe('FailureBuckets (fake clock)', () => {
  it('admits the capacity, then one failure per refill interval, and says how long to wait', () => {
    let now = 0;
    const buckets = new FailureBuckets({ capacity: 3, refillPerSecond: 0.5 }, { now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(buckets.retryAfterSeconds('a')).toBeUndefined();
      buckets.fail('a');
    }
    expect(buckets.retryAfterSeconds('a')).toBe(2);
    now += 1000;
    expect(buckets.retryAfterSeconds('a')).toBe(1);
    now += 1000;
    expect(buckets.retryAfterSeconds('a')).toBeUndefined();
    expect(buckets.retryAfterSeconds('b')).toBeUndefined(); // sources are separate
    now += 3_600_000;
    for (let i = 0; i < 3; i++) buckets.fail('a'); // never more than the capacity after idling
    expect(buckets.retryAfterSeconds('a')).toBe(2);
  });

  it('keeps at most maxSources buckets: sources that have refilled go first, then the least recently failed', () => {
    let now = 0;
    const buckets = new FailureBuckets({ capacity: 1, refillPerSecond: 0.01 }, { now: () => now, maxSources: 100 });
    for (let i = 0; i < 50; i++) buckets.fail(`old-${i}`);
    now += 200_000; // the old sources have refilled
    buckets.fail('attacker');
    for (let i = 0; i < 60; i++) buckets.fail(`new-${i}`); // 111 buckets: the 50 refilled ones are dropped
    expect(buckets.retryAfterSeconds('attacker')).toBeGreaterThan(0); // older than new-*, but still limited, so kept
    for (let i = 60; i < 300; i++) buckets.fail(`new-${i}`);
    // Past the bound with no refilled bucket left, the least recently failed are forgotten: the
    // price of a bounded map is that a source among many thousands can be forgotten.
    expect(buckets.retryAfterSeconds('attacker')).toBeUndefined();
    expect(buckets.retryAfterSeconds('new-0')).toBeUndefined();
    expect(buckets.retryAfterSeconds('new-299')).toBeGreaterThan(0);
  });
});
