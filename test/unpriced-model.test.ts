import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

describe('a model with no price', () => {
  // Configuration refuses such a model at start (REMIT_MODEL_PRICES, see core/src/config.ts); this
  // is the meter's own guard for a provider chosen in code.
  it('ends the run as model_not_priced, never as budget_exhausted when no budget exists', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const id = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(id, ['succeeded', 'failed'])).toMatchObject({ status: 'failed', statusReason: 'model_not_priced' });
        const events = await s.request(`/v1/runs/${id}/events`, { token: dev, headers: { accept: 'text/event-stream' } });
        expect(await events.text()).toContain('No price is configured for model scripted:e2e; set REMIT_MODEL_PRICES');
      },
      { script: [{ text: 'done' }], prices: {} },
    );
  });
});
