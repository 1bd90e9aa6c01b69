import type { ToolErrorCode } from '@remit/core';
import { CodedError, type CodedErrorOptions } from '@remit/core/coded-error';

const messages: Record<ToolErrorCode, string> = {
  invalid_input: 'The tool input is not valid.',
  not_allowed: 'The tool is not allowed to do that.',
  timeout: 'The tool did not finish in time.',
  output_too_large: 'The tool output is too large.',
  not_found: 'Not found.',
  failed: 'The tool failed.',
  sandbox_unavailable: 'The sandbox is unavailable.',
};

/**
 * A tool call that failed in a way the model should read: a protocol code and a plain message.
 * The message is sent to the orchestrator (scrubbed); `cause` stays in the sandbox.
 */
export class ToolFailure extends CodedError<ToolErrorCode> {
  constructor(code: ToolErrorCode, message?: string, options?: CodedErrorOptions) {
    super('ToolFailure', code, message ?? messages[code], options);
  }
}
