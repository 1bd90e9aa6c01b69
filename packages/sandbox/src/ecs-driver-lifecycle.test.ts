import { afterAll, beforeAll } from 'vitest';
import type { FakeEcs } from './ecs-fake.ts';
import { processBackedEcs, withEcsDriver } from './ecs-testing.ts';
import { describeSandboxLifecycle } from './sandbox-lifecycle-suite.ts';

/** The local driver's run lifecycle, against the ECS driver: a fake ECS whose tasks are the real tunnel and agent on loopback. */
let fake: FakeEcs & { cleanup(): Promise<void> };
beforeAll(async () => {
  fake = await processBackedEcs();
});
afterAll(() => fake.cleanup());

describeSandboxLifecycle('ecs', {
  withDriver: (fn) => withEcsDriver(fake, (driver) => fn(driver, async () => fake.running().map((t) => t.arn))),
  foreignIds: ['arn:aws:ecs:eu-west-1:123456789012:task/remit-sandboxes/00000000000000000000000000000000', '../../etc/passwd', '', 'sbx-0000000000000000'],
});
