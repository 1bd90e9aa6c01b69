/** How a failure that ends a command is printed (after `remit: `), and the exit code. */
export interface RenderedFailure {
  message: string;
  exitCode: number;
}

// Errors whose message already says what happened and what to do; matched by name so that
// rendering loads no package (`remit --help` stays cheap).
const ordinary = new Set(['StartupError', 'DatabaseError', 'SandboxError', 'SecretError']);

/**
 * Renders a failure for the terminal. Ordinary failures — configuration (exit 2), start-up
 * refusals, an unreachable DATABASE_URL, a data directory another process owns, a sandbox that
 * cannot start — are their message alone. Anything else is its message and a hint. A stack trace
 * (with its causes) only with REMIT_DEBUG=1.
 */
export function renderFailure(err: unknown, env: Readonly<Record<string, string | undefined>> = process.env): RenderedFailure {
  const debug = env.REMIT_DEBUG === '1' || env.REMIT_DEBUG === 'true';
  if (!(err instanceof Error)) return { message: String(err), exitCode: 1 };
  if (err.name === 'ConfigError') {
    const problems = (err as Error & { details?: { problems?: readonly string[] } }).details?.problems ?? [];
    return { message: `${err.message}${problems.length ? `:\n${problems.map((p) => `  ${p}`).join('\n')}` : ''}`, exitCode: 2 };
  }
  if (debug) return { message: stackOf(err), exitCode: 1 };
  if (!ordinary.has(err.name)) return { message: `${err.name}: ${err.message} (REMIT_DEBUG=1 shows where it happened)`, exitCode: 1 };
  // "The sandbox could not be started." says little without its cause (bubblewrap's or the cgroup's reason).
  if (err.name === 'SandboxError' && err.cause instanceof Error) return { message: `${err.message} ${err.cause.message}`, exitCode: 1 };
  return { message: err.message, exitCode: 1 };
}

function stackOf(err: Error): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(`${depth ? 'caused by: ' : ''}${current instanceof Error ? (current.stack ?? current.message) : String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}
