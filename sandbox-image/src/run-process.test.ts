import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessGroups, runProcess, type RunProcessOptions } from './run-process.ts';

describe('runProcess', () => {
  let cwd: string;
  let groups: ProcessGroups;
  const run = (argv: string[], options: Partial<RunProcessOptions> = {}) =>
    runProcess({ argv, cwd, env: { PATH: '/usr/bin:/bin', HOME: cwd }, timeoutMs: 5000, maxOutputBytes: 65_536, slackBytes: 0, groups, ...options });

  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'remit-run-'));
    groups = new ProcessGroups();
  });
  afterEach(async () => {
    groups.killAll();
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs argv with exactly the given environment and stdin', async () => {
    const result = await run(['sh', '-c', 'env | sort; cat'], { stdin: 'from stdin' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.text((t) => t).text).toBe(`HOME=${cwd}\nPATH=/usr/bin:/bin\nPWD=${cwd}\nfrom stdin`);
  });

  it('reports exit codes and signals', async () => {
    expect((await run(['sh', '-c', 'exit 7'])).exitCode).toBe(7);
    const killed = await run(['sh', '-c', 'kill -TERM $$']);
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('kills the whole process group on timeout, children included', async () => {
    // Durations unlikely to be used by anything else on the machine, to find survivors by.
    const started = Date.now();
    const result = await run(['sh', '-c', 'sleep 41.0417 & sleep 41.0418'], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    const survivors = await run(['sh', '-c', `ps -eo args | grep -c '^[s]leep 41.041' || true`]);
    expect(survivors.stdout.text((t) => t).text.trim()).toBe('0');
  });

  it('kills a flood once the cap and slack are read, and says it truncated', async () => {
    const result = await run(['sh', '-c', 'yes flood'], { maxOutputBytes: 4096, timeoutMs: 10_000 });
    const stdout = result.stdout.text((t) => t);
    expect(result.timedOut).toBe(false);
    expect(stdout.truncated).toBe(true);
    expect(Buffer.byteLength(stdout.text)).toBe(4096);
  });

  it('returns soon after exit, killing what the command left in the background', async () => {
    const started = Date.now();
    const result = await run(['sh', '-c', 'sleep 41.0611 & echo started'], { timeoutMs: 10_000 });
    expect(result.stdout.text((t) => t).text).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(2000);
    const survivors = await run(['sh', '-c', `ps -eo args | grep -c '^[s]leep 41.0611' || true`]);
    expect(survivors.stdout.text((t) => t).text.trim()).toBe('0');
  });

  it('returns within the grace period when a process that left the group holds the pipes', async () => {
    const started = Date.now();
    const result = await run(['sh', '-c', 'setsid sleep 41.0612 & echo started'], { timeoutMs: 10_000 });
    expect(result.stdout.text((t) => t).text).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(2000);
    await run(['pkill', '-f', '^sleep 41.0612']);
  });

  it('fails with not_found for a missing command', async () => {
    await expect(run(['definitely-not-a-command-xyz'])).rejects.toMatchObject({ code: 'not_found' });
  });
});
