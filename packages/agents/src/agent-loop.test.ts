import { createScriptedProvider, type ScriptedTurn } from '@remit/models';
import { describe, expect, it } from 'vitest';
import type { ToolCallResult } from '@remit/sandbox';
import { runAgentLoop, type LoopOptions } from './agent-loop.ts';
import { buildToolCatalog } from './tool-catalog.ts';

const catalog = buildToolCatalog([
  { name: 'payments-api', type: 'http', description: '' },
  { name: 'repo', type: 'github', description: '' },
]);

const execOk = { exitCode: 0, signal: null, stdout: 'fine', stderr: '', truncated: false, timedOut: false, durationMs: 1 };

function setup(
  script: ScriptedTurn[],
  overrides: Partial<LoopOptions> = {},
  answer: (tool: string, input: Record<string, unknown>) => ToolCallResult = () => ({ ok: true, output: execOk }),
) {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const calls: { tool: string; input: Record<string, unknown> }[] = [];
  const options: LoopOptions = {
    model: createScriptedProvider(script, { name: 'test' }),
    system: 'sys',
    input: 'why?',
    catalog,
    executor: {
      call: async (tool, input) => {
        calls.push({ tool, input });
        return answer(tool, input);
      },
    },
    sink: { event: async (type, data) => void events.push({ type, data }) },
    maxSteps: 10,
    signal: new AbortController().signal,
    scrub: (t) => t.replaceAll('s3cret', '[redacted]'),
    ...overrides,
  };
  return { options, events, calls };
}

describe('agent loop', () => {
  it('offers only the tools the role’s connections allow', () => {
    expect(buildToolCatalog([]).specs.map((s) => s.name)).toEqual(['exec', 'read_file']);
    expect(catalog.specs.map((s) => s.name)).toEqual(['exec', 'read_file', 'http', 'git_checkout']);
    const http = catalog.specs.find((s) => s.name === 'http')!;
    expect(JSON.stringify(http.inputSchema)).toContain('"enum":["payments-api","repo"]');
  });

  it('runs tools, feeds results back and ends with the answer', async () => {
    const { options, events, calls } = setup([
      { text: 'checking', toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }] },
      { text: 'It is the card processor.' },
    ]);
    const outcome = await runAgentLoop(options);
    expect(outcome).toEqual({ status: 'succeeded', reason: null, answer: 'It is the card processor.', steps: 2 });
    expect(calls).toEqual([{ tool: 'http', input: { connection: 'payments-api', path: '/health' } }]);
    expect(events.map((e) => e.type)).toEqual(['model_turn', 'tool_call', 'tool_result', 'model_turn']);
  });

  it('refuses a connection outside the role and a tool that was not offered, as tool errors, without calling the sandbox', async () => {
    const { options, events, calls } = setup([
      {
        toolCalls: [
          { name: 'http', input: { connection: 'payments-admin', path: '/restart' } },
          { name: 'aws', input: { connection: 'prod' } },
          { name: 'http', input: { path: '/no-connection' } },
        ],
      },
      { text: 'done' },
    ]);
    const outcome = await runAgentLoop(options);
    expect(outcome.status).toBe('succeeded');
    expect(calls).toEqual([]);
    expect(events.filter((e) => e.type === 'tool_denied').map((e) => e.data.reason)).toEqual([
      'connection_not_in_role',
      'tool_not_offered',
      'connection_not_in_role',
    ]);
  });

  it('returns tool failures to the model instead of crashing, scrubbed of secrets', async () => {
    const { options, events } = setup([{ toolCalls: [{ name: 'exec', input: { command: ['false'] } }] }, { text: 'ok' }], {}, () => ({
      ok: false,
      error: { code: 'failed', message: 'exit 1: token s3cret rejected' },
    }));
    expect((await runAgentLoop(options)).status).toBe('succeeded');
    const result = events.find((e) => e.type === 'tool_result')!;
    expect(result.data).toMatchObject({ ok: false, error: { code: 'failed', message: 'exit 1: token [redacted] rejected' } });
  });

  it('refuses a tool result larger than the cap and tells the model to narrow it', async () => {
    const { options, events } = setup([{ toolCalls: [{ name: 'read_file', input: { path: 'big' } }] }, { text: 'ok' }], { maxToolResultChars: 100 }, () => ({
      ok: true,
      output: { content: 'x'.repeat(1000), size: 1000, truncated: false },
    }));
    await runAgentLoop(options);
    expect(events.find((e) => e.type === 'tool_result')!.data).toMatchObject({ error: { code: 'output_too_large' } });
  });

  it('stops at max steps', async () => {
    const forever: ScriptedTurn[] = Array.from({ length: 20 }, () => ({ toolCalls: [{ name: 'exec', input: { command: ['true'] } }] }));
    const { options } = setup(forever, { maxSteps: 3 });
    expect(await runAgentLoop(options)).toEqual({ status: 'failed', reason: 'max_steps_exceeded', answer: null, steps: 3 });
  });

  it.each([
    ['cancelled', { status: 'cancelled', reason: 'cancelled_by_user' }],
    ['timed_out', { status: 'timed_out', reason: 'max_duration_exceeded' }],
    ['lease_lost', { status: 'failed', reason: 'lease_lost' }],
  ] as const)('stops when aborted (%s) before the next step', async (cause, expected) => {
    const abort = new AbortController();
    const { options } = setup([{ toolCalls: [{ name: 'exec', input: { command: ['true'] } }] }, { text: 'never' }], { signal: abort.signal }, () => {
      abort.abort(cause);
      return { ok: true, output: execOk };
    });
    expect(await runAgentLoop(options)).toMatchObject(expected);
  });

  it('ends a run whose model stops for a non-answer reason with a clear reason', async () => {
    const { options } = setup([{ text: 'partial', stop: 'max_tokens' }]);
    expect(await runAgentLoop(options)).toMatchObject({ status: 'failed', reason: 'model_max_tokens', answer: 'partial' });
  });
});
