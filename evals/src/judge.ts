import type { ModelProvider } from '@remit/models';
import type { Fact } from './scenario.ts';

const SYSTEM = [
  'You grade a troubleshooting answer against a list of facts.',
  'A fact is found when the answer states it, in any wording; a fact merely hinted at or contradicted is not found.',
  'Reply with JSON only: {"found": [the numbers of the facts the answer states]}.',
].join(' ');

export interface JudgeVerdict {
  found: string[];
  missing: string[];
  /** What judging cost; the suite's own call, outside any run and its meter. */
  tokens: { input: number; output: number };
}

/**
 * The optional model judge: asks a live model which of a scenario's facts the answer states,
 * for answers whose wording the deterministic patterns miss. It reports beside the patterns and
 * never decides whether a scenario passed. Model output is untrusted: anything but the JSON
 * asked for counts as nothing found.
 */
export async function judgeFacts(model: ModelProvider, facts: readonly Fact[], answer: string): Promise<JudgeVerdict> {
  if (facts.length === 0) return { found: [], missing: [], tokens: { input: 0, output: 0 } };
  const prompt = [`Facts:`, ...facts.map((f, i) => `${i + 1}. ${f.name} (pattern: ${f.pattern.source})`), '', 'Answer:', answer || '(no answer)'].join('\n');
  let text = '';
  const tokens = { input: 0, output: 0 };
  for await (const event of model.converse({ system: SYSTEM, messages: [{ role: 'user', content: [{ text: prompt }] }], tools: [] })) {
    if (event.type === 'text_delta') text += event.text;
    if (event.type === 'metadata') {
      tokens.input += event.usage.inputTokens;
      tokens.output += event.usage.outputTokens;
    }
  }
  const numbers = parseFound(text);
  return {
    found: facts.filter((_, i) => numbers.has(i + 1)).map((f) => f.name),
    missing: facts.filter((_, i) => !numbers.has(i + 1)).map((f) => f.name),
    tokens,
  };
}

/** The fact numbers in the judge's reply: the first JSON object in it, `found` an array of integers; else none. */
export function parseFound(reply: string): Set<number> {
  const json = /\{[\s\S]*?\}/.exec(reply)?.[0];
  if (!json) return new Set();
  try {
    const found = (JSON.parse(json) as { found?: unknown }).found;
    return new Set(Array.isArray(found) ? found.filter((n): n is number => Number.isInteger(n)) : []);
  } catch {
    return new Set(); // not the JSON asked for: nothing found
  }
}
