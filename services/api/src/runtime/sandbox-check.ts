import { DescribeClustersCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { ConfigEnv } from '@remit/core';
import { runThrowawaySandbox } from '@remit/sandbox';
import type { LiveCheck } from './live-check.ts';
import { createSandboxDriver } from './local-sandboxes.ts';

const name = 'sandbox driver';

/**
 * A live check of the configured sandbox driver, for `remit doctor`: creates a real sandbox (with
 * no credentials, owned by this process so a running server's reaper leaves it be), runs `true`
 * in it, destroys it, and reports how its limits are enforced on this host.
 */
export async function checkSandboxDriver(config: ConfigEnv, dataDir: string): Promise<LiveCheck> {
  if (config.REMIT_SANDBOX_DRIVER === 'ecs') return checkEcs(config);
  const started = performance.now();
  try {
    const driver = createSandboxDriver(dataDir);
    const out = await runThrowawaySandbox(driver, ['true'], { timeoutMs: 10_000 });
    if (out.exitCode !== 0) throw new Error(`true exited ${out.exitCode ?? 'on a signal'} in the sandbox`);
    const ms = Math.round(performance.now() - started);
    const limits = await driver.limitEnforcement();
    return {
      name,
      ok: true,
      detail: `${driver.name} (bubblewrap): created a sandbox, ran true in it and destroyed it in ${ms} ms; limit enforcement ${limits.cgroup} (processes: ${limits.processes}, memory: ${limits.memory})`,
    };
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : '';
    return {
      name,
      ok: false,
      detail: `local (bubblewrap): could not create, use and destroy a sandbox: ${(err as Error).message}${cause}`,
      fix: 'fix the bubblewrap line above first; then REMIT_DEBUG=1 bin/remit sandbox exec -- true shows the whole failure',
    };
  }
}

/** ECS: the cluster and the sandbox task definition, asked with this process's AWS identity (no task is started). */
async function checkEcs(config: ConfigEnv, client = new ECSClient(config.AWS_REGION ? { region: config.AWS_REGION } : {})): Promise<LiveCheck> {
  try {
    const clusters = await client.send(new DescribeClustersCommand({ clusters: [config.REMIT_ECS_CLUSTER!] }));
    const cluster = clusters.clusters?.[0];
    if (!cluster || cluster.status !== 'ACTIVE') throw new Error(`cluster ${config.REMIT_ECS_CLUSTER} is ${cluster?.status ?? 'not found'}`);
    const def = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: config.REMIT_ECS_TASK_DEFINITION! }));
    if (!def.taskDefinition?.containerDefinitions?.some((c) => c.name === config.REMIT_ECS_CONTAINER_NAME)) {
      throw new Error(`task definition ${config.REMIT_ECS_TASK_DEFINITION} has no container named ${config.REMIT_ECS_CONTAINER_NAME}`);
    }
    return {
      name,
      ok: true,
      detail: `ecs: cluster ${config.REMIT_ECS_CLUSTER} active, task definition ${def.taskDefinition.family}:${def.taskDefinition.revision} (no task started)`,
    };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `ecs: ${(err as Error).message}`,
      fix: 'check REMIT_ECS_CLUSTER, REMIT_ECS_TASK_DEFINITION, REMIT_ECS_CONTAINER_NAME and this process’s AWS credentials (ecs:DescribeClusters, ecs:DescribeTaskDefinition)',
    };
  }
}
