import { ConnectionType, RemitError, type Connection } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Badge, CsrfField, OkAlert, formatTime } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { ConnectionFormView, TYPE_LABELS, TypeChooser } from './connection-form.tsx';
import { configOf, emptyForm, fromConnection, fromPost, oauthOf, patchOf, postedSecret, type ConnectionForm } from './connection-values.ts';
import { ApiErrorAlert, Pager } from './form-fields.tsx';
import { afterChange, readForm, segment, shownName, type ApiPage, type Failure } from './form-input.ts';

const PAGE_SIZE = 50;

/** Where a connection reaches, from its non-secret config. */
function target(c: Connection): string {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  if (c.type === 'http') return s(c.config.baseUrl);
  if (c.type === 'github') return s(c.config.apiUrl) || 'https://api.github.com';
  return `${s(c.config.roleArn)} (${s(c.config.region)})`;
}

/** The last-verification cell; `oob` marks it for htmx to swap into the row by its id. */
function Verified({ c, oob }: { c: Connection; oob?: boolean }) {
  return (
    <td id={`verified-${c.name}`} hx-swap-oob={oob ? 'true' : undefined}>
      {c.verifiedAt ? (
        <>
          <Badge value="passed" tone="ok" /> {formatTime(c.verifiedAt)}
        </>
      ) : (
        <span class="muted">never passed</span>
      )}
    </td>
  );
}

function RowActions({ c, user }: { c: Connection; user: ConsoleUser }) {
  const base = `/console/connections/${segment(c.name)}`;
  return (
    <div class="actions">
      <a href={`${base}/edit`} aria-label={`Edit ${c.name}`}>
        Edit
      </a>
      <form method="post" action={`${base}/verify`} hx-post={`${base}/verify`} hx-target="#flash">
        <CsrfField user={user} />
        <button type="submit" class="secondary" aria-label={`Verify ${c.name}`}>
          Verify <span class="when-busy">…</span>
        </button>
      </form>
      <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-target="#flash" hx-confirm={`Delete the connection ${c.name}?`}>
        <CsrfField user={user} />
        <button type="submit" class="danger" aria-label={`Delete ${c.name}`}>
          Delete
        </button>
      </form>
    </div>
  );
}

