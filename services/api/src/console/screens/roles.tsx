import { RemitError, RunKind, type Connection, type Role } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CsrfField, OkAlert, formatDuration } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { ApiErrorAlert, CheckboxGroup, NumberField, Pager, TextArea, TextField } from './form-fields.tsx';
import {
  CHOICES_LIMIT,
  afterChange,
  choicesOf,
  numberInput,
  readForm,
  segment,
  shownName,
  wordsIn,
  type ApiPage,
  type Choices,
  type Failure,
  type PostedForm,
} from './form-input.ts';

const PAGE_SIZE = 50;
const CONNECTION_CHOICES = `/v1/admin/connections?limit=${CHOICES_LIMIT}`;

/** The role form's fields as typed: what a refused form is shown again with. */
interface RoleForm {
  name: string;
  description: string;
  connections: string[];
  runKinds: string[];
  maxDurationSeconds: string;
  maxSteps: string;
}

const fromRole = (r: Role): RoleForm => ({
  name: r.name,
  description: r.description,
  connections: r.connections,
  runKinds: r.runKinds,
  maxDurationSeconds: String(r.limits.maxDurationSeconds),
  maxSteps: String(r.limits.maxSteps),
});

const fromPost = (f: PostedForm, name: string): RoleForm => ({
  name,
  description: f.text('description'),
  connections: [...new Set([...f.all('connections'), ...wordsIn(f.text('moreConnections'))])],
  runKinds: f.all('runKinds'),
  maxDurationSeconds: f.text('maxDurationSeconds'),
  maxSteps: f.text('maxSteps'),
});

/** The API's body, from the form as typed: the API validates it and names what is wrong. */
function body(v: RoleForm) {
  const limits = { maxDurationSeconds: numberInput(v.maxDurationSeconds), maxSteps: numberInput(v.maxSteps) };
  return { description: v.description, connections: v.connections, runKinds: v.runKinds, limits };
}

function RoleFormView(props: { user: ConsoleUser; mode: 'create' | 'edit'; values: RoleForm; connections: Choices; failure?: Failure | undefined }) {
  const { values, mode } = props;
  const action = mode === 'create' ? '/console/roles/new' : `/console/roles/${segment(values.name)}/edit`;
  // A role may name a connection past the ones offered: it is offered too, and checked.
  const offered = [...new Set([...props.connections.names, ...values.connections])].sort();
  return (
    <section id="role-form">
      {props.failure ? <ApiErrorAlert status={props.failure.status} error={props.failure.error} /> : null}
      <form method="post" action={action} class="stack resource" hx-post={action} hx-target="#role-form" hx-swap="outerHTML">
        <CsrfField user={props.user} />
        <TextField
          id="role-name"
          name="name"
          label="Name"
          hint={mode === 'create' ? 'lowercase letters, digits and dashes; cannot be changed later' : 'cannot be changed'}
          value={values.name}
          required
          readonly={mode === 'edit'}
        />
        <TextArea id="role-description" name="description" label="Description" hint="optional, up to 500 characters" value={values.description} />
        <CheckboxGroup
          idPrefix="role-kind"
          name="runKinds"
          legend="Run kinds this role may start"
          options={RunKind.options.map((k) => ({ value: k }))}
          checked={values.runKinds}
        />
        <CheckboxGroup
          idPrefix="role-connection"
          name="connections"
          legend="Connections this role may reach"
          hint="Runs as this role get these connections' credentials, and no others."
          options={offered.map((name) => ({ value: name }))}
          checked={values.connections}
        />
        {props.connections.more ? (
          <TextField
            id="role-more-connections"
            name="moreConnections"
            label="More connections"
            hint={`names, comma-separated: only the first ${CHOICES_LIMIT} connections are listed above`}
          />
        ) : null}
        <fieldset>
          <legend>Limits per run</legend>
          <NumberField
            id="role-max-duration"
            name="maxDurationSeconds"
            label="Max duration (seconds)"
            hint="10–86400; empty: 900"
            min={10}
            max={86_400}
            value={values.maxDurationSeconds}
          />
          <NumberField id="role-max-steps" name="maxSteps" label="Max steps (model turns)" hint="1–500; empty: 30" min={1} max={500} value={values.maxSteps} />
        </fieldset>
        <div class="actions">
          <button type="submit">{mode === 'create' ? 'Create role' : 'Save role'}</button>
          <a href="/console/roles">Cancel</a>
        </div>
      </form>
    </section>
  );
}

