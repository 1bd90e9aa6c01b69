import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalDriver } from '@remit/sandbox';
import { remitBin } from '../testing.ts';

interface Exec {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the sandbox left in the data directory's state dir. */
  leftStates: string[];
}

/** `remit sandbox exec ARGS…` as a user runs it, over a fresh data directory; `signal` is sent once the sandbox is recorded. */
function sandboxExec(
  args: string[],
  options: { stdin?: string; signal?: NodeJS.Signals; signalWhen?: () => boolean; afterwards?: (stateDir: string) => Promise<void> } = {},
): Promise<Exec> {
  const dataDir = mkdtempSync(join(tmpdir(), 'remit-sandbox-exec-'));
  const stateDir = join(dataDir, 'sandboxes');
  const states = () => readdirSync(stateDir, { withFileTypes: true }).flatMap((e) => (e.name.endsWith('.json') ? [e.name] : []));
  return new Promise((resolve, reject) => {
    const child = spawn(remitBin, ['sandbox', 'exec', ...args], {
      env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(options.stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const poll = setInterval(() => {
      if (options.signal === undefined) return;
      try {
        if ((options.signalWhen ?? (() => states().length > 0))()) {
          clearInterval(poll);
          child.kill(options.signal);
        }
      } catch {
        // The state dir is not there yet.
      }
    }, 5);
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(poll);
      let leftStates: string[];
      try {
        leftStates = states();
      } catch {
        leftStates = [];
      }
      void (options.afterwards?.(stateDir) ?? Promise.resolve())
        .finally(() => rmSync(dataDir, { recursive: true, force: true }))
        .then(() => resolve({ status, stdout, stderr, leftStates }), reject);
    });
  });
}

/** Host processes whose command line contains `marker`. */
function hostProcesses(marker: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
      } catch {
        return false;
      }
    });
}

describe('remit sandbox exec', () => {
  it('streams the command’s output and exits with its code; options after the command are the command’s', async () => {
    const res = await sandboxExec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(res).toMatchObject({ status: 7, stdout: 'out\n', stderr: 'err\n', leftStates: [] });
    expect((await sandboxExec(['ls', '-d', '/work'])).stdout).toBe('/work\n');
  });

  it('hands the command this process’s stdin', async () => {
    expect((await sandboxExec(['sh', '-c', 'read line; echo "got $line"'], { stdin: 'typed\n' })).stdout).toBe('got typed\n');
  });

  it('exits 127 with one line, and no stack, for a command that does not exist', async () => {
    expect(await sandboxExec(['no-such-command'])).toMatchObject({ status: 127, stdout: '', stderr: 'remit: command not found: no-such-command\n' });
  });

  it('exits 124, as timeout(1), when --timeout kills the command, its children with it', async () => {
    const res = await sandboxExec(['--timeout', '0.5', '--', 'sh', '-c', 'sleep 4245.01 & sleep 4245.02']);
    expect(res).toMatchObject({ status: 124, stderr: 'remit: timed out after 0.5 s\n', leftStates: [] });
    expect(hostProcesses('sleep 4245.0')).toEqual([]);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s destroys the sandbox and everything in it, and exits %i', async (signal, status) => {
    const marker = `sleep 4246.${status}`;
    const res = await sandboxExec(['sh', '-c', `${marker} & ${marker}`], { signal });
    expect(res).toMatchObject({ status, leftStates: [] });
    expect(hostProcesses(marker)).toEqual([]);
  });

  // Once bwrap is set up: killed within bwrap's first milliseconds, before it has asked for its
  // parent-death signal, the CLI leaves the sandbox running for a server's reaper.
  it('on SIGKILL, which it cannot catch, still takes the running sandbox’s processes with it (bwrap --die-with-parent); a reaper removes the rest', async () => {
    const marker = 'sleep 4246.9';
    let reaped: unknown;
    const res = await sandboxExec(['sh', '-c', `${marker} & ${marker}`], {
      signal: 'SIGKILL',
      signalWhen: () => hostProcesses(marker).length >= 4, // both sleeps, and the command lines of sh and bwrap that name them
      afterwards: async (stateDir) => {
        await new Promise((resolve) => setTimeout(resolve, 500)); // the kernel's SIGKILLs down the tree
        expect(hostProcesses(marker)).toEqual([]);
        // What a server's reaper sees, and then does: its owner is gone, so it is an orphan.
        const driver = createLocalDriver({ stateDir });
        reaped = await driver.list();
        for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
        expect(await driver.list()).toEqual([]);
      },
    });
    expect(res.status).toBeNull();
    expect(res.leftStates).toHaveLength(1);
    expect(reaped).toEqual([expect.objectContaining({ alive: false, throwaway: expect.objectContaining({ ownerRunning: false }) })]);
  });

  // script(1) gives the CLI a real terminal, as a user's shell does.
  it.runIf(spawnSync('script', ['--version']).status === 0)(
    'shares the terminal, but cannot type into it (TIOCSTI), where a process of the terminal’s session can',
    () => {
      const probe = `my $c = "x"; print((ioctl(STDIN, 0x5412, $c) ? "INJECTED" : 0 + $!), (-t STDIN) ? " tty" : " notty", "\\n")`;
      const inTerminal = (command: string) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'remit-sandbox-exec-'));
        try {
          return spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dataDir } })
            .stdout;
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      };
      expect(inTerminal(`perl -e '${probe}'`)).toContain('INJECTED tty'); // the control: the same probe outside the sandbox
      expect(inTerminal(`${remitBin} sandbox exec -- perl -e '${probe}'`).trim()).toBe('1 tty'); // EPERM: no controlling terminal (bwrap --new-session)
    },
  );

  it('rejects a missing command and a bad --timeout as usage errors (exit 2)', async () => {
    expect((await sandboxExec(['--timeout', '0', '--', 'true'])).status).toBe(2);
    expect((await sandboxExec(['--timeout', 'soon', '--', 'true'])).status).toBe(2);
  });
});
