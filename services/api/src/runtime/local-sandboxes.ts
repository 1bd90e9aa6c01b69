import { join } from 'node:path';
import { ConfigError, type ConfigEnv } from '@remit/core';
import { createLocalDriver, type LocalDriver } from '@remit/sandbox';

/** The sandbox driver for this process: bubblewrap under the data directory (ECS arrives with the AWS stack). */
export function createSandboxDriver(config: ConfigEnv, dataDir: string): LocalDriver {
  if (config.REMIT_SANDBOX_DRIVER !== 'local') {
    throw new ConfigError('invalid_config', undefined, {
      details: { problems: [`REMIT_SANDBOX_DRIVER: "${config.REMIT_SANDBOX_DRIVER}" is not available in this release yet; use "local"`] },
    });
  }
  return createLocalDriver({ stateDir: join(dataDir, 'sandboxes') });
}
