import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEcsDriver, ECS_TAGS, type EcsDriver } from './ecs-driver.ts';
import { fakeEcs, type FakeEcs } from './ecs-fake.ts';
import { ECS_TEST_OPTIONS, processBackedEcs, withEcsDriver } from './ecs-testing.ts';
import { openSandboxSession } from './sandbox-session.ts';
import { exec } from './testing.ts';
import { createWarmPool } from './warm-pool.ts';

const spec = (runId = randomUUID()) => ({
  runId,
  bootstrapToken: 'bootstrap-token-that-must-stay-out-of-ecs',
  channelSocketPath: '/nonexistent/channel.sock',
  egressSocketPath: '/nonexistent/egress.sock',
  limits: { memoryMb: 512, maxProcesses: 64, cpuSeconds: 120, wallSeconds: 900 },
});

describe('the ECS driver against a fake ECS', () => {
  it('RunTask: the configured cluster, task definition, isolated network, clientToken and tags, and no secret anywhere', async () => {
    const fake = await processBackedEcs();
    try {
      await withEcsDriver(fake, async (driver) => {
        let token = '';
        const secret = 'ghp_the-run-s-git-token-0123456789';
        const runId = randomUUID();
        const session = await openSandboxSession(driver, {
          runId,
          bundle: {
            runId,
            connections: [{ name: 'github', type: 'github' }],
            secrets: [{ connection: 'github', kind: 'git_token', values: { token: secret } }],
          },
          consumeBootstrapToken: async (presented) => {
            token = presented;
            return true;
          },
        });
        try {
          expect((await exec(session, ['echo', 'through the tunnel'])).stdout).toBe('through the tunnel\n');
        } finally {
          await session.close();
        }
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(fake.runTaskInputs).toHaveLength(1);
        const [input] = fake.runTaskInputs;
        expect(input).toMatchObject({
          cluster: ECS_TEST_OPTIONS.cluster,
          taskDefinition: ECS_TEST_OPTIONS.taskDefinition,
          launchType: 'FARGATE',
          clientToken: runId,
          startedBy: 'remit-sandbox',
          networkConfiguration: {
            awsvpcConfiguration: { subnets: [...ECS_TEST_OPTIONS.subnets], securityGroups: [...ECS_TEST_OPTIONS.securityGroups], assignPublicIp: 'DISABLED' },
          },
        });
        expect(input?.tags).toEqual(expect.arrayContaining([{ key: ECS_TAGS.runId, value: runId }]));
        const sent = JSON.stringify(fake.runTaskInputs);
        expect(sent).not.toContain(token);
        expect(sent).not.toContain(secret);
        expect(input?.overrides?.containerOverrides?.[0]?.environment?.map((e) => e.name).sort()).toEqual([
          'REMIT_GATEWAY',
          'REMIT_GATEWAY_SHA256',
          'REMIT_TICKET',
        ]);
        expect(input?.overrides?.containerOverrides?.[0]).not.toHaveProperty('command');
        expect(fake.running()).toEqual([]);
      });
    } finally {
      await fake.cleanup();
    }
  });

  it('a RunTask whose answer was lost is retried with the same input and starts one task', async () => {
    const fake = fakeEcs();
    await withEcsDriver(
      fake,
      async (driver) => {
        fake.inject('RunTask', 'throttle', 'lost_answer', 'server_error');
        const handle = await driver.create(spec());
        expect(fake.runTaskInputs).toHaveLength(4);
        expect(new Set(fake.runTaskInputs.map((input) => JSON.stringify(input))).size).toBe(1);
        expect(fake.running().map((t) => t.arn)).toEqual([handle.id]);
      },
      { verifyTaskAddress: false },
    );
  });

  it('a throttled StopTask is retried until the task is stopped', async () => {
    const fake = fakeEcs();
    await withEcsDriver(
      fake,
      async (driver) => {
        const handle = await driver.create(spec());
        fake.inject('StopTask', ...Array<'throttle'>(12).fill('throttle'));
        await driver.destroy(handle.id);
        expect(fake.running()).toEqual([]);
        await driver.destroy(handle.id); // idempotent
        for (const id of ['', '../../etc/passwd', 'sbx-0000000000000000', `${handle.id}/x`]) await driver.destroy(id);
      },
      { verifyTaskAddress: false },
    );
  });

  it('a crash after RunTask, before the run recorded its sandbox, leaves a task the next process finds by its run tag', async () => {
    const fake = fakeEcs();
    const runId = randomUUID();
    // The first worker starts the task and dies: its driver (and gateway) are gone, nothing was written.
    await withEcsDriver(fake, async (driver) => void (await driver.create(spec(runId))), { verifyTaskAddress: false }).catch(() => undefined);
    fake.tasks.forEach((t) => (t.lastStatus = 'RUNNING')); // withEcsDriver's cleanup stopped it; a crash would not have
    const reaper = await createEcsDriver({ client: fake.client, ...ECS_TEST_OPTIONS, subnets: ['s'], securityGroups: ['g'], verifyTaskAddress: false });
    try {
      const listed = await reaper.list();
      expect(listed).toEqual([expect.objectContaining({ runId, alive: true })]);
      expect(listed[0]).not.toHaveProperty('pool');
      await reaper.destroy(listed[0]!.id);
      expect(fake.running()).toEqual([]);
    } finally {
      await reaper.close();
    }
  });

  describe('1,000 randomized fault sequences', () => {
    let fake: FakeEcs;
    let driver: EcsDriver;
    beforeAll(async () => {
      fake = fakeEcs();
      driver = await createEcsDriver({
        client: fake.client,
        ...ECS_TEST_OPTIONS,
        subnets: ['s'],
        securityGroups: ['g'],
        verifyTaskAddress: false,
        backoff: { sleep: async () => undefined },
      });
    });
    afterAll(() => driver.close());

    it('end with zero orphaned tasks once runs finish and the reaper has run', async () => {
      const fault = fc.constantFrom('throttle' as const, 'lost_answer' as const, 'server_error' as const);
      const step = fc.record({
        runFaults: fc.array(fault, { maxLength: 7 }), // six attempts: seven faults make create fail, sometimes after starting a task
        tagFaults: fc.array(fault, { maxLength: 2 }),
        stopFaults: fc.array(fc.constant('throttle' as const), { maxLength: 8 }),
        listFaults: fc.array(fc.constant('throttle' as const), { maxLength: 2 }),
        end: fc.constantFrom('destroy' as const, 'crash' as const),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
          fake.tasks.clear();
          fake.clearFaults();
          for (const s of steps) {
            fake.inject('RunTask', ...s.runFaults);
            const handle = await driver.create(spec()).catch(() => undefined);
            fake.clearFaults(); // faults create did not meet
            fake.inject('StopTask', ...s.stopFaults);
            if (handle !== undefined && s.end === 'destroy') await driver.destroy(handle.id);
          }
          // The reaper: every run is over, so whatever is still running is an orphan.
          fake.inject('ListTasks', ...steps[0]!.listFaults);
          for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
          expect(fake.running()).toEqual([]);
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 1000) },
      );
    });
  });
});

