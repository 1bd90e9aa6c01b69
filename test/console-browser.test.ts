import { describe, expect, it } from 'vitest';
import { withTestApp } from '@remit/api/testing';
import { keepScreenshot, seriousViolations, serveForBrowser, watchPage, withBrowser } from './support/browser.ts';

describe('the console in Chromium', () => {
  it('signs in through the development login page with the keyboard', async () => {
    await withTestApp(async (t) => {
      const server = await serveForBrowser(t);
      try {
        await withBrowser(async (browser) => {
          const page = await browser.newPage();
          const watched = watchPage(page);
          await page.goto(`${server.url}/console/account`);
          expect(page.url()).toContain('/console/login');
          await keepScreenshot(page, '00-login');
          expect(await seriousViolations(page)).toEqual([]);
          await page.getByLabel('Email').fill('root@example.com');
          await page.getByLabel('Groups').fill('remit-admins');
          await page.keyboard.press('Enter');
          await page.waitForURL(/\/console\/account$/);
          expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account');
          expect(await page.textContent('main')).toContain('root@example.com');
          expect(await seriousViolations(page)).toEqual([]);
          await keepScreenshot(page, '01-account');
          expect(watched.problems).toEqual([]);
        });
      } finally {
        await server.close();
      }
    });
  });
});
