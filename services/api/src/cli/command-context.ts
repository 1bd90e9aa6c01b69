import type { parseArgs } from 'node:util';
import type { ConfigEnv } from '@remit/core';
import type { Logger } from 'pino';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export interface CommandContext {
  config: ConfigEnv;
  logger: Logger;
  args: string[];
  /** Positional arguments, when `parse` was told to allow them. */
  positionals: string[];
  parse<O extends NonNullable<Options>>(options: O, allowPositionals?: boolean): ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];
}

/** A failure the user can fix; printed as one line without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