describe('an ECS warm pool over the real gateway and tunnel', () => {
  it('claims a waiting task: its agent authenticates over the tunnel, it is tagged with the run, and never returns to the pool', async () => {
    const fake = await processBackedEcs();
    try {
      await withEcsDriver(fake, async (driver) => {
        const pool = createWarmPool(driver, { size: 1 });
        try {
          await pool.filled();
          const [member] = await pool.list();
          expect(member).toMatchObject({ runId: '', pool: true, throwaway: { ownerRunning: true } });
          const runId = randomUUID();
          const session = await openSandboxSession(pool, { runId });
          try {
            expect(session.sandboxId).toBe(member!.id);
            expect(fake.tasks.get(member!.id)?.tags).toMatchObject({ [ECS_TAGS.runId]: runId, [ECS_TAGS.kind]: 'run' });
            expect((await exec(session, ['echo', 'warm'])).stdout).toBe('warm\n');
            expect((await pool.list()).find((s) => s.id === member!.id)).toMatchObject({ runId });
            expect(fake.runTaskInputs.every((input) => !JSON.stringify(input).includes(runId) || input.clientToken === runId)).toBe(true);
          } finally {
            await session.close();
          }
          expect(fake.tasks.get(member!.id)?.lastStatus).toBe('STOPPED');
        } finally {
          await pool.close();
        }
      });
    } finally {
      await fake.cleanup();
    }
  });
});
