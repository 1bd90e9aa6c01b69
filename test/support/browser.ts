import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { TestApp } from '@remit/api/testing';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`, as .ci/run does); REMIT_CHROMIUM points elsewhere. */
const CHROMIUM = process.env['REMIT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where the browser tests keep their screenshots: the test output folder, never committed. */
export const ARTIFACTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));

/**
 * Chromium headless, as root in a container: no sandbox of its own (it runs as root), and nothing
 * that reaches the internet (there is none here, and a test must not depend on it).
 */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      '--metrics-recording-only',
      '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider',
    ],
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Serves a test app over real HTTP on loopback with @hono/node-server, exactly as `remit serve` does. */
export async function serveForBrowser(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: t.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns its serious and critical violations. The script goes in
 * through the DevTools protocol (page.evaluate), which the page's CSP does not govern: the page
 * under test keeps its real policy.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(async () => {
    const run = (
      globalThis as unknown as {
        axe: {
          run(ctx: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await run.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Keeps a screenshot (full page unless told otherwise) of the screen in the test output folder. */
export async function keepScreenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return path;
}

/** Collects what would show the page broke a rule: CSP violations, script errors, failed requests to our own origin. */
export function watchPage(page: Page): { problems: string[]; bodies: string[] } {
  const problems: string[] = [];
  const bodies: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (res) => {
    const type = res.headers()['content-type'] ?? '';
    if (!type.startsWith('text/html') && !type.startsWith('text/event-stream')) return;
    res.text().then(
      (b) => bodies.push(b),
      () => undefined, // a stream the page closed, or a redirect with no body
    );
  });
  return { problems, bodies };
}
