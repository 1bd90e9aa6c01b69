import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@remit/core';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
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

  it('checks ECS live: the cluster and the task definition, asked through the real client (a FAKE ECS at the SDK boundary); a missing one fails with the fix', async () => {
    const ecs = mockClient(ECSClient);
    try {
      const config = parseConfig({
        REMIT_SANDBOX_DRIVER: 'ecs',
        REMIT_ECS_CLUSTER: 'remit-sandboxes',
        REMIT_ECS_TASK_DEFINITION: 'remit-sandbox',
        REMIT_ECS_SUBNETS: 'subnet-0a',
        REMIT_ECS_SECURITY_GROUPS: 'sg-0b',
        AWS_REGION: 'eu-west-1',
      });
      ecs.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: 'remit-sandboxes', status: 'ACTIVE' }] });
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { family: 'remit-sandbox', revision: 3, containerDefinitions: [{ name: 'sandbox' }] } });
      expect(await checkSandboxDriver(config, tmpdir())).toEqual({
        name: 'sandbox driver',
        ok: true,
        detail: 'ecs: cluster remit-sandboxes active, task definition remit-sandbox:3 (no task started)',
      });
      ecs.on(DescribeClustersCommand).resolves({ clusters: [] });
      expect(await checkSandboxDriver(config, tmpdir())).toMatchObject({
        ok: false,
        detail: 'ecs: cluster remit-sandboxes is not found',
        fix: expect.stringContaining('REMIT_ECS_CLUSTER'),
      });
    } finally {
      ecs.restore();
    }
  });

  it('refuses an ecs driver without its settings at start, naming each variable', () => {
    expect(() => parseConfig({ REMIT_SANDBOX_DRIVER: 'ecs' })).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({
          problems: expect.arrayContaining([
            'REMIT_ECS_CLUSTER: required when REMIT_SANDBOX_DRIVER is ecs',
            'REMIT_ECS_TASK_DEFINITION: required when REMIT_SANDBOX_DRIVER is ecs',
            'REMIT_ECS_SUBNETS: required when REMIT_SANDBOX_DRIVER is ecs',
            'REMIT_ECS_SECURITY_GROUPS: required when REMIT_SANDBOX_DRIVER is ecs',
          ]),
        }),
      }),
    );
  });
});
