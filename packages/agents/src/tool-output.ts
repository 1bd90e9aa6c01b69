import { scrubDeep } from '@remit/core';
import type { ToolCallResult } from '@remit/sandbox';

/**
 * What the model and the transcript see of a tool result: scrubbed of secrets, and refused
 * whole when too large — the model is told to narrow its request rather than being fed a
 * truncated blob it might mistake for the full answer.
 */
export function capToolOutput(
  result: ToolCallResult,
  options: { maxChars: number; scrub: (text: string) => string },
): { text: string; event: { output: unknown } | { error: { code: string; message: string } } } {
  if (!result.ok) {
    const message = options.scrub(result.error.message);
    return { text: `Error (${result.error.code}): ${message}`, event: { error: { code: result.error.code, message } } };
  }
  const output = scrubDeep(result.output, options.scrub);
  const text = JSON.stringify(output);
  if (text.length > options.maxChars) {
    const note = `The result was ${text.length} characters, more than the ${options.maxChars} allowed; narrow the request (a smaller range, a filter, head/tail).`;
    return { text: note, event: { error: { code: 'output_too_large', message: note } } };
  }
  return { text, event: { output } };
}
