import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CappedOutput } from './capped-output.ts';
import { ToolFailure } from './tool-failure.ts';

/** Every process group the agent started, so shutdown can kill them all. */
export class ProcessGroups {
  private readonly live = new Set<ChildProcess>();

  track(child: ChildProcess): void {
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
  }

  killAll(): void {
    for (const child of this.live) killGroup(child);
  }
}

/**
 * When the sandbox's memory cgroup is full the kernel kills the process with the highest
 * badness (RSS plus oom_score_adj). Raising it to the maximum for everything the agent starts
 * (descendants inherit it; raising needs no privilege) means a memory hog dies, not the agent.
 */
function preferForOomKill(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    writeFileSync(`/proc/${child.pid}/oom_score_adj`, '1000'); // /proc: no disk, no reason for the thread pool
  } catch {
    // The child already exited.
  }
}

/** SIGKILL to the child's whole process group (it leads one: spawned detached). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export interface RunProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  maxOutputBytes: number;
  slackBytes: number;
  groups: ProcessGroups;
}

interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
  timedOut: boolean;
  durationMs: number;
}

/**
 * After the command exits, how long to wait for its pipes to close: a process that left the
 * group (setsid) and still holds them would otherwise keep the call open until its timeout.
 */
const PIPE_GRACE_MS = 100;

/**
 * Runs argv in its own process group with exactly `env`. A timeout, output running past the
 * cap (like `| head`), or the command's own exit kills the whole group: a call leaves nothing
 * running, so a fork bomb whose first process returns at once cannot outlive its call and hold
 * the sandbox's process limit. (A daemon must `setsid` to survive, and is then on its own.)
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const [command, ...args] = options.argv;
  if (command === undefined) return Promise.reject(new ToolFailure('invalid_input', 'empty command'));
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  options.groups.track(child);
  preferForOomKill(child);
  const stdout = new CappedOutput(options.maxOutputBytes, options.slackBytes);
  const stderr = new CappedOutput(options.maxOutputBytes, options.slackBytes);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs);
  const collect = (output: CappedOutput) => (chunk: Buffer) => {
    if (!output.push(chunk)) killGroup(child);
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  child.stdin?.on('error', () => undefined); // EPIPE when the command does not read its stdin
  child.stdin?.end(options.stdin ?? '');

  return new Promise((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') reject(new ToolFailure('not_found', `command not found: ${command}`));
      else if (err.code === 'EACCES') reject(new ToolFailure('not_allowed', `permission denied: ${command}`));
      else reject(new ToolFailure('failed', `could not start ${command}: ${err.code ?? err.message}`));
    });
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer);
      killGroup(child);
      const finish = () => resolve({ exitCode, signal, stdout, stderr, timedOut, durationMs: Math.round(performance.now() - started) });
      const pipesClosed = [child.stdout, child.stderr].map((pipe) =>
        pipe === null || pipe.readableEnded || pipe.destroyed ? Promise.resolve() : new Promise<void>((done) => pipe.once('close', () => done())),
      );
      const grace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
      void Promise.all(pipesClosed).then(() => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}
