import { join } from 'node:path';

/**
 * Where local sandboxes keep their state under a data directory: every process on it (a server,
 * its reaper, `remit sandbox exec`) sees the same sandboxes there. Its own module, so the lean
 * `sandbox exec` bundle does not load the drivers.
 */
export function localSandboxStateDir(dataDir: string): string {
  return join(dataDir, 'sandboxes');
}