function RolesTable(props: { user: ConsoleUser; roles: Role[] }) {
  if (props.roles.length === 0) return <p class="muted">No roles yet. Create one, then bind it to an IdP group on the Bindings page.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Description</th>
          <th scope="col">Run kinds</th>
          <th scope="col">Connections</th>
          <th scope="col">Limits</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.roles.map((r) => (
          <tr>
            <td>
              <a href={`/console/roles/${segment(r.name)}/edit`}>{r.name}</a>
            </td>
            <td>{r.description || <span class="muted">—</span>}</td>
            <td>{r.runKinds.join(', ')}</td>
            <td>{r.connections.length > 0 ? r.connections.join(', ') : <span class="muted">none</span>}</td>
            <td>
              {formatDuration(r.limits.maxDurationSeconds * 1000)}, {r.limits.maxSteps} steps
            </td>
            <td>
              <div class="actions">
                <a href={`/console/roles/${segment(r.name)}/edit`} aria-label={`Edit ${r.name}`}>
                  Edit
                </a>
                <form
                  method="post"
                  action={`/console/roles/${segment(r.name)}/delete`}
                  hx-post={`/console/roles/${segment(r.name)}/delete`}
                  hx-target="#flash"
                  hx-confirm={`Delete the role ${r.name}?`}
                >
                  <CsrfField user={props.user} />
                  <button type="submit" class="danger" aria-label={`Delete ${r.name}`}>
                    Delete
                  </button>
                </form>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Roles: what each may reach, which runs it may start, and its limits; created, edited and deleted through the admin API. */
export function mountRolesScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const connectionNames = async (c: Context<ConsoleEnv>) => choicesOf(await ctx.api(c).need<ApiPage<Connection>>(CONNECTION_CHOICES));

  async function listPage(c: Context<ConsoleEnv>, failure?: Failure) {
    const cursor = c.req.query('cursor');
    const page = await ctx.api(c).need<ApiPage<Role>>(`/v1/admin/roles?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const saved = shownName(c.req.query('saved'));
    const deleted = shownName(c.req.query('deleted'));
    return renderPage(
      c,
      {
        title: 'Roles',
        current: '/console/roles',
        body: (
          <>
            <h1>Roles</h1>
            {saved ? <OkAlert>Saved the role {saved}.</OkAlert> : null}
            {deleted ? <OkAlert>Deleted the role {deleted}.</OkAlert> : null}
            {failure ? <ApiErrorAlert status={failure.status} error={failure.error} /> : null}
            <p>
              <a class="button" href="/console/roles/new">
                New role
              </a>
            </p>
            <RolesTable user={c.var.user} roles={page.items} />
            <Pager base="/console/roles" cursor={cursor} next={page.nextCursor} label="Roles pages" />
          </>
        ),
      },
      (failure?.status ?? 200) as ContentfulStatusCode,
    );
  }

  function formPage(c: Context<ConsoleEnv>, mode: 'create' | 'edit', values: RoleForm, connections: Choices, failure?: Failure) {
    const form = <RoleFormView user={c.var.user} mode={mode} values={values} connections={connections} failure={failure} />;
    const status = (failure?.status ?? 200) as ContentfulStatusCode;
    if (failure && isHtmx(c)) return c.html(form, status);
    const title = mode === 'create' ? 'New role' : `Edit role ${values.name}`;
    return renderPage(
      c,
      {
        title,
        current: '/console/roles',
        body: (
          <>
            <h1>{title}</h1>
            {form}
          </>
        ),
      },
      status,
    );
  }

  ui.get('/roles', (c) => listPage(c));

  ui.get('/roles/new', async (c) =>
    formPage(
      c,
      'create',
      { name: '', description: '', connections: [], runKinds: ['troubleshoot'], maxDurationSeconds: '900', maxSteps: '30' },
      await connectionNames(c),
    ),
  );

  ui.post('/roles/new', async (c) => {
    const form = await readForm(c);
    const values = fromPost(form, form.text('name'));
    const res = await ctx.api(c).call<Role>('POST', '/v1/admin/roles', { name: values.name, ...body(values) });
    if (res.ok) return afterChange(c, `/console/roles?saved=${encodeURIComponent(res.data.name)}`);
    return formPage(c, 'create', values, await connectionNames(c), res);
  });

  ui.get('/roles/:ref/edit', async (c) => {
    const role = await ctx.api(c).need<Role>(`/v1/admin/roles/${segment(c.req.param('ref'))}`);
    return formPage(c, 'edit', fromRole(role), await connectionNames(c));
  });

  ui.post('/roles/:ref/edit', async (c) => {
    const ref = c.req.param('ref');
    const values = fromPost(await readForm(c), ref);
    const res = await ctx.api(c).call<Role>('PATCH', `/v1/admin/roles/${segment(ref)}`, body(values));
    if (res.ok) return afterChange(c, `/console/roles?saved=${encodeURIComponent(res.data.name)}`);
    if (res.status === 404) throw new RemitError(res.error.code, res.error.message);
    return formPage(c, 'edit', values, await connectionNames(c), res);
  });

  ui.post('/roles/:ref/delete', async (c) => {
    const ref = c.req.param('ref');
    const res = await ctx.api(c).call('DELETE', `/v1/admin/roles/${segment(ref)}`);
    if (res.ok) return afterChange(c, `/console/roles?deleted=${encodeURIComponent(ref)}`);
    if (isHtmx(c)) return c.html(<ApiErrorAlert status={res.status} error={res.error} />, res.status as ContentfulStatusCode);
    return listPage(c, res);
  });
}
