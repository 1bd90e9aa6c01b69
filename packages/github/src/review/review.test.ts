import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../diff/parse-diff.ts';
import { parseModelReview, type ModelReview } from './model-review.ts';
import { fitsOneHunk, MAX_INLINE_COMMENTS, placeComments } from './place-comments.ts';

const files = parseUnifiedDiff(`diff --git a/src/a.ts b/src/a.ts
--- a/src/a.ts
+++ b/src/a.ts
@@ -10,3 +10,4 @@
 a
-b
+B
+C
 d
@@ -40,2 +41,3 @@
 x
+y
 z
`);

describe('parseModelReview', () => {
  const review = { summary: 'Looks fine.', comments: [{ path: 'src/a.ts', line: 11, side: 'RIGHT', body: 'Why upper case?' }] };

  it('reads bare JSON and JSON inside a ```json fence', () => {
    expect(parseModelReview(JSON.stringify(review))).toEqual({ ok: true, review });
    expect(parseModelReview(`Here you go:\n\`\`\`json\n${JSON.stringify(review, null, 2)}\n\`\`\`\nThanks`)).toEqual({ ok: true, review });
  });

  it.each([
    ['prose', 'The code looks good to me.'],
    ['truncated JSON', '{"summary": "x", "comments": ['],
    ['no summary', '{"comments": []}'],
    ['a string line', '{"summary":"s","comments":[{"path":"a","line":"3","side":"RIGHT","body":"b"}]}'],
    ['a zero line', '{"summary":"s","comments":[{"path":"a","line":0,"side":"RIGHT","body":"b"}]}'],
    ['a lowercase side', '{"summary":"s","comments":[{"path":"a","line":3,"side":"right","body":"b"}]}'],
    ['a range upside down', '{"summary":"s","comments":[{"path":"a","line":3,"startLine":5,"side":"RIGHT","body":"b"}]}'],
    ['an unknown field', '{"summary":"s","comments":[],"approve":true}'],
    ['an enormous summary', JSON.stringify({ summary: 'x'.repeat(9000), comments: [] })],
  ])('refuses %s with a problem the model can act on', (_name, text) => {
    const parsed = parseModelReview(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.length).toBeGreaterThan(10);
  });
});

describe('placeComments', () => {
  const review = (comments: ModelReview['comments']): ModelReview => ({ summary: 'Summary.', comments });

  it('keeps comments inside a hunk inline, ranges with start_line/start_side, and folds the rest into the body', () => {
    const placed = placeComments(
      review([
        { path: 'src/a.ts', line: 12, side: 'RIGHT', body: 'inside' },
        { path: 'src/a.ts', line: 12, side: 'RIGHT', startLine: 10, body: 'range' },
        { path: 'src/a.ts', line: 11, side: 'LEFT', body: 'old side' },
        { path: 'src/a.ts', line: 20, side: 'RIGHT', body: 'between hunks' },
        { path: 'src/a.ts', line: 42, side: 'RIGHT', startLine: 12, body: 'range across hunks' },
        { path: 'src/other.ts', line: 1, side: 'RIGHT', body: 'not in the diff' },
      ]),
      files,
      [{ path: 'yarn.lock', reason: 'lock_file' }],
    );
    expect(placed.comments).toEqual([
      { path: 'src/a.ts', line: 12, side: 'RIGHT', body: 'inside' },
      { path: 'src/a.ts', line: 12, side: 'RIGHT', start_line: 10, start_side: 'RIGHT', body: 'range' },
      { path: 'src/a.ts', line: 11, side: 'LEFT', body: 'old side' },
    ]);
    expect(placed.body).toBe(
      [
        'Summary.',
        '### Other comments\n- `src/a.ts` line 20: between hunks\n- `src/a.ts` lines 12–42: range across hunks\n- `src/other.ts` line 1: not in the diff',
        '### Not reviewed\n- `yarn.lock` (lock file)',
      ].join('\n\n'),
    );
  });

  it(`keeps at most ${MAX_INLINE_COMMENTS} inline and folds the others`, () => {
    const many = Array.from({ length: 35 }, (_, i) => ({ path: 'src/a.ts', line: 10 + (i % 4), side: 'RIGHT' as const, body: `c${i}` }));
    const placed = placeComments(review(many), files, []);
    expect(placed.comments).toHaveLength(MAX_INLINE_COMMENTS);
    expect(placed.body.match(/^- /gm)).toHaveLength(5);
    expect(placed.body).not.toContain('Not reviewed');
  });

  it('places only comments that lie within a hunk of their file on their side (property)', () => {
    const comment = fc.record(
      {
        path: fc.constantFrom('src/a.ts', 'src/b.ts'),
        line: fc.integer({ min: 1, max: 60 }),
        side: fc.constantFrom('RIGHT' as const, 'LEFT' as const),
        startLine: fc.integer({ min: 1, max: 59 }),
        body: fc.constant('b'),
      },
      { requiredKeys: ['path', 'line', 'side', 'body'] },
    );
    fc.assert(
      fc.property(fc.array(comment, { maxLength: 50 }), (comments) => {
        const valid = comments.filter((c) => c.startLine === undefined || c.startLine < c.line);
        const placed = placeComments(review(valid), files, []);
        expect(placed.comments.length).toBeLessThanOrEqual(MAX_INLINE_COMMENTS);
        for (const c of placed.comments) {
          const hunks = files.find((f) => f.path === c.path)?.hunks ?? [];
          const onSide = hunks.filter((h) => {
            const numbers = h.lines.map((l) => (c.side === 'RIGHT' ? l.newLine : l.oldLine)).filter((n) => n !== undefined);
            return numbers.includes(c.line) && numbers.includes(c.start_line ?? c.line);
          });
          expect(onSide.length).toBeGreaterThan(0);
          expect(fitsOneHunk(hunks, { line: c.line, side: c.side, startLine: c.start_line })).toBe(true);
        }
        expect(placed.comments.length + (placed.body.match(/^- /gm)?.length ?? 0)).toBe(valid.length);
      }),
    );
  });
});

describe('mentions in the model’s text', () => {
  it('never notify anyone: @user and @org/team in the summary, inline and folded comments are made inert; emails and code spans stay as written', async () => {
    const { neutralizeMentions, placeComments } = await import('./place-comments.ts');
    expect(neutralizeMentions('ping @octocat and @acme/security-team')).toBe('ping @\u200doctocat and @\u200dacme/security-team');
    expect(neutralizeMentions('@everyone')).toBe('@\u200deveryone');
    expect(neutralizeMentions('mail ops@example.com, run `npm i @types/node`')).toBe('mail ops@example.com, run `npm i @types/node`');
    const placed = placeComments(
      { summary: 'Escalate to @acme/oncall', comments: [{ path: 'nowhere.ts', line: 1, side: 'RIGHT', body: 'cc @mallory' }] },
      [],
      [],
    );
    expect(placed.body).not.toMatch(/(^|[^\w])@(?=[A-Za-z0-9])/);
    // Whatever the model writes, no mention survives outside a code span (property).
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('@', 'a', 'Z', '9', ' ', '/', '-', '`', '\n', '.') }), (text) => {
        const outside = neutralizeMentions(text)
          .split(/(`[^`]*`)/)
          .filter((_, i) => i % 2 === 0)
          .join(' ');
        expect(outside).not.toMatch(/(^|[^\w])@(?=[A-Za-z0-9])/);
      }),
    );
  });
});
