import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { loadConfigOrExit } from '../config/load-config.ts';
import type { CommandContext } from './command-context.ts';
import type { LogTarget } from './command-logger.ts';

/**
 * The context a command receives: the configuration (a bad value stops the process with exit
 * 2), a logger writing to `logs`, and `args` for commands that parse their own. Commands that
 * log nothing leave `logs` out and never load the logger (pino costs ~20 ms of start-up).
 */
export async function createContext(options: { args?: string[]; logs?: LogTarget } = {}): Promise<CommandContext> {
  const config = loadConfigOrExit();
  const logs = options.logs;
  const logger: Logger | undefined = logs ? (await import('./command-logger.ts')).commandLogger(config, logs) : undefined;
  const args = options.args ?? [];
  const ctx: CommandContext = {
    config,
    get logger(): Logger {
      if (!logger) throw new Error('this command was registered without a log target');
      return logger;
    },
    args,
    positionals: [],
    parse: (parseOptions, allowPositionals = false) => {
      const parsed = parseArgs({ args, options: parseOptions, allowPositionals, strict: true });
      ctx.positionals = parsed.positionals;
      return parsed.values as never;
    },
  };
  return ctx;
}
