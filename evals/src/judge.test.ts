import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScriptedProvider } from '@remit/models';
import { judgeFacts, parseFound } from './judge.ts';

const facts = [
  { name: 'the pool', pattern: /pool/ },
  { name: 'the query', pattern: /query/ },
];

describe('the model judge', () => {
  it('reads the facts the model says the answer states', async () => {
    const model = createScriptedProvider([{ text: 'Here you go: {"found": [2]}' }]);
    expect(await judgeFacts(model, facts, 'a slow query')).toMatchObject({ found: ['the query'], missing: ['the pool'] });
  });

  it('counts nothing found when the model answers anything but the JSON asked for', async () => {
    for (const text of ['yes, all of them', '{"found": "1,2"}', '{"found": [1.5, "2"]}', '{found: [1]}', '{"found": [3, 0, -1]}']) {
      const model = createScriptedProvider([{ text }]);
      expect(await judgeFacts(model, facts, 'the pool and the query'), text).toMatchObject({ found: [], missing: ['the pool', 'the query'] });
    }
  });

  it('never throws on a reply, and returns integers only', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => `verdict: ${j}`),
          fc.array(fc.anything()).map((a) => JSON.stringify({ found: a }) ?? ''),
        ),
        (reply) => {
          for (const n of parseFound(reply)) expect(Number.isInteger(n)).toBe(true);
        },
      ),
    );
  });
});
