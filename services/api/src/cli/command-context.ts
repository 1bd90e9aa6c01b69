import type { parseArgs } from 'node:util';
import type { ConfigEnv } from '@remit/core';
import type { Logger } from 'pino';
import { ExitCode } from './exit-codes.ts';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export interface CommandContext {
  config: ConfigEnv;
  logger: Logger;
  /** The command's own arguments (after its name), for commands that parse them with `parse`. */
  args: string[];
  /** Positional arguments, when `parse` was told to allow them. */
  positionals: string[];
  parse<O extends NonNullable<Options>>(options: O, allowPositionals?: boolean): ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];
}

/** `usage`: the command line is wrong (exit 2); `failed`: the command could not do its work (exit 1). */
type CliErrorCode = 'usage' | 'failed';

const messages: Record<CliErrorCode, string> = {
  usage: 'the command line is not valid; see remit --help',
  failed: 'the command failed',
};

const exitCodes: Record<CliErrorCode, ExitCode> = { usage: ExitCode.usage, failed: ExitCode.failed };

/** A failure the user can fix; printed as one line without a stack. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: CliErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? messages[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.details = options?.details;
  }

  get exitCode(): number {
    return exitCodes[this.code];
  }
}
