import { join } from 'node:path';
import type { SandboxPort } from '@remit/agents';
import { ConfigError, type ConfigEnv } from '@remit/core';
import { createLocalDriver, openSandboxSession, type SandboxDriver } from '@remit/sandbox';

/** The sandbox driver for this process: bubblewrap under the data directory (ECS arrives with the AWS stack). */
export function createSandboxDriver(config: ConfigEnv, dataDir: string): SandboxDriver {
  if (config.REMIT_SANDBOX_DRIVER !== 'local') {
    throw new ConfigError([`REMIT_SANDBOX_DRIVER: "${config.REMIT_SANDBOX_DRIVER}" is not available in this release yet; use "local"`]);
  }
  return createLocalDriver({ stateDir: join(dataDir, 'sandboxes') });
}

/** Adapts a driver to the worker's port; the worker never sees driver details. */
export function sandboxPort(driver: SandboxDriver): SandboxPort {
  return {
    open: async (o) =>
      openSandboxSession(driver, {
        runId: o.runId,
        bundle: o.bundle,
        limits: o.limits,
        egress: o.egress,
        consumeBootstrapToken: o.consumeBootstrapToken,
        onEvent: (e) => o.onEvent(e),
      }).then((session) => ({
        sandboxId: session.sandboxId,
        readyMs: session.readyMs,
        call: (tool, input, options) => session.call(tool, input as never, options),
        close: () => session.close(),
      })),
    list: () => driver.list(),
    destroy: (id) => driver.destroy(id),
  };
}
