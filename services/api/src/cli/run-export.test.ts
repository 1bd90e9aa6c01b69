import type { Run, RunEvent } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { attackSequences, unsafeIn } from '../testing/hostile-text.ts';
import { runMarkdown } from './run-export.ts';

const run: Run = {
  id: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  kind: 'troubleshoot',
  role: 'developer',
  userId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  userEmail: 'alice@example.com',
  input: 'Why is checkout failing?',
  status: 'succeeded',
  statusReason: null,
  answer: 'The card processor times out.',
  steps: 3,
  limits: { maxDurationSeconds: 300, maxSteps: 12 },
  model: 'scripted',
  usage: { calls: 3, inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.0081 },
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: '2026-01-01T00:00:04.200Z',
  durationMs: 3200,
};
const at = '2026-01-01T00:00:02.000Z';
const events = [
  { seq: 1, type: 'status', at, data: { status: 'running', model: 'scripted' } },
  { seq: 2, type: 'tool_call', at, data: { id: 't1', name: 'exec', input: { command: ['grep', '-c', 'timeout'] } } },
  { seq: 3, type: 'tool_result', at, data: { id: 't1', name: 'exec', ok: true, output: { stdout: '9\n', exitCode: 0 } } },
  { seq: 4, type: 'status', at, data: { status: 'succeeded' } },
] as RunEvent[];

describe('runs export as Markdown', () => {
  it('writes a summary, the question, the transcript with tool input and output in fences, and the answer', () => {
    const md = runMarkdown({ run, events });
    expect(md).toContain(`# Run ${run.id}`);
    expect(md).toContain('| usage | 3 model calls, 1200 input / 300 output tokens, $0.0081 |');
    expect(md).toContain('| duration | 3.2 s |');
    expect(md).toContain('## Question\n\n> Why is checkout failing?');
    expect(md).toContain('**tool call** `exec`\n\n```json\n{\n  "command": [\n    "grep",');
    expect(md).toContain('## Answer\n\nThe card processor times out.\n');
  });

  it('escapes control sequences wherever they come from, and keeps a code fence closed whatever the output holds', () => {
    const hostile = attackSequences.join(' ');
    const md = runMarkdown({
      run: { ...run, input: hostile, answer: hostile, role: `dev|${hostile}` },
      events: [
        { seq: 1, type: 'tool_result', at, data: { id: 't1', name: `exec${hostile}`, ok: true, output: { stdout: '```\n# not a heading\n````' } } } as RunEvent,
      ],
    });
    expect(unsafeIn(md)).toEqual([]);
    expect(md).toContain('`````json\n');
  });
});
