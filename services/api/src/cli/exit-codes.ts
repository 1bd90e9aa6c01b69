/**
 * How `remit` exits. Scripts tell a run that failed from one that was cancelled or timed out,
 * and any of those from a mistyped command line, by the code alone. `remit sandbox exec` is the
 * one exception: it exits with the sandboxed command's own code.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  cancelled: 4,
  timedOut: 5,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per code, for `remit --help` and the README. */
export const exitCodeHelp: Record<keyof typeof ExitCode, string> = {
  ok: 'success (a watched run succeeded)',
  failed: 'the command could not do its work, or the watched run failed',
  usage: 'the command line or the configuration is not valid',
  blocked: 'egress check: the URL is blocked',
  cancelled: 'the watched run was cancelled',
  timedOut: 'the watched run hit its time limit',
  interrupted: 'interrupted with Ctrl-C (a watched run keeps going)',
};

/** The exit code for a run that ended with `status`. */
export function exitCodeForRun(status: string): ExitCode {
  switch (status) {
    case 'succeeded':
      return ExitCode.ok;
    case 'cancelled':
      return ExitCode.cancelled;
    case 'timed_out':
      return ExitCode.timedOut;
    default:
      return ExitCode.failed;
  }
}

export function exitCodesText(): string {
  return (Object.keys(ExitCode) as (keyof typeof ExitCode)[]).map((k) => `  ${String(ExitCode[k]).padStart(3)}  ${exitCodeHelp[k]}`).join('\n');
}
