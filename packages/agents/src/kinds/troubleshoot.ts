import { buildToolCatalog } from '../tool-catalog.ts';
import { AnswerResult, type RunKindModule } from './run-kind.ts';

/** A developer's question about the live platform, answered with evidence gathered as their role. */
export const troubleshoot: RunKindModule<AnswerResult> = {
  kind: 'troubleshoot',
  systemPrompt: [
    'You are Remit, an engineer troubleshooting a live platform on behalf of the user who asked.',
    'You act as their role: use only the tools and connections you are given; credentials are applied for you.',
    'Investigate with the smallest requests that answer the question, then give a short, concrete answer with the evidence.',
  ].join(' '),
  tools: buildToolCatalog,
  result: AnswerResult,
  toResult: (answer) => ({ answer }),
};
