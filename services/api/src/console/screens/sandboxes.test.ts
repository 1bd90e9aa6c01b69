import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '@remit/core';
import { claimRuns } from '@remit/db';
import { createLocalDriver, createWarmPool, type SandboxDriver, type SandboxInfo, type WarmPoolStatus } from '@remit/sandbox';
import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

/** A fake driver: lists what it was given and forgets what is destroyed (no sandbox runs here). */
function fakeDriver(live: SandboxInfo[]): SandboxDriver & { destroyed: string[] } {
  const destroyed: string[] = [];
  return {
    name: 'local',
    destroyed,
    create: () => Promise.reject(new Error('the fake driver starts nothing')),
    destroy: (id) => {
      destroyed.push(id);
      const at = live.findIndex((s) => s.id === id);
      if (at >= 0) live.splice(at, 1);
      return Promise.resolve();
    },
    list: () => Promise.resolve(live.map((s) => ({ ...s }))),
  };
}

/** A developer role and one of alice's runs, claimed by a worker (provisioning). */
async function provisioningRun(t: TestApp): Promise<string> {
  const token = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  const alice = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
  const res = await t.request('/v1/runs', { method: 'POST', token: alice, json: { kind: 'troubleshoot', input: 'why?' } });
  const { id } = (await res.json()) as { id: string };
  await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => claimRuns(sql, 'worker-test', 60, 10));
  return id;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('console: sandboxes', () => {
  it('lists live sandboxes with their run, owner and age; Kill cancels the run first, then destroys it, audited', async () => {
    const live: SandboxInfo[] = [];
    const driver = fakeDriver(live);
    await withTestApp(
      async (t) => {
        const runId = await provisioningRun(t);
        const orphan = randomUUID();
        live.push(
          { id: 'sbx-run', runId, startedAt: minutesAgo(3), alive: true },
          { id: 'sbx-orphan', runId: orphan, startedAt: minutesAgo(90), alive: false },
          { id: 'sbx-throwaway', runId: randomUUID(), startedAt: minutesAgo(1), alive: true, throwaway: { ownerPid: 4242, ownerRunning: true } },
        );
        const browser = await consoleSignIn(t, admin);
        const res = await browser.get('/console/sandboxes');
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).toContain('Driver: local (bubblewrap on this host)');
        expect(html).toContain('This server keeps no warm pool');
        expect(html).toContain(`href="/console/runs/${runId}"`);
        expect(html).toContain('<span class="badge provisioning">provisioning</span>');
        expect(html).toContain('<span class="badge bad">no such run</span>');
        expect(html).toContain('process 4242');
        expect(html).toMatch(/<td>3 min \d+ s<\/td>/);
        expect(html).toContain('hx-confirm="Kill sandbox sbx-run? The run it serves is cancelled first."');
        expect(html).toContain('hx-confirm="Kill sandbox sbx-orphan?"');
        expect(html).not.toMatch(/\sstyle=/);

        const killed = await browser.post('/console/sandboxes/sbx-run/kill', {}, { htmx: true });
        expect(killed.status).toBe(200);
        const fragment = await killed.text();
        expect(fragment).toMatch(/^<div id="sandboxes"/);
        expect(fragment).toContain('Killed sandbox sbx-run; its run is provisioning.');
        expect(fragment).not.toContain('<code>sbx-run</code>');
        expect(driver.destroyed).toEqual(['sbx-run']);
        const cancel = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
          sql.query<{ cancel_requested: boolean }>('select cancel_requested from runs where id = $1', [runId]),
        );
        expect(cancel.rows[0]?.cancel_requested).toBe(true);

        const plain = await browser.post('/console/sandboxes/sbx-orphan/kill');
        expect(plain.status).toBe(303);
        expect(plain.headers.get('location')).toBe('/console/sandboxes');
        expect(driver.destroyed).toEqual(['sbx-run', 'sbx-orphan']);

        const audit = (await (await t.request('/v1/audit?limit=1000', { token: await t.adminToken() })).json()) as { items: AuditEntry[] };
        expect(audit.items.filter((e) => e.action === 'sandbox.kill').map((e) => e.targetId)).toEqual(['sbx-run', 'sbx-orphan']);
      },
      { sandboxes: driver },
    );
  });

  it('shows the API’s refusal of a kill: a sandbox already gone, or an id that is none', async () => {
    const driver = fakeDriver([]);
    await withTestApp(
      async (t) => {
        const browser = await consoleSignIn(t, admin);
        expect(await (await browser.get('/console/sandboxes')).text()).toContain('No sandbox is running.');
        const gone = await browser.post('/console/sandboxes/sbx-gone/kill', {}, { htmx: true });
        expect(gone.status).toBe(404);
        expect(gone.headers.get('hx-retarget')).toBe('#flash');
        expect(await gone.text()).toContain('remit sandbox list');
        const odd = await browser.post(`/console/sandboxes/${encodeURIComponent('a b')}/kill`);
        expect(odd.status).toBe(400);
        expect(driver.destroyed).toEqual([]);
      },
      { sandboxes: driver },
    );
  });

  it('refuses a kill without the CSRF token, and the page and kill to a non-admin', async () => {
    const live: SandboxInfo[] = [{ id: 'sbx-1', runId: randomUUID(), startedAt: new Date(), alive: true }];
    const driver = fakeDriver(live);
    await withTestApp(
      async (t) => {
        const browser = await consoleSignIn(t, admin);
        const forged = await browser.post('/console/sandboxes/sbx-1/kill', {}, { csrf: false });
        expect(forged.status).toBe(403);
        expect(await forged.text()).toContain('csrf_rejected');
        const dev = await consoleSignIn(t, developer);
        const page = await dev.get('/console/sandboxes');
        expect(page.status).toBe(403);
        expect(await page.text()).not.toContain('sbx-1');
        expect((await dev.post('/console/sandboxes/sbx-1/kill')).status).toBe(403);
        expect(driver.destroyed).toEqual([]);
      },
      { sandboxes: driver },
    );
  });

  it('shows the warm pool and marks its sandboxes; Kill takes one out of the pool, which starts another, audited', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'remit-console-pool-'));
    const pool = createWarmPool(createLocalDriver({ stateDir }), { size: 1 });
    try {
      await withTestApp(
        async (t) => {
          await pool.filled();
          const [member] = pool.status().ready as [string];
          const browser = await consoleSignIn(t, admin);
          const html = await (await browser.get('/console/sandboxes')).text();
          expect(html).toContain('<h2 id="pool-heading">Warm pool</h2>');
          expect(html).toMatch(/<dt>Kept waiting<\/dt>\s*<dd>1 sandbox<\/dd>/);
          expect(html).toContain('<span class="badge ok">1 of 1</span>');
          expect(html).toContain('512 MB memory, 64 processes, 120 s CPU time');
          expect(html).toContain(`<code>${member}</code>`);
          expect(html).toContain('warm pool <span class="badge ok">ready</span>');
          expect(html).toContain('no run yet');
          expect(html).toContain(`hx-confirm="Kill sandbox ${member}? It leaves the warm pool, which starts another."`);
          expect(html).not.toContain('This server keeps no warm pool');

          const killed = await browser.post(`/console/sandboxes/${member}/kill`, {}, { htmx: true });
          expect(killed.status).toBe(200);
          const fragment = await killed.text();
          expect(fragment).toMatch(/^<div id="sandboxes"/);
          expect(fragment).toContain(`Killed sandbox ${member}; it left the warm pool, which starts another.`);
          expect(fragment).toContain('<h2 id="pool-heading">Warm pool</h2>');
          expect(fragment).not.toContain(`<code>${member}</code>`);
          expect(pool.status().ready).not.toContain(member);

          await pool.filled();
          const [next] = pool.status().ready as [string];
          expect(next).not.toBe(member);
          expect(await (await browser.get('/console/sandboxes')).text()).toContain(`<code>${next}</code>`);
          const audit = (await (await t.request('/v1/audit?limit=1000', { token: await t.adminToken() })).json()) as { items: AuditEntry[] };
          expect(audit.items.filter((e) => e.action === 'sandbox.kill')).toEqual([
            expect.objectContaining({ targetId: member, detail: expect.objectContaining({ pool: 'warm' }) }),
          ]);
        },
        { sandboxes: pool },
      );
    } finally {
      await pool.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('marks starting and other processes’ pool sandboxes; a pool kill without the CSRF token is refused, and a non-admin sees nothing of the pool', async () => {
    const owned = { ownerPid: process.pid, ownerRunning: true };
    const live: SandboxInfo[] = [
      { id: 'sbx-pool-1', runId: '', startedAt: minutesAgo(2), alive: true, throwaway: owned, pool: true },
      { id: 'sbx-pool-2', runId: '', startedAt: minutesAgo(1), alive: true, throwaway: { ownerPid: 0, ownerRunning: true }, pool: true },
    ];
    const status: WarmPoolStatus = {
      size: 2,
      limits: { memoryMb: 256, maxProcesses: 32, cpuSeconds: 60, wallSeconds: 900 },
      ready: [],
      starting: { count: 2, ids: ['sbx-pool-1'] },
    };
    const driver = Object.assign(fakeDriver(live), { status: () => status });
    await withTestApp(
      async (t) => {
        const browser = await consoleSignIn(t, admin);
        const html = await (await browser.get('/console/sandboxes')).text();
        expect(html).toContain('<span class="badge warn">0 of 2</span>');
        expect(html).toContain('256 MB memory, 32 processes, 60 s CPU time');
        expect(html).toContain('warm pool <span class="badge warn">starting</span>');
        expect(html).toContain('warm pool <span class="badge other">another pool</span>');
        expect(html).toContain('pool of another worker');

        const forged = await browser.post('/console/sandboxes/sbx-pool-1/kill', {}, { csrf: false, htmx: true });
        expect(forged.status).toBe(403);
        expect(driver.destroyed).toEqual([]);
        const dev = await consoleSignIn(t, developer);
        const page = await dev.get('/console/sandboxes');
        expect(page.status).toBe(403);
        const body = await page.text();
        expect(body).not.toContain('sbx-pool');
        expect(body).not.toContain('Warm pool');
        expect((await dev.post('/console/sandboxes/sbx-pool-1/kill')).status).toBe(403);
        expect(driver.destroyed).toEqual([]);
      },
      { sandboxes: driver },
    );
  });
});
