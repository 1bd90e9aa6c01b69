import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { checkSandboxDriver } from './sandbox-check.ts';

describe('the live sandbox check (remit doctor)', () => {
  it('creates a real sandbox, runs a command, destroys it, and reports how limits are enforced', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'remit-sandbox-check-'));
    try {
      const check = await checkSandboxDriver(parseConfig({}), dataDir);
      expect(check).toMatchObject({
        name: 'sandbox driver',
        ok: true,
        detail: expect.stringMatching(
          /^local \(bubblewrap\): created a sandbox, ran true in it and destroyed it in \d+ ms; limit enforcement (v2|v1|none) \(processes: (pids_cgroup|rlimit_nproc), memory: (memory_cgroup|rlimit_data)\)$/,
        ),
      });
      expect(readdirSync(join(dataDir, 'sandboxes')).filter((f) => f.endsWith('.json'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('fails, with the fix, for a driver this release does not have', async () => {
    expect(await checkSandboxDriver(parseConfig({ REMIT_SANDBOX_DRIVER: 'ecs' }), tmpdir())).toMatchObject({
      ok: false,
      fix: 'set REMIT_SANDBOX_DRIVER=local',
    });
  });
});
