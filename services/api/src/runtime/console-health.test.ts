import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigEnv } from '@remit/core';
import { withTestDb } from '@remit/db/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedHealth, consoleHealth, secretScrubber, type NamedCheck } from './console-health.ts';

const same = (t: string) => t;

/** A check whose answers the test hands out one at a time. */
function controlled(name: string) {
  const waiting: ((ok: boolean) => void)[] = [];
  let runs = 0;
  const check: NamedCheck = {
    name,
    run: () => {
      runs++;
      return new Promise((resolve) => waiting.push((ok) => resolve({ name, ok, detail: ok ? 'fine' : 'broken', fix: 'fix it' })));
    },
  };
  return { check, answer: (ok: boolean) => waiting.shift()?.(ok), runs: () => runs };
}

describe('cachedHealth', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows a check that has not answered in time as not answering, and runs it once however often the page is asked', async () => {
    const slow = controlled('sandbox driver');
    const quick: NamedCheck = { name: 'database', run: () => Promise.resolve({ name: 'database', ok: true, detail: 'answers' }) };
    const health = cachedHealth([quick, slow.check], same, { timeoutMs: 1000, cacheMs: 0 });

    const first = health();
    const second = health();
    await vi.advanceTimersByTimeAsync(1000);
    const shown = await first;
    expect(await second).toBe(shown);
    expect(shown[0]).toEqual({ name: 'database', ok: true, detail: 'answers', fix: undefined });
    expect(shown[1]).toMatchObject({ name: 'sandbox driver', ok: false, detail: expect.stringContaining('no answer within 1 s') });

    // Asked again while the slow check still runs: it is awaited again, not started a second time.
    const third = health();
    await vi.advanceTimersByTimeAsync(0);
    slow.answer(true);
    expect((await third)[1]).toEqual({ name: 'sandbox driver', ok: true, detail: 'fine', fix: 'fix it' });
    expect(slow.runs()).toBe(1);
  });

  it('reuses results for cacheMs, then checks again', async () => {
    let now = 0;
    const c = controlled('model provider');
    const health = cachedHealth([c.check], same, { timeoutMs: 5000, cacheMs: 10_000, now: () => now });
    const first = health();
    await vi.advanceTimersByTimeAsync(0);
    c.answer(false);
    expect((await first)[0]!.ok).toBe(false);
    now = 9_999;
    expect((await health())[0]!.ok).toBe(false);
    expect(c.runs()).toBe(1);
    now = 10_000;
    const again = health();
    await vi.advanceTimersByTimeAsync(0);
    c.answer(true);
    expect((await again)[0]!.ok).toBe(true);
    expect(c.runs()).toBe(2);
  });

  it('turns a check that throws into a failing line, and scrubs every detail and fix', async () => {
    const health = cachedHealth(
      [
        { name: 'boom', run: () => Promise.reject(new Error('cannot reach s3cr3t-value')) },
        { name: 'throws at once', run: () => (undefined as unknown as { x: () => never }).x() },
      ],
      (t) => t.replaceAll('s3cr3t-value', '[hidden]'),
      { cacheMs: 0 },
    );
    const [boom, early] = await health();
    expect(boom).toMatchObject({ name: 'boom', ok: false, detail: 'cannot reach [hidden]' });
    expect(early).toMatchObject({ name: 'throws at once', ok: false });
  });
});

describe('secretScrubber', () => {
  it('hides secret settings’ values and passwords in URLs, and leaves the rest', () => {
    const config: ConfigEnv = {
      ...parseConfig({}),
      REMIT_OPENAI_API_KEY: 'sk-live-0123456789',
      REMIT_GITHUB_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
      DATABASE_URL: 'postgres://owner:Own3r-pass@db.internal/remit',
    };
    const scrub = secretScrubber(config);
    expect(scrub('GET http://127.0.0.1:9/v1/models refused sk-live-0123456789')).toBe('GET http://127.0.0.1:9/v1/models refused [hidden]');
    expect(scrub('signed with whsec-0123456789abcdef')).toBe('signed with [hidden]');
    expect(scrub('connect postgres://remit_app:p%40ss-word@db.internal:5432/remit failed')).toBe('connect postgres://[hidden]@db.internal:5432/remit failed');
    expect(scrub('the owner password is Own3r-pass')).toBe('the owner password is [hidden]');
    expect(scrub('model m at 127.0.0.1')).toBe('model m at 127.0.0.1');
    // REMIT_SECRET_STORE names a kind of store, not a secret: "local" stays readable.
    expect(scrub('local (bubblewrap): created a sandbox')).toBe('local (bubblewrap): created a sandbox');
  });
});

describe('consoleHealth', () => {
  it('checks the database, the sandbox driver, the model provider and the token issuer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'remit-console-health-'));
    try {
      await withTestDb(async ({ db }) => {
        const config = parseConfig({ REMIT_DATA_DIR: dataDir, REMIT_MODEL_PROVIDER: 'scripted', REMIT_SANDBOX_DRIVER: 'local' });
        const checks = await consoleHealth({ config, db, dataDir }, { timeoutMs: 20_000 })();
        expect(checks.map((c) => c.name)).toEqual(['database', 'sandbox driver', 'model provider', 'token issuer']);
        expect(checks[1]!.detail).toMatch(/^local \(bubblewrap\)/);
        expect(checks[0]).toMatchObject({ ok: true, detail: expect.stringContaining('row-level security enabled and forced') });
        // Whether this host can start bubblewrap sandboxes varies; a failing line must say how to fix it here.
        if (!checks[1]!.ok) expect(checks[1]!.fix).toContain('apt-get install -y bubblewrap');
        expect(checks[2]).toMatchObject({ ok: true, detail: expect.stringContaining('scripted demo model') });
        expect(checks[3]).toMatchObject({ ok: true, detail: expect.stringContaining('development issuer') });
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
