import { spawnSync } from 'node:child_process';
import { reapSandboxes } from '@remit/agents';
import { thisProcess } from '@remit/core';
import { openSandboxSession, runThrowawaySandbox } from '@remit/sandbox';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

describe('the sandbox reaper and throwaway sandboxes (remit sandbox exec while a server runs)', () => {
  it('leaves a throwaway sandbox alone while the process that opened it runs: its command finishes', async () => {
    await withRunStack(
      async (s) => {
        // The stack's worker runs maintenance every 300 ms on the same sandbox state, as `remit serve` does.
        const output = await runThrowawaySandbox(s.driver, ['sh', '-c', 'sleep 1.5; echo ok']);
        expect(output).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
        expect(await s.driver.list()).toEqual([]);
      },
      { script: [] },
    );
  });

  it('reaps what is truly orphaned: a throwaway whose owner is gone, a run sandbox whose run is over or unknown', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        await s.worker.stop(); // runs must stay queued: a worker would claim them at once
        const queued = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        const finished = await s.startRun(dev, { kind: 'troubleshoot', input: 'y' });
        await s.request(`/v1/runs/${finished}/cancel`, { method: 'POST', token: dev });
        const me = thisProcess();
        const deadPid = spawnSync('true').pid!;
        const open = (runId: string, owner?: { pid: number; startTicks: number }) => openSandboxSession(s.driver, { runId, ...(owner ? { owner } : {}) });
        const sessions = {
          mine: await open('00000000-0000-4000-8000-000000000001', me),
          ownerDead: await open('00000000-0000-4000-8000-000000000002', { pid: deadPid, startTicks: 1 }),
          ownerPidRecycled: await open('00000000-0000-4000-8000-000000000003', { pid: me.pid, startTicks: me.startTicks + 1 }),
          liveRun: await open(queued),
          finishedRun: await open(finished),
          unknownRun: await open('00000000-0000-4000-8000-00000000dead'),
        };
        try {
          const reaped = await reapSandboxes({ db: s.db, orgId: s.orgId, sandboxes: s.driver });
          const id = (name: keyof typeof sessions) => sessions[name].sandboxId;
          expect(reaped.sort()).toEqual([id('ownerDead'), id('ownerPidRecycled'), id('finishedRun'), id('unknownRun')].sort());
          expect((await s.driver.list()).map((x) => x.id).sort()).toEqual([id('mine'), id('liveRun')].sort());
          expect((await sessions.mine.call('exec', { command: ['true'] })).ok).toBe(true);
          expect((await sessions.liveRun.call('exec', { command: ['true'] })).ok).toBe(true);
          expect((await sessions.ownerDead.call('exec', { command: ['true'] })).ok).toBe(false);
        } finally {
          for (const session of Object.values(sessions)) await session.close();
        }
      },
      { script: [], settings: { maintenance: false } },
    );
  });
});
