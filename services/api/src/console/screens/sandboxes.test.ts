import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '@remit/core';
import { claimRuns } from '@remit/db';
import type { SandboxDriver, SandboxInfo } from '@remit/sandbox';
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
        expect(fragment).toMatch(/^<section id="sandboxes"/);
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
});
