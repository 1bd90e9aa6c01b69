import { access, constants } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AGENT_TASKS } from './resource-limits.ts';
import { exec, nodeScript, withSession } from './testing.ts';

/** Starts up to 200 `sleep`s from node inside the sandbox and prints how many forks succeeded. */
const countForks = `
const { spawn } = require('child_process');
let started = 0, failed = 0;
for (let i = 0; i < 200; i++) {
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  child.on('spawn', () => started++);
  child.on('error', () => failed++);
}
setTimeout(() => { console.log(JSON.stringify({ started, failed })); process.exit(0); }, 1000);`;

describe('sandbox limits', () => {
  it('reports how this host enforces them', async () => {
    const pidsWritable = await access('/sys/fs/cgroup/pids', constants.W_OK).then(() => true, () => false);
    await withSession({}, async (_session, { driver }) => {
      const enforcement = await driver.limitEnforcement();
      if (pidsWritable) expect(enforcement.processes).toBe('pids_cgroup');
      expect(['memory_cgroup', 'rlimit_data']).toContain(enforcement.memory);
    });
  });

  it('kills a command at its timeout, with its children', async () => {
    await withSession({}, async (session) => {
      const started = Date.now();
      const result = await exec(session, ['sh', '-c', 'sleep 41.31 & sleep 41.32 & sleep 41.33'], { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
      expect(Date.now() - started).toBeLessThan(5000);
      const left = await exec(session, ['sh', '-c', "ps -eo args | grep -c '^[s]leep 41.3' || true"]);
      expect(left.stdout.trim()).toBe('0');
    });
  });

  it('truncates an output flood at the cap and stops it', async () => {
    await withSession({}, async (session) => {
      const result = await exec(session, ['sh', '-c', 'yes "flood flood flood"; echo done-never'], { maxOutputBytes: 4096, timeoutMs: 20_000 });
      expect(result.truncated).toBe(true);
      expect(result.timedOut).toBe(false);
      expect(Buffer.byteLength(result.stdout)).toBe(4096);
      expect(result.stdout).not.toContain('done-never');
      expect((await exec(session, ['echo', 'next'])).stdout).toBe('next\n');
    });
  });

  it('contains a fork bomb at the process limit, and answers the next call', async () => {
    const maxProcesses = 32;
    await withSession({ limits: { maxProcesses } }, async (session) => {
      const forks = JSON.parse((await nodeScript(session, countForks, { timeoutMs: 10_000 })).stdout) as { started: number; failed: number };
      expect(forks.started).toBeLessThan(maxProcesses + AGENT_TASKS);
      expect(forks.failed).toBeGreaterThan(0);
      expect(forks.started).toBeGreaterThan(0); // positive control: forking works below the limit
      const started = Date.now();
      await exec(session, ['bash', '-c', ':(){ :|:& };:'], { timeoutMs: 3000 });
      expect(Date.now() - started).toBeLessThan(8000); // the call ends (exit or timeout), and its group is killed with it
      const left = await exec(session, ['sh', '-c', "ps -eo comm | grep -c '^bash$' || true"]);
      expect(left.stdout.trim()).toBe('0');
      expect((await exec(session, ['echo', 'alive'])).stdout).toBe('alive\n');
    });
  });

  it('stops a memory hog, and the agent survives it', async () => {
    await withSession({ limits: { memoryMb: 256 } }, async (session) => {
      const single = await nodeScript(session, 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));', { timeoutMs: 20_000 });
      expect(single.exitCode === 0 && single.signal === null).toBe(false);
      // Three processes each under the per-process limit, together over the sandbox's.
      const hog = "const a = []; for (let i = 0; i < 150; i++) a.push(Buffer.alloc(1 << 20, 1)); setTimeout(() => console.log('survived'), 500);";
      const many = await exec(session, ['sh', '-c', `for i in 1 2 3; do node -e "${hog}" & done; wait`], { timeoutMs: 20_000 });
      expect(many.stdout.match(/survived/g)?.length ?? 0).toBeLessThan(3);
      const disk = await exec(session, ['sh', '-c', 'dd if=/dev/zero of=/work/fill bs=1M count=1024 2>&1; rm -f /work/fill'], { timeoutMs: 20_000 });
      expect(disk.stdout).not.toMatch(/^1024\+0 records out/m);
      expect((await exec(session, ['echo', 'alive'])).stdout).toBe('alive\n');
    });
  });

  it('kills a process that spends its CPU seconds', async () => {
    await withSession({ limits: { cpuSeconds: 1 } }, async (session) => {
      const spin = await exec(session, ['sh', '-c', 'while :; do :; done'], { timeoutMs: 20_000 });
      expect(spin).toMatchObject({ timedOut: false, exitCode: null });
      expect(['SIGKILL', 'SIGXCPU']).toContain(spin.signal);
      expect((await exec(session, ['echo', 'alive'])).stdout).toBe('alive\n');
    });
  });
});
