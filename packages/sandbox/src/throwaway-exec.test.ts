import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_TASKS } from './cgroups.ts';
import { HOST_ID_RANGE } from './host-identity.ts';
import { createLocalDriver } from './local-driver.ts';
import type { SandboxLimits } from './sandbox-driver.ts';
import type { SandboxState } from './sandbox-state.ts';
import { hostSyscallArch, syscallNumber } from './syscall-table.ts';
import { execThrowaway, type ThrowawayExecResult } from './throwaway-exec.ts';

interface Ran extends ThrowawayExecResult {
  stdout: string;
  stderr: string;
  /** State files and cgroup directories left once it returned. */
  leftStates: string[];
  leftCgroups: string[];
}

interface RunOptions {
  timeoutMs?: number;
  limits?: Partial<SandboxLimits>;
  stdin?: string;
  signal?: AbortSignal;
  /** Called as soon as execThrowaway has been called, before it has started anything. */
  onCalled?: () => void;
  /** Called once the sandbox is recorded, with its state. */
  whileRunning?: (state: SandboxState, stateDir: string) => Promise<void>;
}

/** Runs argv directly in a throwaway sandbox over a fresh state dir, its output in files; always removes what it made. */
async function run(argv: string[], options: RunOptions = {}): Promise<Ran> {
  const dir = await mkdtemp(join(tmpdir(), 'remit-throwaway-exec-'));
  const stateDir = join(dir, 'state');
  await writeFile(join(dir, 'stdin'), options.stdin ?? '');
  const fds = [openSync(join(dir, 'stdin'), 'r'), openSync(join(dir, 'stdout'), 'w'), openSync(join(dir, 'stderr'), 'w')] as const;
  let cgroups: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const [file] = await readdir(stateDir).catch(() => [] as string[]);
      // Unread if it is gone again: a sandbox killed early is recorded and removed within moments.
      const text = file?.endsWith('.json') ? await readFile(join(stateDir, file), 'utf8').catch(() => undefined) : undefined;
      if (text !== undefined) {
        const state = JSON.parse(text) as SandboxState;
        cgroups = state.cgroups;
        await options.whileRunning?.(state, stateDir);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  try {
    const running = execThrowaway(argv, {
      stateDir,
      stdio: fds,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onCalled?.();
    const result = await running;
    watching = false;
    await watcher;
    return {
      ...result,
      stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
      stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
      leftStates: readdirSync(stateDir),
      leftCgroups: cgroups.filter((cgroup) => readdirSync(join(cgroup, '..')).includes(cgroup.split('/').at(-1)!)),
    };
  } finally {
    watching = false;
    for (const fd of fds) closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
}

const sh = (script: string, options?: RunOptions) => run(['sh', '-c', script], options);

/** Host processes whose command line contains `marker`. */
function hostProcesses(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('execThrowaway (remit sandbox exec): the command is the sandbox’s own process', () => {
  it('exits with the command’s code, streams its output, and leaves no state file or cgroup', async () => {
    const ran = await sh('echo out; echo err >&2; exit 7');
    expect(ran).toMatchObject({ exitCode: 7, timedOut: false, aborted: false, stdout: 'out\n', stderr: 'err\n', leftStates: [], leftCgroups: [] });
  });

  it('passes stdin through', async () => {
    expect((await sh('read line; echo "got $line"', { stdin: 'hello\n' })).stdout).toBe('got hello\n');
  });

  it('exits 127 with one line for a command that does not exist (126 for one that cannot run)', async () => {
    const missing = await run(['no-such-command', '--flag']);
    expect(missing).toMatchObject({ exitCode: 127, stdout: '', stderr: 'remit: command not found: no-such-command\n', leftStates: [] });
    expect((await run(['/etc/passwd'])).exitCode).toBe(126);
  });

  it('reports a command killed by a signal as 128 + its number', async () => {
    expect((await sh('kill -TERM $$')).exitCode).toBe(143);
  });

  it('is recorded as a throwaway owned by this process while it runs, so a reaper leaves it alone', async () => {
    let listed: unknown;
    await run(['sleep', '0.5'], {
      whileRunning: async (state, stateDir) => {
        listed = await createLocalDriver({ stateDir }).list();
        expect(state.owner?.pid).toBe(process.pid);
        expect(state.sockets).toEqual([]);
      },
    });
    expect(listed).toEqual([expect.objectContaining({ alive: true, throwaway: { ownerPid: process.pid, ownerRunning: true } })]);
  });

  it('kills the whole tree at its timeout, daemonised grandchildren included, and leaves nothing', async () => {
    const started = Date.now();
    const ran = await sh('sleep 4242.01 & setsid sleep 4242.02 & (sleep 4242.03 &); sleep 4242.04', { timeoutMs: 700 });
    expect(ran).toMatchObject({ exitCode: null, timedOut: true, leftStates: [], leftCgroups: [] });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hostProcesses('sleep 4242.0')).toEqual([]);
  });

  it('is killed at once when the caller aborts (Ctrl-C), and leaves nothing', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const ran = await sh('sleep 4243.01 & sleep 4243.02', { signal: stop.signal });
    expect(ran).toMatchObject({ exitCode: null, aborted: true, leftStates: [], leftCgroups: [] });
    expect(hostProcesses('sleep 4243.0')).toEqual([]);
  });

  it('leaves nothing running however early it is killed (regression: bwrap’s pid 1, killed mid-setup, outlived the SIGKILL to bwrap’s group)', async () => {
    // From as soon as it is recorded to well after: somewhere in there bwrap is mid-setup.
    for (let i = 0; i < 24; i++) {
      const stop = new AbortController();
      const ran = await sh(`sleep 4249.${i} & sleep 4249.${i}`, { signal: stop.signal, onCalled: () => setTimeout(() => stop.abort(), i) });
      expect(ran).toMatchObject({ aborted: true, leftStates: [], leftCgroups: [] });
    }
    expect(hostProcesses('sleep 4249.')).toEqual([]);
  });
});

describe('a direct sandbox, attacked from inside', () => {
  it('sees no host file outside the read-only system directories', async () => {
    const hostDir = await mkdtemp(join(tmpdir(), 'remit-host-secret-'));
    await writeFile(join(hostDir, 'secret'), 'host secret');
    try {
      const ran = await sh(
        [`cat ${hostDir}/secret`, 'cat /etc/shadow', 'ls /root', 'ls /home', 'ls /work/main', 'ls /run/remit', 'touch /usr/x', 'touch /etc/x', 'touch /x']
          .map((probe) => `${probe} >/dev/null 2>&1 && echo "REACHED ${probe}"`)
          .join('; ') + '; ls -A /work /tmp; ls /etc; echo done',
      );
      expect(ran.stdout.split('\n').filter((line) => line.startsWith('REACHED'))).toEqual([]);
      // /work and /tmp are the sandbox's own empty tmpfs; /etc holds only what bwrapCommand copies or binds.
      expect(ran.stdout).toContain('/tmp:\n\n/work:\nalternatives\n');
      expect(ran.stdout).toMatch(/\nalternatives\ngroup\nld\.so\.cache\npasswd\nssl\ndone\n$/);
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
  });

  it('has no network: only lo, and the host’s loopback is not reachable', async () => {
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const interfaces = await sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
      expect(interfaces.stdout).toBe('lo\n');
      const connect = `const s = require('net').connect(${port}, '127.0.0.1'); s.on('connect', () => console.log('CONNECTED')); s.on('error', (e) => console.log(e.code));`;
      expect((await run(['node', '-e', connect])).stdout.trim()).toBe('ECONNREFUSED');
      // No channel or egress socket to talk through, either: no unix socket is open at all.
      expect((await sh('tail -n +2 /proc/net/unix | wc -l')).stdout.trim()).toBe('0');
    } finally {
      listener.close();
    }
  });

  it('sees an empty environment: a secret in the caller’s environment is not there, in any process', async () => {
    process.env.REMIT_TEST_SECRET = 'caller-secret-value';
    try {
      const ran = await run(['env']);
      expect(ran.stdout.trim().split('\n').sort()).toEqual(['HOME=/work', 'PATH=/usr/bin:/bin']);
      const all = await sh('cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | sort -u');
      expect(all.stdout).not.toContain('caller-secret-value');
      expect(all.stdout.trim().split('\n').sort()).toEqual(['HOME=/work', 'PATH=/usr/bin:/bin', 'PWD=/work']); // PWD: the probe's own sh
    } finally {
      delete process.env.REMIT_TEST_SECRET;
    }
  });

  it('runs as a non-root user without capabilities (an unprivileged host uid of its own when the caller is root)', async () => {
    let hostUids: number[] = [];
    const ran = await sh('id -u; grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status | tr -s "\\t " " "; sleep 0.74250', {
      whileRunning: async () => {
        // The sandbox's own process, once it runs (the launch wrapper drops root just before).
        // Read in one pass, and a process gone meanwhile is not it: sh's short-lived forks (for
        // id, grep, tr) carry its command line, marker included, until they exec and exit.
        const sleepingUids = () =>
          hostProcesses('sleep 0.74250').flatMap((pid) => {
            try {
              if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== 'sleep\0' + '0.74250\0') return [];
              return [Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])];
            } catch {
              return [];
            }
          });
        while ((hostUids = sleepingUids()).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      },
      timeoutMs: 10_000,
    });
    const [uid, ...caps] = ran.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(caps).toHaveLength(3);
    for (const line of caps) expect(line).toMatch(/^Cap\w+: 0+$/);
    expect(hostUids).toHaveLength(1);
    if (process.getuid?.() === 0) expect(hostUids[0]).toBeGreaterThanOrEqual(HOST_ID_RANGE.first);
    else expect(hostUids[0]).toBe(process.getuid?.());
  });

  it('contains a fork bomb at the process limit', async () => {
    const maxProcesses = 16;
    // dash gives up at the first refused fork, so node counts them (as sandbox-limits.test.ts does).
    const countForks = `
const { spawn } = require('child_process');
let started = 0, failed = 0;
for (let i = 0; i < 200; i++) {
  const child = spawn('sleep', ['4244.05'], { stdio: 'ignore' });
  child.on('spawn', () => started++);
  child.on('error', () => failed++);
}
setTimeout(() => { console.log(JSON.stringify({ started, failed })); process.exit(0); }, 1000);`;
    const ran = await run(['node', '-e', countForks], { limits: { maxProcesses }, timeoutMs: 10_000 });
    const forks = JSON.parse(ran.stdout) as { started: number; failed: number };
    expect(forks.started).toBeGreaterThan(0); // positive control: forking works below the limit
    expect(forks.started).toBeLessThan(maxProcesses + AGENT_TASKS); // the same allowance as the agent path's
    expect(forks.failed).toBeGreaterThan(0);
    expect(ran).toMatchObject({ leftStates: [], leftCgroups: [] });
    expect(hostProcesses('sleep 4244.05')).toEqual([]);
  });

  it('gets EPERM from system calls the seccomp filter denies, where the host gets another answer', async () => {
    const arch = hostSyscallArch();
    // ptrace(PTRACE_ATTACH, 0) is ESRCH and unshare(0) succeeds anywhere else: EPERM can only be the filter.
    const probe = `syscall(${syscallNumber(arch, 'ptrace')}, 16, 0, 0, 0); print 0 + $!, "\\n"; print syscall(${syscallNumber(arch, 'unshare')}, 0) == -1 ? 0 + $! : 0, "\\n";`;
    expect((await run(['perl', '-e', probe])).stdout).toBe('1\n1\n');
  });
});
