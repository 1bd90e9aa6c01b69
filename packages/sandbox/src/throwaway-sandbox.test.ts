import { describe, expect, it } from 'vitest';
import { runThrowawaySandbox } from './throwaway-sandbox.ts';
import { withLocalDriver } from './testing.ts';

describe('runThrowawaySandbox (remit sandbox exec)', () => {
  it('runs one command with no credentials and leaves nothing behind', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const output = await runThrowawaySandbox(driver, ['sh', '-c', 'echo "$0 $(id -u)"; env -u PWD | sort', 'hello'], { stdin: 'ignored' });
      expect(output).toMatchObject({ exitCode: 0, stdout: 'hello 1000\nHOME=/work\nPATH=/usr/bin:/bin\n', timedOut: false });
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('is recorded as owned by this process (pid and start time), so reapers can tell it from an orphan', async () => {
    await withLocalDriver(async ({ driver }) => {
      const running = runThrowawaySandbox(driver, ['sleep', '1']);
      await expect.poll(async () => (await driver.list()).length).toBe(1);
      const [listed] = await driver.list();
      expect(listed).toMatchObject({ alive: true, throwaway: { ownerPid: process.pid, ownerRunning: true } });
      await running;
    });
  });

  it('throws a SandboxError when the command cannot run, and still cleans up', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      await expect(runThrowawaySandbox(driver, ['no-such-command'])).rejects.toMatchObject({
        name: 'SandboxError',
        code: 'call_failed',
        message: expect.stringContaining('not_found'),
      });
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });
});
