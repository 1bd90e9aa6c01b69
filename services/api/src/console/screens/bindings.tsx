import type { Binding, GithubLink, Role } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { OkAlert } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { BindingForm, BindingsTable, LinkForm, LinksTable, type BindingValues, type LinkValues } from './binding-views.tsx';
import { ApiErrorAlert, Pager } from './form-fields.tsx';
import { CHOICES_LIMIT, afterChange, choicesOf, readForm, segment, type ApiPage, type Failure } from './form-input.ts';

type Link = z.infer<typeof GithubLink>;

const PAGE_SIZE = 50;
const ROLE_CHOICES = `/v1/admin/roles?limit=${CHOICES_LIMIT}`;

/** Messages after a change, by a fixed key: a link cannot make this page say anything else. */
const DONE = {
  'binding-added': 'Added the binding.',
  'binding-deleted': 'Deleted the binding.',
  'link-saved': 'Linked the GitHub account.',
  'link-deleted': 'Unlinked the GitHub account.',
} as const;

const noBinding: BindingValues = { subjectKind: 'group', subject: '', role: '' };
const noLink: LinkValues = { githubId: '', githubLogin: '', user: '', role: '' };

/** A refused form, and which of the page's two it was. */
type Refused =
  { form: 'binding'; values: BindingValues; failure: Failure } | { form: 'link'; values: LinkValues; failure: Failure } | { form: 'row'; failure: Failure };

/** Bindings: which IdP groups and users hold which roles, and which GitHub accounts are which users (for reviews). */
export function mountBindingsScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const roleNames = async (c: Context<ConsoleEnv>) => choicesOf(await ctx.api(c).need<ApiPage<Role>>(ROLE_CHOICES));

  async function page(c: Context<ConsoleEnv>, refused?: Refused) {
    const cursor = c.req.query('cursor');
    const linksCursor = c.req.query('linksCursor');
    const api = ctx.api(c);
    const [bindings, links, roles] = await Promise.all([
      api.need<ApiPage<Binding>>(`/v1/admin/bindings?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
      api.need<ApiPage<Link>>(`/v1/admin/github/links?limit=${PAGE_SIZE}${linksCursor ? `&cursor=${encodeURIComponent(linksCursor)}` : ''}`),
      roleNames(c),
    ]);
    const done = DONE[c.req.query('done') as keyof typeof DONE] as string | undefined;
    const user = c.var.user;
    return renderPage(
      c,
      {
        title: 'Bindings',
        current: '/console/bindings',
        body: (
          <>
            <h1>Bindings</h1>
            {done ? <OkAlert>{done}</OkAlert> : null}
            {refused?.form === 'row' ? <ApiErrorAlert status={refused.failure.status} error={refused.failure.error} /> : null}
            <h2>Roles of IdP groups and users</h2>
            <p class="hint">Whoever is in a bound group, or is the bound user, holds the role. Admin rights come from the admin group, never from a binding.</p>
            <BindingsTable user={user} bindings={bindings.items} />
            <Pager base="/console/bindings" cursor={cursor} next={bindings.nextCursor} label="Bindings pages" />
            <h3>Add a binding</h3>
            <BindingForm
              user={user}
              roles={roles}
              values={refused?.form === 'binding' ? refused.values : noBinding}
              failure={refused?.form === 'binding' ? refused.failure : undefined}
            />
            <h2>GitHub accounts of users</h2>
            <p class="hint">
              A pull request by a linked account is reviewed as that user (in the role given here, or the user’s one role that may start reviews).
            </p>
            <LinksTable user={user} links={links.items} />
            <Pager base="/console/bindings" param="linksCursor" cursor={linksCursor} next={links.nextCursor} label="GitHub links pages" />
            <h3>Link a GitHub account</h3>
            <LinkForm
              user={user}
              roles={roles}
              values={refused?.form === 'link' ? refused.values : noLink}
              failure={refused?.form === 'link' ? refused.failure : undefined}
            />
          </>
        ),
      },
      (refused?.failure.status ?? 200) as ContentfulStatusCode,
    );
  }

  /** A refused form: htmx swaps the form alone, a plain post gets the whole page. */
  async function refusedForm(c: Context<ConsoleEnv>, refused: Exclude<Refused, { form: 'row' }>) {
    if (!isHtmx(c)) return page(c, refused);
    const status = refused.failure.status as ContentfulStatusCode;
    const roles = await roleNames(c);
    if (refused.form === 'binding') return c.html(<BindingForm user={c.var.user} roles={roles} values={refused.values} failure={refused.failure} />, status);
    return c.html(<LinkForm user={c.var.user} roles={roles} values={refused.values} failure={refused.failure} />, status);
  }

  const refusedRow = (c: Context<ConsoleEnv>, failure: Failure) =>
    isHtmx(c)
      ? c.html(<ApiErrorAlert status={failure.status} error={failure.error} />, failure.status as ContentfulStatusCode)
      : page(c, { form: 'row', failure });

  ui.get('/bindings', (c) => page(c));

  ui.post('/bindings/new', async (c) => {
    const f = await readForm(c);
    const values: BindingValues = { subjectKind: f.text('subjectKind'), subject: f.text('subject'), role: f.text('role') };
    const subject = values.subjectKind === 'user' ? { kind: 'user', email: values.subject } : { kind: values.subjectKind, group: values.subject };
    const res = await ctx.api(c).call<Binding>('POST', '/v1/admin/bindings', { role: values.role, subject });
    if (res.ok) return afterChange(c, '/console/bindings?done=binding-added');
    return refusedForm(c, { form: 'binding', values, failure: res });
  });

  ui.post('/bindings/:id/delete', async (c) => {
    const res = await ctx.api(c).call('DELETE', `/v1/admin/bindings/${segment(c.req.param('id'))}`);
    if (res.ok) return afterChange(c, '/console/bindings?done=binding-deleted');
    return refusedRow(c, res);
  });

  ui.post('/bindings/github', async (c) => {
    const f = await readForm(c);
    const values: LinkValues = { githubId: f.text('githubId'), githubLogin: f.text('githubLogin'), user: f.text('user'), role: f.text('role') };
    // The id is a segment of the API's path: empty, or a dot segment the URL parser would resolve
    // away, it would name another route, so it is refused here, in the API's words.
    if (/^\.{0,2}$/.test(values.githubId)) {
      const failure: Failure = {
        ok: false,
        status: 400,
        error: { code: 'validation_failed', message: 'githubId: expected the GitHub account’s numeric id.' },
      };
      return refusedForm(c, { form: 'link', values, failure });
    }
    const body = { githubLogin: values.githubLogin, user: values.user, ...(values.role ? { role: values.role } : {}) };
    const res = await ctx.api(c).call<Link>('PUT', `/v1/admin/github/links/${segment(values.githubId)}`, body);
    if (res.ok) return afterChange(c, '/console/bindings?done=link-saved');
    return refusedForm(c, { form: 'link', values, failure: res });
  });

  ui.post('/bindings/github/:githubId/delete', async (c) => {
    const res = await ctx.api(c).call('DELETE', `/v1/admin/github/links/${segment(c.req.param('githubId'))}`);
    if (res.ok) return afterChange(c, '/console/bindings?done=link-deleted');
    return refusedRow(c, res);
  });
}
