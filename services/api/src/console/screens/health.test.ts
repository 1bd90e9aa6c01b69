import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp } from '../../testing/test-app.ts';
import type { HealthCheck } from '../console-deps.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

const checks: HealthCheck[] = [
  { name: 'database', ok: true, detail: 'embedded PGlite answers' },
  {
    name: 'sandbox driver',
    ok: false,
    detail: 'local (bubblewrap): could not create <a sandbox>',
    fix: 'install bubblewrap (apt-get install -y bubblewrap)',
  },
  { name: 'model provider', ok: true, detail: 'scripted demo model' },
  { name: 'token issuer', ok: true, detail: 'development issuer (remit token)' },
];

describe('console: health', () => {
  it('shows each live check, and for a failing one what is wrong and how to fix it', async () => {
    let calls = 0;
    const health = () => {
      calls++;
      return Promise.resolve(checks);
    };
    await withTestApp(
      async (t) => {
        const browser = await consoleSignIn(t, admin);
        const res = await browser.get('/console/health');
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).toContain('1 of 4 checks failing.');
        expect(html).toContain('<th scope="row">sandbox driver</th><td><span class="badge bad">failing</span></td>');
        expect(html).toContain('could not create &lt;a sandbox&gt;');
        expect(html).toContain('<td>install bubblewrap (apt-get install -y bubblewrap)</td>');
        expect(html).toContain('<th scope="row">token issuer</th><td><span class="badge ok">ok</span></td>');
        expect(html).not.toContain('without live checks');
        expect(calls).toBe(1);
      },
      { console: { login: { kind: 'development' }, health } },
    );
  });

  it('says the checks could not run when they throw, without their error', async () => {
    await withTestApp(
      async (t) => {
        const browser = await consoleSignIn(t, admin);
        const res = await browser.get('/console/health');
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).toContain('the checks could not run');
        expect(html).not.toContain('postgres://app:hunter2');
      },
      { console: { login: { kind: 'development' }, health: () => Promise.reject(new Error('connect postgres://app:hunter2@db failed')) } },
    );
  });

  it('shows the database alone, from the API’s readiness check, when no live checks are configured', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, admin);
      const html = await (await browser.get('/console/health')).text();
      expect(html).toContain('The check passes.');
      expect(html).toContain('<th scope="row">database</th><td><span class="badge ok">ok</span></td>');
      expect(html).toContain('without live checks');
    });
  });

  it('refuses a non-admin, and runs no check for them', async () => {
    let calls = 0;
    await withTestApp(
      async (t) => {
        const dev = await consoleSignIn(t, developer);
        const res = await dev.get('/console/health');
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain('bubblewrap');
        expect(calls).toBe(0);
      },
      {
        console: {
          login: { kind: 'development' },
          health: () => {
            calls++;
            return Promise.resolve(checks);
          },
        },
      },
    );
  });
});
