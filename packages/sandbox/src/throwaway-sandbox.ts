import { randomUUID } from 'node:crypto';
import { thisProcess, type ExecInput, type ExecOutput } from '@remit/core';
import type { SandboxDriver } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { openSandboxSession, type SandboxSessionOptions } from './sandbox-session.ts';

type ThrowawaySandboxOptions = Omit<SandboxSessionOptions, 'runId' | 'bundle' | 'owner'> &
  Partial<Pick<ExecInput, 'cwd' | 'stdin' | 'timeoutMs' | 'maxOutputBytes'>>;

/**
 * `remit sandbox exec`: one sandbox with no credentials, one command, always destroyed. No run
 * row vouches for it, so it is recorded as owned by this process: a server's reaper leaves it
 * alone while this process runs, and reaps it once this process is gone.
 */
export async function runThrowawaySandbox(driver: SandboxDriver, argv: string[], options: ThrowawaySandboxOptions = {}): Promise<ExecOutput> {
  const { cwd, stdin, timeoutMs, maxOutputBytes, ...sessionOptions } = options;
  const session = await openSandboxSession(driver, { ...sessionOptions, runId: randomUUID(), owner: thisProcess() });
  try {
    const result = await session.call('exec', { command: argv, cwd, stdin, timeoutMs, maxOutputBytes });
    if (!result.ok) throw new SandboxError('call_failed', `${result.error.code}: ${result.error.message}`);
    return result.output;
  } finally {
    await session.close();
  }
}
