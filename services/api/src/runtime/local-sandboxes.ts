import { ECSClient } from '@aws-sdk/client-ecs';
import type { ConfigEnv } from '@remit/core';
import { createEcsDriver, createLocalDriver, createWarmPool, type LocalDriver, type SandboxDriver, type WarmPool } from '@remit/sandbox';
import type { Logger } from 'pino';
import { localSandboxStateDir } from './sandbox-state-dir.ts';
import { StartupError } from './startup-error.ts';

/** Bubblewrap sandboxes under the data directory. */
export function createSandboxDriver(dataDir: string): LocalDriver {
  return createLocalDriver({ stateDir: localSandboxStateDir(dataDir) });
}

/** The driver runs use; with `status` when it is a warm pool, which admins see beside the sandboxes. */
export type RunSandboxes = SandboxDriver & Partial<Pick<WarmPool, 'status'>>;

/**
 * The sandbox driver runs use, from REMIT_SANDBOX_DRIVER: bubblewrap here, or ECS tasks behind
 * this worker's sandbox gateway; with REMIT_SANDBOX_WARM_POOL_SIZE above 0, wrapped in a warm
 * pool of started sandboxes waiting for runs. `close` stops the pool, then the gateway.
 */
export async function openSandboxDriver(config: ConfigEnv, dataDir: string, logger: Logger): Promise<{ driver: RunSandboxes; close(): Promise<void> }> {
  const base =
    config.REMIT_SANDBOX_DRIVER === 'local' ? { driver: createSandboxDriver(dataDir), close: () => Promise.resolve() } : await openEcs(config, logger);
  if (config.REMIT_SANDBOX_WARM_POOL_SIZE === 0) return base;
  const pool = createWarmPool(base.driver as Parameters<typeof createWarmPool>[0], {
    size: config.REMIT_SANDBOX_WARM_POOL_SIZE,
    onEvent: (event) => logger.debug({ event }, 'warm pool'),
  });
  return {
    driver: pool,
    close: async () => {
      await pool.close();
      await base.close();
    },
  };
}

async function openEcs(config: ConfigEnv, logger: Logger): Promise<{ driver: SandboxDriver; close(): Promise<void> }> {
  const gatewayHost = config.REMIT_SANDBOX_GATEWAY_HOST ?? (await ecsTaskAddress());
  if (!gatewayHost) {
    throw new StartupError(
      'sandbox_gateway_unknown',
      'REMIT_SANDBOX_GATEWAY_HOST: set it to the address sandbox tasks reach this worker at (not running on ECS, so it cannot be found)',
    );
  }
  const driver = await createEcsDriver({
    client: new ECSClient(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
    cluster: config.REMIT_ECS_CLUSTER!,
    taskDefinition: config.REMIT_ECS_TASK_DEFINITION!,
    containerName: config.REMIT_ECS_CONTAINER_NAME,
    subnets: config.REMIT_ECS_SUBNETS,
    securityGroups: config.REMIT_ECS_SECURITY_GROUPS,
    gatewayHost,
    gateway: { host: '0.0.0.0', port: config.REMIT_SANDBOX_GATEWAY_PORT },
    onEvent: (event) => logger.info({ event }, 'sandbox gateway'),
  });
  return { driver, close: () => driver.close() };
}

/** This task's private IPv4 address, from the ECS task metadata endpoint (v4), when running on ECS. */
async function ecsTaskAddress(): Promise<string | undefined> {
  const uri = process.env.ECS_CONTAINER_METADATA_URI_V4;
  if (!uri) return undefined;
  try {
    const res = await fetch(uri, { signal: AbortSignal.timeout(2000) });
    const meta = (await res.json()) as { Networks?: { IPv4Addresses?: string[] }[] };
    return meta.Networks?.[0]?.IPv4Addresses?.[0];
  } catch {
    return undefined;
  }
}
