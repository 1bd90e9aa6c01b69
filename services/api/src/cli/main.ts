import { CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { StartupError } from '../runtime/startup-error.ts';
import { CliError } from './command-context.ts';
import { escapeForTerminal } from './escape-for-terminal.ts';
import { ExitCode } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/** Runs one command line; resolves to the exit code. Errors a user can act on become one escaped line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram({ version: packageJson.version, setExitCode: (code) => (exitCode = code) });
  program.exitOverride();
  for (const sub of allCommands(program)) sub.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return report(err);
  }
}

function allCommands(cmd: ReturnType<typeof buildProgram>): ReturnType<typeof buildProgram>[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

// Every failure below may quote the server, the database or a model (an error body, a JSON
// parse error's snippet of a transcript line), so it is escaped before it reaches the terminal.
function fail(message: string, exitCode: number): number {
  process.stderr.write(`remit: ${escapeForTerminal(message)}\n`);
  return exitCode;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander printed its own message (with a suggestion for a typo) or the help already.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (err instanceof StartupError) return fail(err.message, ExitCode.failed);
  if (err instanceof CliError) return fail(err.message, err.exitCode);
  // Matched by name: importing @remit/core or @remit/db here would load them for `--help` too.
  if (err instanceof Error && err.name === 'ConfigError') {
    const problems = (err as Error & { details?: { problems?: string[] } }).details?.problems ?? [];
    return fail(`${err.message}${problems.length ? `:\n${problems.map((p) => `  ${p}`).join('\n')}` : ''}`, ExitCode.usage);
  }
  if (err instanceof Error && err.name === 'DatabaseError') return fail(err.message, ExitCode.failed);
  return fail(err instanceof Error ? (err.stack ?? err.message) : String(err), ExitCode.failed);
}

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
