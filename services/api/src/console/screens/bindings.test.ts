import type { AuditEntry, Binding, GithubLink } from '@remit/core';
import { createRole } from '@remit/db';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

/** Two roles, a group binding, and dev@example.com signed in once (a GitHub link needs a known user). */
async function seed(t: TestApp): Promise<string> {
  const token = await t.adminToken();
  for (const name of ['developer', 'reviewer']) {
    expect((await t.request('/v1/admin/roles', { method: 'POST', token, json: { name, runKinds: ['troubleshoot', 'review'] } })).status).toBe(201);
  }
  await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'platform-devs' } } });
  expect((await t.request('/v1/me', { token: await t.tokenFor(developer) })).status).toBe(200);
  return token;
}

const bindings = async (t: TestApp, token: string) => ((await (await t.request('/v1/admin/bindings', { token })).json()) as { items: Binding[] }).items;
const links = async (t: TestApp, token: string) =>
  ((await (await t.request('/v1/admin/github/links', { token })).json()) as { items: z.infer<typeof GithubLink>[] }).items;
const actions = async (t: TestApp, token: string) =>
  ((await (await t.request('/v1/audit?limit=1000', { token })).json()) as { items: AuditEntry[] }).items.map((e) => e.action);

describe('console: bindings', () => {
  it('lists role bindings and GitHub links made through the API', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      await t.request('/v1/admin/github/links/4242', { method: 'PUT', token, json: { githubLogin: 'octo-dev', user: developer.email, role: 'reviewer' } });
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/bindings');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<code>platform-devs</code>');
      expect(html).toContain('<code>octo-dev</code>');
      expect(html).toContain('dev@example.com');
      expect(html).toContain('<option value="reviewer">reviewer</option>');
      expect(html.match(/<h1>/g)).toHaveLength(1);
      expect(html).not.toMatch(/\sstyle=/);
    });
  });

  it('binds a group and a user to roles, and deletes a binding, through the API with audit entries', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const group = await browser.post('/console/bindings/new', { subjectKind: 'group', subject: 'sre', role: 'reviewer' });
      expect(group.status).toBe(303);
      expect(group.headers.get('location')).toBe('/console/bindings?done=binding-added');
      expect(await (await browser.get('/console/bindings?done=binding-added')).text()).toContain('Added the binding.');
      const user = await browser.post('/console/bindings/new', { subjectKind: 'user', subject: 'Carol@Example.com', role: 'developer' }, { htmx: true });
      expect(user.headers.get('hx-redirect')).toBe('/console/bindings?done=binding-added');
      const now = await bindings(t, token);
      expect(now.map((b) => [b.role, b.subject])).toEqual(
        expect.arrayContaining([
          ['reviewer', { kind: 'group', group: 'sre' }],
          ['developer', { kind: 'user', email: 'carol@example.com' }],
        ]),
      );
      const sre = now.find((b) => b.subject.kind === 'group' && b.subject.group === 'sre')!;
      expect((await browser.post(`/console/bindings/${sre.id}/delete`)).status).toBe(303);
      expect((await bindings(t, token)).map((b) => b.id)).not.toContain(sre.id);
      const log = await actions(t, token);
      expect(log.filter((a) => a === 'binding.create')).toHaveLength(3);
      expect(log).toContain('binding.delete');
    });
  });

  it('shows the API’s refusals beside the form, with the status and the input kept', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const cases = [
        { form: { subjectKind: 'group', subject: 'platform-devs', role: 'developer' }, status: 409, code: 'already_exists' },
        { form: { subjectKind: 'group', subject: 'kept-group', role: 'no-such-role' }, status: 422, code: 'unknown_reference' },
        { form: { subjectKind: 'user', subject: 'not-an-email', role: 'developer' }, status: 400, code: 'validation_failed' },
      ];
      for (const { form, status, code } of cases) {
        const res = await browser.post('/console/bindings/new', form);
        expect(res.status, code).toBe(status);
        const html = await res.text();
        expect(html).toContain(`<code>${code}</code>`);
        expect(html).toContain(`(HTTP ${status})`);
        expect(html).toContain(`value="${form.subject}"`);
        const htmx = await browser.post('/console/bindings/new', form, { htmx: true });
        expect(htmx.status).toBe(status);
        expect(await htmx.text()).toMatch(/^<section id="binding-form">/);
      }
      expect(await bindings(t, token)).toHaveLength(1);
    });
  });

  it('links a GitHub account to a user, refuses bad links with the API’s message, and unlinks', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const ok = await browser.post('/console/bindings/github', { githubId: '583231', githubLogin: 'octocat', user: developer.email, role: 'reviewer' });
      expect(ok.status).toBe(303);
      expect(await links(t, token)).toEqual([
        expect.objectContaining({ githubId: 583231, githubLogin: 'octocat', userEmail: developer.email, role: 'reviewer' }),
      ]);
      // No role: the user's one review role.
      expect((await browser.post('/console/bindings/github', { githubId: '9', githubLogin: 'other', user: developer.email, role: '' })).status).toBe(303);
      expect((await links(t, token)).find((l) => l.githubId === 9)?.role).toBeNull();

      const refusals = [
        { form: { githubId: '10', githubLogin: 'ghost', user: 'never-signed-in@example.com', role: '' }, status: 422, code: 'unknown_reference' },
        { form: { githubId: '11', githubLogin: '-bad login-', user: developer.email, role: '' }, status: 400, code: 'validation_failed' },
        { form: { githubId: 'twelve', githubLogin: 'kept', user: developer.email, role: '' }, status: 400, code: 'invalid_id' },
        { form: { githubId: '', githubLogin: 'kept', user: developer.email, role: '' }, status: 400, code: 'validation_failed' },
        { form: { githubId: '..', githubLogin: 'kept', user: developer.email, role: '' }, status: 400, code: 'validation_failed' },
      ];
      for (const { form, status, code } of refusals) {
        const res = await browser.post('/console/bindings/github', form);
        expect(res.status, `${form.githubId} ${code}`).toBe(status);
        const html = await res.text();
        expect(html).toContain(`<code>${code}</code>`);
        expect(html).toContain(`value="${form.githubLogin}"`);
      }
      expect(await links(t, token)).toHaveLength(2);

      expect((await browser.post('/console/bindings/github/583231/delete')).status).toBe(303);
      const missing = await browser.post('/console/bindings/github/583231/delete', {}, { htmx: true });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('<code>not_found</code>');
      expect((await links(t, token)).map((l) => l.githubId)).toEqual([9]);
      const log = await actions(t, token);
      expect(log.filter((a) => a === 'github.link')).toHaveLength(2);
      expect(log).toContain('github.unlink');
    });
  });

  it('asks for a role by name once there are more roles than a select offers', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
        for (let i = 0; i < 200; i++) {
          await createRole(sql, {
            name: `a-${String(i).padStart(3, '0')}`,
            description: '',
            connections: [],
            runKinds: ['troubleshoot'],
            limits: { maxDurationSeconds: 900, maxSteps: 30 },
          });
        }
      });
      const browser = await consoleSignIn(t, admin);
      const html = await (await browser.get('/console/bindings')).text();
      expect(html).toMatch(/<input id="binding-role" name="role" type="text"/);
      expect(html).toMatch(/<input id="link-role" name="role" type="text"/);
      expect((await browser.post('/console/bindings/new', { subjectKind: 'group', subject: 'late', role: 'reviewer' })).status).toBe(303);
      expect((await bindings(t, token)).map((b) => b.role)).toContain('reviewer');
    });
  });

  it('refuses forms without their CSRF token, and a non-admin, changing nothing', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const [existing] = await bindings(t, token);
      const browser = await consoleSignIn(t, admin);
      const binding = { subjectKind: 'group', subject: 'sneaky', role: 'developer' };
      const link = { githubId: '77', githubLogin: 'sneaky', user: developer.email, role: '' };
      expect((await browser.post('/console/bindings/new', binding, { csrf: false })).status).toBe(403);
      expect((await browser.post(`/console/bindings/${existing!.id}/delete`, {}, { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/bindings/github', link, { csrf: false })).status).toBe(403);
      const dev = await consoleSignIn(t, { ...developer, groups: ['platform-devs'] });
      const page = await dev.get('/console/bindings');
      expect(page.status).toBe(403);
      expect(await page.text()).not.toContain('platform-devs</code>');
      expect((await dev.post('/console/bindings/new', binding)).status).toBe(403);
      expect((await dev.post(`/console/bindings/${existing!.id}/delete`)).status).toBe(403);
      expect((await dev.post('/console/bindings/github', link)).status).toBe(403);
      expect(await bindings(t, token)).toHaveLength(1);
      expect(await links(t, token)).toEqual([]);
    });
  });
});