function ConnectionsTable({ items, user }: { items: Connection[]; user: ConsoleUser }) {
  if (items.length === 0) return <p class="muted">No connections yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Auth mode</th>
          <th scope="col">Target</th>
          <th scope="col">Credentials</th>
          <th scope="col">Last verification</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr>
            <td>
              <a href={`/console/connections/${segment(c.name)}/edit`}>{c.name}</a>
              {c.description ? <div class="muted">{c.description}</div> : null}
            </td>
            <td>{TYPE_LABELS[c.type]}</td>
            <td>{c.authMode === 'oauth_user' ? 'OAuth user' : 'service account'}</td>
            <td>
              <code>{target(c)}</code>
            </td>
            <td>{c.hasSecret ? 'stored' : <span class="muted">none</span>}</td>
            <Verified c={c} />
            <td>
              <RowActions c={c} user={user} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Connections: what each reaches and how it authenticates, whether it last passed its live
 * check, and forms whose secret fields are write-only. Nothing here reads a secret: the API never
 * returns one, and the forms are rendered from `ConnectionForm`, which has no secret in it.
 */
export function mountConnectionsScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  async function listPage(c: Context<ConsoleEnv>, failure?: Failure) {
    const cursor = c.req.query('cursor');
    const page = await ctx.api(c).need<ApiPage<Connection>>(`/v1/admin/connections?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const notices = [
      ['saved', 'Saved the connection'],
      ['deleted', 'Deleted the connection'],
      ['verified', 'Passed its live check:'],
    ] as const;
    return renderPage(
      c,
      {
        title: 'Connections',
        current: '/console/connections',
        body: (
          <>
            <h1>Connections</h1>
            {notices.map(([param, text]) => {
              const name = shownName(c.req.query(param));
              return name ? (
                <OkAlert>
                  {text} {name}.
                </OkAlert>
              ) : null;
            })}
            {failure ? <ApiErrorAlert status={failure.status} error={failure.error} /> : null}
            <p>
              <a class="button" href="/console/connections/new">
                New connection
              </a>
            </p>
            <ConnectionsTable items={page.items} user={c.var.user} />
            <Pager base="/console/connections" cursor={cursor} next={page.nextCursor} label="Connections pages" />
          </>
        ),
      },
      (failure?.status ?? 200) as ContentfulStatusCode,
    );
  }

  function formPage(c: Context<ConsoleEnv>, mode: 'create' | 'edit', values: ConnectionForm, hasSecret: boolean, failure?: Failure) {
    const form = <ConnectionFormView user={c.var.user} mode={mode} values={values} hasSecret={hasSecret} failure={failure} />;
    const status = (failure?.status ?? 200) as ContentfulStatusCode;
    if (failure && isHtmx(c)) return c.html(form, status);
    const title = mode === 'create' ? 'New connection' : `Edit connection ${values.name}`;
    return renderPage(
      c,
      {
        title,
        current: '/console/connections',
        body: (
          <>
            <h1>{title}</h1>
            {mode === 'create' ? <TypeChooser type={values.type} /> : <p>Type: {TYPE_LABELS[values.type]}</p>}
            {form}
          </>
        ),
      },
      status,
    );
  }

  /** A refusal of a row's action: htmx shows it in the page's message area, a plain form on the list. */
  const refused = (c: Context<ConsoleEnv>, failure: Failure) =>
    isHtmx(c) ? c.html(<ApiErrorAlert status={failure.status} error={failure.error} />, failure.status as ContentfulStatusCode) : listPage(c, failure);

  const typeOf = (value: string | undefined): ConnectionType => ConnectionType.safeParse(value).data ?? 'http';

  ui.get('/connections', (c) => listPage(c));

  ui.get('/connections/new', (c) => formPage(c, 'create', emptyForm(typeOf(c.req.query('type'))), false));

  ui.post('/connections/new', async (c) => {
    const form = await readForm(c);
    const values = fromPost(form, { name: form.text('name'), type: typeOf(form.text('type') || c.req.query('type')) });
    const secret = postedSecret(form);
    const oauth = oauthOf(values);
    const res = await ctx.api(c).call<Connection>('POST', '/v1/admin/connections', {
      name: values.name,
      type: values.type,
      description: values.description,
      authMode: values.authMode,
      config: configOf(values),
      ...(oauth ? { oauth } : {}),
      ...(secret ? { secret } : {}),
    });
    if (res.ok) return afterChange(c, `/console/connections?saved=${encodeURIComponent(res.data.name)}`);
    return formPage(c, 'create', values, false, res);
  });

  ui.get('/connections/:ref/edit', async (c) => {
    const current = await ctx.api(c).need<Connection>(`/v1/admin/connections/${segment(c.req.param('ref'))}`);
    return formPage(c, 'edit', fromConnection(current), current.hasSecret);
  });

  ui.post('/connections/:ref/edit', async (c) => {
    const current = await ctx.api(c).need<Connection>(`/v1/admin/connections/${segment(c.req.param('ref'))}`);
    const form = await readForm(c);
    const values = fromPost(form, { name: current.name, type: current.type });
    const res = await ctx.api(c).call<Connection>('PATCH', `/v1/admin/connections/${segment(current.name)}`, patchOf(current, values, postedSecret(form)));
    if (res.ok) return afterChange(c, `/console/connections?saved=${encodeURIComponent(res.data.name)}`);
    if (res.status === 404) throw new RemitError(res.error.code, res.error.message);
    return formPage(c, 'edit', values, current.hasSecret, res);
  });

  ui.post('/connections/:ref/verify', async (c) => {
    const res = await ctx.api(c).call<Connection>('POST', `/v1/admin/connections/${segment(c.req.param('ref'))}/verify`);
    if (!res.ok) return refused(c, res);
    if (!isHtmx(c)) return c.redirect(`/console/connections?verified=${encodeURIComponent(res.data.name)}`, 303);
    // The message for the page's message area, and the row's cell brought up to date out of
    // band (a <td> cannot stand alone in parsed HTML, hence the <template>, as htmx 2 asks).
    return c.html(
      <>
        <OkAlert>
          {res.data.name} passed its live check at {formatTime(res.data.verifiedAt)}.
        </OkAlert>
        <template>
          <Verified c={res.data} oob />
        </template>
      </>,
    );
  });

  ui.post('/connections/:ref/delete', async (c) => {
    const ref = c.req.param('ref');
    const res = await ctx.api(c).call('DELETE', `/v1/admin/connections/${segment(ref)}`);
    if (res.ok) return afterChange(c, `/console/connections?deleted=${encodeURIComponent(ref)}`);
    return refused(c, res);
  });
}
