import { InsightAnswer } from '@remit/core';
import { AnswerRejected } from '../kinds/run-kind.ts';

/** Longer than any answer a model gives for twenty findings; past it, the answer is refused unread. */
const MAX_ANSWER_CHARS = 200_000;
const FENCED_JSON = /```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/g;

/**
 * The findings in an insight run's final answer: the last fenced JSON block (or the whole answer
 * when it is bare JSON), checked against InsightAnswer. Model output is untrusted, so anything
 * else — no JSON, malformed JSON, a field out of bounds — throws AnswerRejected with reason
 * `insight_answer_invalid` and a message naming the first problem, and nothing is stored.
 * `{"findings": []}` is a valid answer: the run looked and found nothing worth a review.
 */
export function parseInsightAnswer(answer: string): InsightAnswer {
  if (answer.length > MAX_ANSWER_CHARS) throw rejected(`the answer is ${answer.length} characters, over ${MAX_ANSWER_CHARS}`);
  const blocks = [...answer.matchAll(FENCED_JSON)];
  const text = blocks.length ? blocks[blocks.length - 1]![1]! : answer.trim();
  if (!text.trimStart().startsWith('{')) throw rejected('it holds no JSON object with the findings');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw rejected(`its JSON does not parse (${err instanceof Error ? err.message.slice(0, 120) : 'syntax error'})`);
  }
  const parsed = InsightAnswer.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw rejected(`${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message.slice(0, 200)}`);
  }
  return parsed.data;
}

function rejected(why: string): AnswerRejected {
  return new AnswerRejected('insight_answer_invalid', `The insight run's final answer was not usable: ${why}. Nothing was stored.`);
}
