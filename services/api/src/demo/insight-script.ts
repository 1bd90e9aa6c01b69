import type { ScriptedTurn } from '@remit/models';

/**
 * The scripted model names each tool call `<model name>-<turn>-<call>`, and the demo's model for
 * insight runs is named "demo insight script" (packages/agents/src/model-for-run.ts): these are
 * the ids of this script's two calls, which its finding cites as evidence.
 */
export const INSIGHT_SCRIPT_MODEL = 'demo insight script';
const HEALTH_CALL = `${INSIGHT_SCRIPT_MODEL}-0-0`;
const METRICS_CALL = `${INSIGHT_SCRIPT_MODEL}-1-0`;

const answer = {
  findings: [
    {
      title: 'Checkout depends on a card-processor pool that is exhausted and timing out',
      severity: 'high',
      summary:
        'The card-processor check fails: its p95 latency (3012 ms) is over the 3000 ms client timeout, and all 20 pool connections are busy. With an error rate of 31% on checkout, most failed payments come from this one dependency.',
      evidence: [
        { toolCallId: HEALTH_CALL, quote: 'card-processor: timeout (p95 3012 ms, limit 3000 ms)' },
        { toolCallId: METRICS_CALL, quote: 'cardProcessor: poolSize 20, busy 20, p95Ms 3012; checkout errorRate 0.31' },
      ],
      suggestedChange:
        'Raise the card-processor pool above 20 connections, put a circuit breaker in front of it so checkout fails fast while it is slow, and alert on its p95 nearing the client timeout.',
    },
  ],
};

/**
 * The offline demo's model for the insight job "payments-reliability": a fixed script that reads
 * the toy payments service's health and metrics as the job's role, then reports one structured
 * finding citing both calls. Labelled as scripted in the transcript.
 */
export const insightScript: ScriptedTurn[] = [
  {
    text: 'Reliability review of payments: starting with its health checks.',
    toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }],
  },
  {
    text: 'The card-processor check is failing. Reading the service metrics.',
    toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/metrics' } }],
  },
  { text: ['One finding worth a review.', '', '```json', JSON.stringify(answer, null, 2), '```'].join('\n') },
];
