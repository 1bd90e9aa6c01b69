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
  if (config.REMIT_SANDBOX_DRIVER !== 'local') {
    return { name, ok: false, detail: `${config.REMIT_SANDBOX_DRIVER} is not available in this release yet`, fix: 'set REMIT_SANDBOX_DRIVER=local' };
  }
  const started = performance.now();
  try {
    const driver = createSandboxDriver(config, dataDir);
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
