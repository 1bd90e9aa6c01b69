import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zodToRemitError } from '../zod-to-remit-error.ts';
import { RoleCreate } from './role.ts';
import { Slug, refFromSegment } from './common.ts';

// Generated inputs: the invariant is about every string, not a few chosen ones.
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n });
/** Any 8-4-4-4-12 hex string: every version and variant, nil, upper and mixed case. */
const uuidShaped = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));
const slugShaped = fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/);

describe('names are never ids', () => {
  it('refuses every UUID-shaped name with its own code, whatever else the request has', () => {
    fc.assert(
      fc.property(fc.oneof(uuidShaped, fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] })), (name) => {
        const parsed = RoleCreate.safeParse({ name, runKinds: ['review'] });
        expect(parsed.success).toBe(false);
        expect(zodToRemitError(parsed.error!, { target: 'json' }).code).toBe('name_looks_like_id');
        expect(refFromSegment(name)).toEqual({ id: name });
      }),
      { numRuns: 1000 },
    );
  });

  it('a path segment that is a valid name is always looked up as a name, never as an id', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          slugShaped,
          uuidShaped.map((u) => u.toLowerCase()),
        ),
        (segment) => {
          if (Slug.safeParse(segment).success) expect(refFromSegment(segment)).toEqual({ name: segment });
          else expect(refFromSegment(segment)).toEqual({ id: segment });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('other bad names keep validation_failed', () => {
    const parsed = RoleCreate.safeParse({ name: 'Dev Team', runKinds: ['review'] });
    expect(zodToRemitError(parsed.error!, { target: 'json' }).code).toBe('validation_failed');
  });
});
