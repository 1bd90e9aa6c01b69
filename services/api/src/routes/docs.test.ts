import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';

describe('GET /docs', () => {
  it('is an HTML reference of every operation, generated from /openapi.json, that loads and runs nothing from elsewhere', async () => {
    await withTestApp(async (t) => {
      const res = await t.request('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await res.text();
      expect(page).toContain('href="/openapi.json"');

      const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
      for (const item of Object.values(doc.paths)) {
        for (const op of Object.values(item)) expect(page).toContain(`id="op-${op.operationId}"`);
      }
      expect(page).toContain('id="schema-RunEventToolDenied"');

      // No script at all, nothing fetched from another origin, and a policy that would block either.
      expect(page).not.toMatch(/<script/i);
      expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp).not.toMatch(/unsafe-inline|script-src/);
      // The hash pins the one inline stylesheet the page carries.
      const { createHash } = await import('node:crypto');
      const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);

      // Public: no token needed.
      expect((await t.request('/docs')).status).toBe(200);
    });
  });
});
