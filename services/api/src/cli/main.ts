import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '@remit/core';
import { exitOnConfigError, loadConfigOrExit } from '../config/load-config.ts';
import { createLogger } from '../logging/logger.ts';
import { auditVerifyCommand } from './commands/audit-verify.ts';
import { demoCommand } from './commands/demo.ts';
import { doctorCommand } from './commands/doctor.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve-command.ts';
import { egressCheckCommand } from './commands/egress-check.ts';
import { runCommand } from './commands/run.ts';
import { sandboxExecCommand } from './commands/sandbox-exec.ts';
import { workerCommand } from './commands/worker.ts';
import { tokenCommand } from './commands/token.ts';
import { StartupError } from '../runtime/startup-error.ts';
import { CliError, type CommandContext } from './command-context.ts';
import { escapeForTerminal } from './escape-for-terminal.ts';

const usage = `remit — role-scoped agent sandboxes

Usage:
  remit serve                      API and a run worker on REMIT_PORT
  remit worker                     one more run worker on the same database
  remit demo                       seed demo roles, users and connections, then serve
  remit migrate                    create or upgrade the database schema
  remit token --user EMAIL [--groups G1,G2] [--ttl SECONDS]
                                   sign a token with the local development issuer
  remit run KIND "input" [--role R] [--watch]
                                   start a run (troubleshoot | review | insight) as REMIT_TOKEN's user
  remit sandbox exec -- CMD…       run one command in a throwaway sandbox with no credentials
  remit egress check URL [--allow CIDR]
                                   resolve and classify a URL without connecting (exit 0 allowed, 3 blocked)
  remit audit verify               recompute the audit hash chain
  remit doctor                     check this machine and configuration, and say how to fix what is missing

Settings come from the environment (REMIT_DATA_DIR, REMIT_PORT, DATABASE_URL, ...); see README.md.
`;

const commands: Record<string, (ctx: CommandContext) => Promise<number>> = {
  serve: serveCommand,
  demo: demoCommand,
  migrate: migrateCommand,
  token: tokenCommand,
  'audit verify': auditVerifyCommand,
  doctor: doctorCommand,
  run: runCommand,
  worker: workerCommand,
  'sandbox exec': sandboxExecCommand,
  'egress check': egressCheckCommand,
};

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (!first || first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(usage);
    return first ? 0 : 2;
  }
  const twoWord = second ? `${first} ${second}` : '';
  const name = twoWord in commands ? twoWord : first;
  const command = commands[name];
  if (!command) {
    process.stderr.write(`remit: unknown command "${argv.join(' ')}"\n\n${usage}`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  const config = loadConfigOrExit();
  // Only the server's logs belong on stdout; other commands print results there, and the demo
  // keeps the terminal for the person watching it.
  const destination =
    name === 'serve' ? undefined : name === 'demo' ? pino.destination({ dest: join(config.REMIT_DATA_DIR, 'remit.log'), mkdir: true }) : pino.destination(2);
  const logger = createLogger({ level: config.REMIT_LOG_LEVEL, ...(destination ? { destination } : {}) });
  const ctx: CommandContext = {
    config,
    logger,
    args: rest,
    positionals: [],
    parse: (options, allowPositionals = false) => {
      const parsed = parseArgs({ args: rest, options, allowPositionals, strict: true });
      ctx.positionals = parsed.positionals;
      return parsed.values as never;
    },
  };
  return command(ctx);
}

// Every failure below may quote the server, the database or a model (an error body, a JSON
// parse error's snippet of a transcript line), so it is escaped before it reaches the terminal.
const fail = (message: string, exitCode: number) => {
  process.stderr.write(`remit: ${escapeForTerminal(message)}\n`);
  process.exitCode = exitCode;
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) exitOnConfigError(err);
    if (err instanceof StartupError) return fail(err.message, 1);
    if (err instanceof CliError) return fail(err.message, err.exitCode);
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) return fail(err.message, 2);
    fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
  },
);
