import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childStartTicks, processStartTicks, thisProcess } from './process-identity.ts';

describe.runIf(process.platform === 'linux')('childStartTicks', () => {
  it('reads a child that exited before its parent looked (remit sandbox exec of a fast command failed as start_failed on a busy machine)', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const state = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]![0];
    // Never yielding to the event loop, so node cannot reap it: it stays a zombie once it exits.
    const deadline = Date.now() + 10_000;
    while (state() !== 'Z' && Date.now() < deadline);
    expect(state()).toBe('Z');
    expect(processStartTicks(child.pid!)).toBeUndefined();
    expect(childStartTicks(child.pid!)).toBeGreaterThanOrEqual(thisProcess().startTicks);
    await exited;
  });

  it('reads a running child as processStartTicks does', async () => {
    const child = spawn('sleep', ['10'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      expect(childStartTicks(child.pid!)).toBe(processStartTicks(child.pid!));
      expect(childStartTicks(child.pid!)).toBeGreaterThanOrEqual(thisProcess().startTicks);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});
