import { describe, expect, it } from 'vitest';
import { BootstrapGate } from './bootstrap-gate.ts';

const TOKEN = 'x'.repeat(43);

describe('BootstrapGate', () => {
  it('accepts the token once, then refuses it and every other token', async () => {
    const gate = new BootstrapGate(TOKEN);
    expect(await gate.check(TOKEN)).toEqual({ ok: true });
    expect(await gate.check(TOKEN)).toEqual({ ok: false, reason: 'token_used' });
    expect(await gate.check('y'.repeat(43))).toEqual({ ok: false, reason: 'token_used' });
  });

  it.each(['', 'x', 'x'.repeat(42), 'x'.repeat(44), `${'x'.repeat(42)}y`, TOKEN.toUpperCase()])(
    'refuses a wrong token %#, which does not spend the right one',
    async (wrong) => {
      const gate = new BootstrapGate(TOKEN);
      expect(await gate.check(wrong)).toEqual({ ok: false, reason: 'wrong_token' });
      expect(await gate.check(TOKEN)).toEqual({ ok: true });
    },
  );

  it('lets exactly one of two concurrent hellos through, even while the store is slow', async () => {
    let calls = 0;
    const gate = new BootstrapGate(TOKEN, async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return true;
    });
    const decisions = await Promise.all([gate.check(TOKEN), gate.check(TOKEN)]);
    expect(decisions.filter((d) => d.ok)).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('refuses when the store says no or fails, and the token stays spent', async () => {
    for (const consume of [async () => false, async () => Promise.reject(new Error('db down'))]) {
      const gate = new BootstrapGate(TOKEN, consume);
      expect(await gate.check(TOKEN)).toEqual({ ok: false, reason: 'not_accepted' });
      expect(await gate.check(TOKEN)).toEqual({ ok: false, reason: 'token_used' });
    }
  });

  it('is useless once spent by the session', async () => {
    const gate = new BootstrapGate(TOKEN);
    gate.spend();
    expect(await gate.check(TOKEN)).toEqual({ ok: false, reason: 'token_used' });
  });
});
