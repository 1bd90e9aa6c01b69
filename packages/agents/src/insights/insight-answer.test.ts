import { InsightAnswer } from '@remit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerRejected } from '../kinds/run-kind.ts';
import { parseInsightAnswer } from './insight-answer.ts';

const finding = {
  title: 'Card processor timeouts at p95',
  severity: 'high',
  summary: '9 of 12 recent errors are card-processor timeouts.',
  evidence: [{ toolCallId: 'call-1', quote: 'card-processor timed out after 3000 ms' }],
  suggestedChange: 'Raise the pool size to 40.',
};
const fenced = (value: unknown) => `I looked at health and logs.\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

/** The parser's whole contract: findings that pass InsightAnswer, or AnswerRejected; never anything else thrown. */
function outcomeOf(answer: string): { findings: number } | { rejected: string } {
  try {
    return { findings: parseInsightAnswer(answer).findings.length };
  } catch (err) {
    if (!(err instanceof AnswerRejected)) throw err;
    return { rejected: err.reason };
  }
}

describe('the insight answer parser (model output is untrusted)', () => {
  it('reads the findings from the last fenced JSON block, or from an answer that is bare JSON', () => {
    expect(parseInsightAnswer(fenced({ findings: [finding] })).findings).toEqual([finding]);
    expect(parseInsightAnswer(JSON.stringify({ findings: [finding] })).findings).toHaveLength(1);
    const draftThenFinal = `${fenced({ findings: [] })}\nOn reflection:\n${fenced({ findings: [finding, { ...finding, severity: 'low' }] })}`;
    expect(parseInsightAnswer(draftThenFinal).findings.map((f) => f.severity)).toEqual(['high', 'low']);
    // Unknown fields are dropped, not stored; a missing quote is allowed.
    const extra = parseInsightAnswer(fenced({ findings: [{ ...finding, evidence: [{ toolCallId: 'call-1' }], admin: true }], note: 'x' }));
    expect(extra).toEqual({ findings: [{ ...finding, evidence: [{ toolCallId: 'call-1' }] }] });
  });

  it('accepts an empty list: the run looked and found nothing worth a review', () => {
    expect(outcomeOf(fenced({ findings: [] }))).toEqual({ findings: 0 });
  });

  it('rejects, naming the first problem, an answer without JSON, with broken JSON, or with any finding out of bounds', () => {
    const cases: [string, RegExp][] = [
      ['Checkout looks fine to me.', /holds no JSON object/],
      ['```json\n{"findings": [\n```', /does not parse/],
      [fenced({ findings: [{ ...finding, severity: 'urgent' }] }), /findings\.0\.severity/],
      [fenced({ findings: [{ ...finding, evidence: [] }] }), /findings\.0\.evidence/],
      [fenced({ findings: [finding, { ...finding, title: '' }] }), /findings\.1\.title/],
      [fenced({ findings: [{ ...finding, summary: 'nul \u0000 byte' }] }), /NUL character or broken Unicode/],
      [fenced({ findings: [{ ...finding, title: 'lone \ud800 surrogate' }] }), /broken Unicode/],
      [fenced({ findings: Array.from({ length: 21 }, () => finding) }), /findings/],
      [fenced({ findings: 'none' }), /findings/],
      [fenced([finding]), /holds no JSON object/],
      ['x'.repeat(200_001), /over 200000/],
    ];
    for (const [answer, why] of cases) {
      let thrown: unknown;
      try {
        parseInsightAnswer(answer);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, answer.slice(0, 80)).toBeInstanceOf(AnswerRejected);
      expect((thrown as AnswerRejected).reason).toBe('insight_answer_invalid');
      expect((thrown as AnswerRejected).message).toMatch(why);
      expect((thrown as AnswerRejected).message).toContain('Nothing was stored');
    }
  });

  it('never throws anything but AnswerRejected, and what it returns always passes InsightAnswer, whatever the text', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    // Answers near the expected shape, with hostile values in every field.
    const nearFinding = fc.record(
      {
        title: fc.oneof(fc.string({ unit: 'binary' }), fc.constant(finding.title), fc.integer()),
        severity: fc.oneof(fc.constantFrom('info', 'low', 'medium', 'high', 'critical', 'HIGH', ''), fc.jsonValue()),
        summary: fc.oneof(fc.string({ unit: 'binary', maxLength: 5000 }), fc.constant(finding.summary)),
        evidence: fc.oneof(
          fc.array(fc.record({ toolCallId: fc.oneof(fc.string({ unit: 'binary' }), fc.constant('call-1')), quote: fc.oneof(fc.string(), fc.jsonValue()) }), {
            maxLength: 25,
          }),
          fc.jsonValue(),
        ),
        suggestedChange: fc.oneof(fc.string({ unit: 'binary' }), fc.constant(finding.suggestedChange)),
        __proto__: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const near = fc.array(nearFinding, { maxLength: 22 }).map((findings) => fenced({ findings }));
    const wrapped = fc.tuple(text, fc.oneof(json, near), text).map(([a, body, b]) => `${a}\n\`\`\`json\n${body}\n\`\`\`\n${b}`);
    fc.assert(
      fc.property(fc.oneof(text, json, near, wrapped), (answer) => {
        const outcome = outcomeOf(answer);
        if ('findings' in outcome) expect(InsightAnswer.safeParse(parseInsightAnswer(answer)).success).toBe(true);
        else expect(outcome.rejected).toBe('insight_answer_invalid');
      }),
      { numRuns: 600 },
    );
  });

  it('survives JSON nested deeper than the stack allows', () => {
    expect(
      outcomeOf(
        fenced({ findings: [] })
          .replace('[]', `${'['.repeat(200_000)}${']'.repeat(200_000)}`)
          .slice(0, 199_000),
      ),
    ).toEqual({
      rejected: 'insight_answer_invalid',
    });
    expect(outcomeOf(`{"findings": ${'['.repeat(90_000)}${']'.repeat(90_000)}}`)).toEqual({ rejected: 'insight_answer_invalid' });
  });
});
