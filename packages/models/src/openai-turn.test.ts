import { describe, expect, it } from 'vitest';
import { toStopReason } from './openai-mapping.ts';
import { createTurnAssembler } from './openai-turn.ts';

const delta = (d: Record<string, unknown>, finish: string | null = null) => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

describe('createTurnAssembler', () => {
  it('takes whole calls without an index (older Ollama) as separate calls, arguments as an object', () => {
    const turn = createTurnAssembler(0);
    turn.accept(delta({ tool_calls: [{ id: 'a', function: { name: 'shell', arguments: { command: 'ls' } } }] }));
    turn.accept(delta({ tool_calls: [{ id: 'b', function: { name: 'shell', arguments: '{"command":"pwd"}' } }] }, 'tool_calls'));
    expect(turn.finish().events).toEqual([
      { type: 'tool_use', toolUseId: 'a', name: 'shell', input: { command: 'ls' } },
      { type: 'tool_use', toolUseId: 'b', name: 'shell', input: { command: 'pwd' } },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('accepts a name repeated on every fragment and empty arguments', () => {
    const turn = createTurnAssembler(2);
    turn.accept(delta({ tool_calls: [{ index: 0, function: { name: 'list_files', arguments: '' } }] }));
    turn.accept(delta({ tool_calls: [{ index: 0, function: { name: 'list_files', arguments: '' } }] }, 'tool_calls'));
    expect(turn.finish().events).toEqual([
      { type: 'tool_use', toolUseId: 'call_t2_0', name: 'list_files', input: {} },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('refuses arguments that are JSON but not an object, and a call without a name', () => {
    for (const fragment of [
      { index: 0, function: { name: 'shell', arguments: '["ls"]' } },
      { index: 0, function: { arguments: '{}' } },
    ]) {
      const turn = createTurnAssembler(0);
      turn.accept(delta({ tool_calls: [fragment] }, 'tool_calls'));
      expect(turn.finish().events).toEqual([{ type: 'stop', reason: 'malformed_tool_use' }]);
    }
  });
});

describe('toStopReason', () => {
  it('maps the documented finish reasons, and fails closed on others', () => {
    const table = Object.fromEntries(
      ['stop', 'tool_calls', 'function_call', 'length', 'content_filter', 'eos_token', 'stop_sequence', 'abort', 'constructor'].map((r) => [
        r,
        toStopReason(r, false),
      ]),
    );
    expect(table).toEqual({
      stop: 'end_turn',
      tool_calls: 'tool_use',
      function_call: 'tool_use',
      length: 'max_tokens',
      content_filter: 'content_filtered',
      eos_token: 'end_turn',
      stop_sequence: 'stop_sequence',
      abort: 'malformed_model_output',
      constructor: 'malformed_model_output',
    });
    expect(toStopReason(null, false)).toBe('end_turn');
    expect(toStopReason(null, true)).toBe('tool_use');
  });
});
