import { setTimeout as sleep } from 'node:timers/promises';
import { troubleshootScript } from '@remit/api';
import { withTestApp } from '@remit/api/testing';
import { createScriptedProvider, type ModelProvider } from '@remit/models';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { keepScreenshot, seriousViolations, serveForBrowser, watchPage, withBrowser } from './support/browser.ts';
import { PAYMENTS_READ_TOKEN, seedRoles, withRunStack } from './support/run-stack.ts';

/**
 * The console in a real Chromium against the real API, worker and bubblewrap sandboxes; the model
 * is the scripted stand-in (a fake, named as such), slowed so a run can be watched while it goes.
 */
const CONSOLE_SECRET = 'console-typed-secret-5e1f9a';

/** The demo's troubleshooting script, each turn after a pause; a question marked [slow] waits a minute (for Cancel). */
function slowScripted(): ModelProvider {
  const scripted = createScriptedProvider(troubleshootScript, { name: 'browser test' });
  return {
    ...scripted,
    async *converse(request) {
      const slow = JSON.stringify(request.messages).includes('[slow]');
      await sleep(slow ? 60_000 : 400, undefined, { signal: request.signal });
      yield* scripted.converse(request);
    },
  };
}

async function signIn(page: Page, url: string, email: string, groups: string): Promise<void> {
  await page.goto(`${url}/console/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Groups').fill(groups);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/(runs|account)/);
}

/** Every screen gets a screenshot kept as an artifact and an axe-core pass. */
async function screen(page: Page, name: string): Promise<void> {
  await keepScreenshot(page, name);
  expect(await seriousViolations(page), name).toEqual([]);
}

describe('the console in Chromium', () => {
  it('takes an admin through every screen: a run watched live and cancelled, a role, a connection and a binding made and verified', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const server = await serveForBrowser(s);
        try {
          await withBrowser(async (browser) => {
            const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
            page.setDefaultTimeout(15_000);
            const watched = watchPage(page);
            await page.goto(`${server.url}/console/runs`);
            expect(page.url()).toContain('/console/login?next=');
            await screen(page, '00-login');
            await signIn(page, server.url, 'root@example.com', 'remit-admins, developers');
            expect(page.url()).toMatch(/\/console\/runs$/);

            // Start a run and watch it finish on the same page, without a reload.
            await page.goto(`${server.url}/console/runs/new`);
            await screen(page, '02-run-start');
            await page.getByLabel('Question').fill('Why is checkout failing?');
            await page.getByRole('button', { name: 'Start run' }).click();
            await page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/);
            await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));
            await page.getByRole('heading', { name: 'Answer' }).waitFor({ timeout: 30_000 });
            expect(await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
            await page.locator('#run-summary .badge.succeeded').waitFor();
            const transcript = page.locator('ol.transcript > li');
            expect(await transcript.count()).toBeGreaterThan(5);
            // The model's try at another role's connection is marked as a denial.
            expect(await page.locator('ol.transcript > li.denied').first().textContent()).toContain('payments-admin');
            await screen(page, '03-run-finished');
            await page.mouse.wheel(0, -100_000);
            await keepScreenshot(page, 'readme-run', { fullPage: false }); // the README's picture (docs/images/console-run.png)

            // Cancel a run that is still thinking.
            await page.goto(`${server.url}/console/runs/new`);
            await page.getByLabel('Question').fill('[slow] Is the card processor down?');
            await page.getByRole('button', { name: 'Start run' }).click();
            await page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/);
            await page.getByRole('button', { name: 'Cancel run' }).click();
            await page.locator('#run-summary .badge.cancelled').waitFor({ timeout: 30_000 });
            await screen(page, '04-run-cancelled');
            await page.goto(`${server.url}/console/runs`);
            expect(await page.locator('main table').textContent()).toContain('cancelled');
            await screen(page, '01-runs');

            // A role, through the form.
            await page.goto(`${server.url}/console/roles`);
            await screen(page, '05-roles');
            await page.goto(`${server.url}/console/roles/new`);
            await page.getByLabel('Name').fill('oncall');
            await page.getByLabel('troubleshoot').check();
            await page.getByLabel('payments-api').check();
            await screen(page, '06-role-new');
            await page.getByRole('button', { name: 'Create role' }).click();
            await page.waitForURL(/\/console\/roles(\?.*)?$/);
            expect(await page.locator('main').textContent()).toContain('oncall');

            // A connection with a secret typed into the console, then verified live.
            await page.goto(`${server.url}/console/connections/new`);
            // Labels here carry hints ("Name — lowercase letters…"), so fields are found by their ids.
            await page.locator('#conn-name').fill('status-page');
            await page.locator('#conn-base-url').fill(s.paymentsUrl);
            await page.locator('#conn-scheme').selectOption('bearer');
            await page.locator('#conn-secret-token').fill(PAYMENTS_READ_TOKEN);
            await page.locator('#conn-verify-path').fill('/status');
            await page.locator('#conn-cidrs').fill('127.0.0.1/32');
            await screen(page, '08-connection-new');
            await page.getByRole('button', { name: 'Verify and create' }).click();
            await page.waitForURL(/\/console\/connections(\?.*)?$/);
            await page.getByRole('button', { name: 'Verify status-page' }).click();
            await page.locator('#flash .alert.ok').waitFor();
            await screen(page, '07-connections');

            // A binding of an IdP group to the new role.
            await page.goto(`${server.url}/console/bindings`);
            await page.locator('#binding-kind').selectOption('group');
            await page.locator('#binding-subject').fill('oncall-team');
            const role = page.locator('#binding-role');
            if ((await role.evaluate((e) => e.tagName)) === 'SELECT') await role.selectOption('oncall');
            else await role.fill('oncall');
            await page.getByRole('button', { name: 'Add binding' }).click();
            await page.locator('main table', { hasText: 'oncall-team' }).first().waitFor();
            await screen(page, '09-bindings');

            for (const [name, path] of [
              ['10-audit', '/console/audit'],
              ['11-usage', '/console/usage'],
              ['12-sandboxes', '/console/sandboxes'],
              ['13-reviews', '/console/reviews'],
              ['14-health', '/console/health'],
              ['15-account', '/console/account'],
            ] as const) {
              await page.goto(`${server.url}${path}`);
              await screen(page, name);
            }
            await page.goto(`${server.url}/console/audit`);
            await page.getByRole('button', { name: 'Verify chain' }).click();
            expect(await page.locator('#verify-result .alert.ok').textContent()).toContain('The chain verifies');

            // What the console made is what the API holds.
            const admin = await s.adminToken();
            const oncall = (await (await s.request('/v1/admin/roles/oncall', { token: admin })).json()) as { connections: string[] };
            expect(oncall.connections).toEqual(['payments-api']);
            const bindings = JSON.stringify(await (await s.request('/v1/admin/bindings', { token: admin })).json());
            expect(bindings).toContain('oncall-team');

            // A form whose CSRF token was stripped is refused, and nothing is created.
            await page.goto(`${server.url}/console/roles/new`);
            await page.evaluate(() => {
              const doc = (
                globalThis as unknown as { document: { querySelectorAll(s: string): { remove(): void }[]; body: { removeAttribute(n: string): void } } }
              ).document;
              for (const input of doc.querySelectorAll('input[name="_csrf"]')) input.remove();
              doc.body.removeAttribute('hx-headers');
            });
            await page.getByLabel('Name').fill('forged');
            await page.getByLabel('troubleshoot').check();
            await page.getByRole('button', { name: 'Create role' }).click();
            await page.getByText('csrf_rejected').first().waitFor();
            expect((await s.request('/v1/admin/roles/forged', { token: admin })).status).toBe(404);

            // No secret reached the browser in any page, fragment or stream.
            await sleep(200); // the last bodies are read asynchronously
            expect(watched.bodies.length).toBeGreaterThan(20);
            for (const body of watched.bodies) {
              expect(body).not.toContain(PAYMENTS_READ_TOKEN);
              expect(body).not.toContain(CONSOLE_SECRET);
            }
            // No CSP violation or script error on any screen; the one refused request is the forged form.
            const unexpected = watched.problems.filter((p) => !/status of 403/.test(p));
            expect(unexpected).toEqual([]);
          });
        } finally {
          await server.close();
        }
      },
      { script: troubleshootScript, model: slowScripted() },
    );
  }, 120_000);

  it('refuses a developer the admin screens with a 403 page and no admin navigation', async () => {
    await withTestApp(async (t) => {
      const server = await serveForBrowser(t);
      try {
        await withBrowser(async (browser) => {
          const page = await browser.newPage();
          await signIn(page, server.url, 'dev@example.com', 'developers');
          expect(await page.locator('header nav').textContent()).not.toContain('Roles');
          for (const path of ['/console/roles', '/console/connections', '/console/audit', '/console/usage']) {
            const res = await page.goto(`${server.url}${path}`);
            expect(res?.status(), path).toBe(403);
            expect(await page.locator('main').textContent()).toContain('needs admin rights');
          }
          await screen(page, '16-not-admin');
        });
      } finally {
        await server.close();
      }
    });
  });
});
