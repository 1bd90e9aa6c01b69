import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { openSandboxDriver } from './local-sandboxes.ts';

const silent = createLogger({ level: 'silent' });

describe('the sandbox driver a process opens', () => {
  it('with REMIT_SANDBOX_WARM_POOL_SIZE reports its warm pool (what the admin API shows), and without it has none to report', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'remit-pool-runtime-'));
    try {
      const plain = await openSandboxDriver(parseConfig({ REMIT_DATA_DIR: dataDir }), dataDir, silent);
      expect(plain.driver.status).toBeUndefined();
      await plain.close();

      const pooled = await openSandboxDriver(parseConfig({ REMIT_DATA_DIR: dataDir, REMIT_SANDBOX_WARM_POOL_SIZE: '1' }), dataDir, silent);
      try {
        expect(pooled.driver.status?.()).toMatchObject({ size: 1, limits: { memoryMb: 512, maxProcesses: 64, cpuSeconds: 120 } });
      } finally {
        await pooled.close();
      }
      expect(await pooled.driver.list()).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
