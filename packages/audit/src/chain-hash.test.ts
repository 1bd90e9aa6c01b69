import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalAuditFields, type HashedAuditFields } from './canonical.ts';
import { GENESIS_PREV_HASH, chainHash } from './chain-hash.ts';

const fields: HashedAuditFields = {
  orgId: '00000000-0000-4000-8000-000000000001',
  seq: 1,
  at: '2025-01-02T03:04:05.678Z',
  actorId: '00000000-0000-4000-8000-00000000000a',
  action: 'role.create',
  targetType: 'role',
  targetId: 'platform-engineer',
  outcome: 'success',
  requestId: 'req-1',
  detail: { name: 'platform-engineer', connections: ['github'] },
};

describe('chainHash', () => {
  // Known answer, computed with `printf '%s%s' <canonical> <64 zeros> | sha256sum`. Stored
  // chains depend on this exact format: if this test fails, old entries no longer verify.
  it('matches the frozen known-answer vector for the format', () => {
    expect(canonicalAuditFields(fields)).toBe(
      '{"action":"role.create","actorId":"00000000-0000-4000-8000-00000000000a","at":"2025-01-02T03:04:05.678Z",' +
        '"detail":{"connections":["github"],"name":"platform-engineer"},"orgId":"00000000-0000-4000-8000-000000000001",' +
        '"outcome":"success","requestId":"req-1","seq":1,"targetId":"platform-engineer","targetType":"role"}',
    );
    expect(GENESIS_PREV_HASH).toBe('0'.repeat(64));
    expect(chainHash(fields, GENESIS_PREV_HASH)).toBe('0e43a5d2a214df4bbf47f5ec2cdc3cfb954c5a96732bc4cab3a343b6524968bd');
  });

  it('changes when any hashed field or the previous hash changes', () => {
    const base = chainHash(fields, GENESIS_PREV_HASH);
    const edits: Partial<HashedAuditFields>[] = [
      { orgId: '00000000-0000-4000-8000-000000000002' },
      { seq: 2 },
      { at: '2025-01-02T03:04:05.679Z' },
      { actorId: null },
      { action: 'role.delete' },
      { targetType: null },
      { targetId: 'other' },
      { outcome: 'denied' },
      { requestId: null },
      { detail: { name: 'platform-engineer', connections: [] } },
    ];
    for (const edit of edits) expect(chainHash({ ...fields, ...edit }, GENESIS_PREV_HASH), JSON.stringify(edit)).not.toBe(base);
    expect(chainHash(fields, 'f'.repeat(64))).not.toBe(base);
  });

  it('ignores properties outside the hashed set, such as personal data or the row’s own hash', () => {
    const extra = { ...fields, personal: { email: 'a@example.com' }, hash: 'x', prevHash: 'y' } as HashedAuditFields;
    expect(chainHash(extra, GENESIS_PREV_HASH)).toBe(chainHash(fields, GENESIS_PREV_HASH));
  });

  it('is SHA-256 over canonical text then prev_hash', () => {
    const prev = 'ab'.repeat(32);
    const expected = createHash('sha256')
      .update(canonicalAuditFields(fields) + prev)
      .digest('hex');
    expect(chainHash(fields, prev)).toBe(expected);
  });
});
