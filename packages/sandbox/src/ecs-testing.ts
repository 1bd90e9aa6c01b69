import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { bundleAgent } from './agent-bundle.ts';
import { createEcsDriver, type EcsDriver, type EcsDriverOptions } from './ecs-driver.ts';
import { fakeEcs, type FakeEcs, type FakeTask } from './ecs-fake.ts';
import { TEST_IMAGE_DIR } from './testing.ts';
import { bundleTunnel } from './tunnel-bundle.ts';

/** Test-only helpers for the ECS driver; not exported from the package. */

/**
 * A FAKE ECS whose RunTask starts what the task would run — the real tunnel (bundled) and the
 * real agent — as local processes with the task's environment overrides, dialling the gateway on
 * loopback. When the tunnel exits the task is STOPPED, as ECS stops a task whose essential
 * container ends. No bubblewrap: this plays the Fargate task, not the local sandbox.
 */
export async function processBackedEcs(): Promise<FakeEcs & { cleanup(): Promise<void> }> {
  const [tunnel, agent] = await Promise.all([bundleTunnel(TEST_IMAGE_DIR), bundleAgent(TEST_IMAGE_DIR)]);
  const root = await mkdtemp(join(tmpdir(), 'remit-ecs-tasks-'));
  let n = 0;
  const fake = fakeEcs((input: RunTaskCommandInput, task: FakeTask) => {
    const env = Object.fromEntries((input.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name!, e.value!]));
    const socketDir = join(root, `task-${++n}`);
    const child = spawn(
      'sh',
      [
        '-c',
        `mkdir -p "$0" && exec "$@"`,
        socketDir,
        process.execPath,
        tunnel,
        socketDir,
        '--',
        process.execPath,
        join(agent.dir, 'start.cjs'),
        join(socketDir, 'channel.sock'),
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
    );
    child.on('error', () => undefined);
    child.once('exit', () => {
      task.lastStatus = 'STOPPED';
    });
    return () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
  });
  return {
    ...fake,
    cleanup: async () => {
      for (const task of fake.running()) task.stop?.();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export const ECS_TEST_OPTIONS = {
  cluster: 'remit-sandboxes',
  taskDefinition: 'remit-sandbox:7',
  subnets: ['subnet-0isolated1', 'subnet-0isolated2'],
  securityGroups: ['sg-0sandbox'],
  gatewayHost: '127.0.0.1',
  gateway: { host: '127.0.0.1' },
} as const;

/** Runs `fn` with an ECS driver over `fake`; always stops every task it left and the gateway. */
export async function withEcsDriver<T>(fake: FakeEcs, fn: (driver: EcsDriver) => Promise<T>, options: Partial<EcsDriverOptions> = {}): Promise<T> {
  const driver = await createEcsDriver({
    client: fake.client,
    ...ECS_TEST_OPTIONS,
    subnets: [...ECS_TEST_OPTIONS.subnets],
    securityGroups: [...ECS_TEST_OPTIONS.securityGroups],
    backoff: { sleep: async () => undefined },
    ...options,
  });
  try {
    return await fn(driver);
  } finally {
    for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
    await driver.close();
  }
}
