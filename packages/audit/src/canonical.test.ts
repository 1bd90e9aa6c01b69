import { describe, expect, it } from 'vitest';
import { canonicalAuditFields, canonicalJson, type HashedAuditFields } from './canonical.ts';

describe('canonicalJson', () => {
  it('matches the RFC 8785 §3.2.2 example (numbers, escapes, key order)', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
  });

  it('sorts keys by UTF-16 code units as in RFC 8785 §3.2.3', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // Read the order from the text: parsing it again would move the integer-like key first.
    const order = [...canonicalJson(input).matchAll(/":"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('sorts nested keys, keeps array order, and orders integer-like keys as strings', () => {
    expect(canonicalJson({ b: [{ z: 1, y: 2 }, 3], a: { '10': true, '2': false, c: null } })).toBe(
      '{"a":{"10":true,"2":false,"c":null},"b":[{"y":2,"z":1},3]}',
    );
  });

  it('gives the same text whatever order the keys were inserted in', () => {
    expect(canonicalJson({ x: 1, y: { q: 'a', p: 'b' } })).toBe(canonicalJson({ y: { p: 'b', q: 'a' }, x: 1 }));
  });

  it.each([
    ['undefined', undefined],
    ['a nested undefined', { a: undefined }],
    ['NaN', Number.NaN],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', 1n],
    ['a function', { f: () => 1 }],
    ['a Date', { at: new Date(0) }],
    ['a Map', new Map()],
  ])('refuses %s rather than coercing it', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});

describe('canonicalAuditFields', () => {
  const base: HashedAuditFields = {
    orgId: '00000000-0000-4000-8000-000000000001',
    seq: 42,
    at: '2025-01-02T03:04:05.678Z',
    actorId: null,
    action: 'role.update',
    targetType: 'role',
    targetId: 'dev "quoted" \u2028',
    outcome: 'denied',
    requestId: null,
    detail: { z: [1, { y: 2, x: null }], a: 'é' },
  };

  it('equals canonicalJson of exactly the hashed fields, for null and set values alike', () => {
    const variants: HashedAuditFields[] = [
      base,
      { ...base, actorId: '00000000-0000-4000-8000-00000000000a', requestId: 'req-1', targetType: null, targetId: null, detail: {} },
      { ...base, seq: 1, outcome: 'success', detail: { '10': 1, '2': 2, ünïcode: ['\ud83d\ude00'] } },
    ];
    for (const fields of variants) {
      const { orgId, seq, at, actorId, action, targetType, targetId, outcome, requestId, detail } = fields;
      const expected = canonicalJson({ orgId, seq, at, actorId, action, targetType, targetId, outcome, requestId, detail });
      expect(canonicalAuditFields({ ...fields, extra: 'ignored' } as HashedAuditFields)).toBe(expected);
    }
  });

  it('refuses a missing field instead of hashing "undefined"', () => {
    const { requestId: _dropped, ...missing } = base;
    expect(() => canonicalAuditFields(missing as HashedAuditFields)).toThrow(TypeError);
  });
});
