import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelay } from './openai-retry.ts';

describe('retryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it('reads seconds, an HTTP date and OpenAI retry-after-ms', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 12:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'retry-after-ms': '250.5', 'retry-after': '1' }, now)).toBe(251);
  });
  it('ignores what it cannot read', () => {
    for (const value of ['', 'soon', '-1', '1.5e3']) expect(retryAfterMs({ 'retry-after': value }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('draws up to the capped exponential', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy, undefined, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(retryDelay(3, policy, undefined, () => 0)).toBe(0);
  });
  it('honours Retry-After up to the cap and stops beyond it', () => {
    expect(retryDelay(1, policy, 1000)).toBe(1000);
    expect(retryDelay(1, policy, 1001)).toBeNull();
  });
});
