import type { ToolErrorCode } from '@remit/core';

/** A tool call that failed in a way the model should read: a protocol code and a plain message. */
export class ToolFailure extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ToolFailure';
  }
}
