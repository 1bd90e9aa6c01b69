import type { RunAccepted, RunCreate } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { CsrfField, ErrorAlert } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/** The console starts troubleshooting runs only: reviews come from pull requests, insights from schedules. */
const KIND = 'troubleshoot' satisfies RunCreate['kind'];

interface StartForm {
  input: string;
  role: string;
}

function StartPage(props: { user: ConsoleUser; roles: string[]; form: StartForm; error?: { code: string; message: string } }) {
  const { roles, form } = props;
  return (
    <>
      <p>
        <a href="/console/runs">All runs</a>
      </p>
      <h1>Start a troubleshooting run</h1>
      {props.error ? <ErrorAlert error={props.error} /> : null}
      {roles.length === 0 ? (
        <p class="hint">You hold no role yet, so the API will refuse the run: ask an admin to bind a role to you or one of your groups.</p>
      ) : null}
      <form class="stack" method="post" action="/console/runs">
        <CsrfField user={props.user} />
        <label for="run-input">Question</label>
        <textarea id="run-input" name="input" required maxlength={20_000} rows={6} aria-describedby="run-input-hint">
          {form.input}
        </textarea>
        <p class="hint" id="run-input-hint">
          What is wrong, and where you would look first. The run works as your role and reaches only that role’s connections.
        </p>
        {roles.length > 1 ? (
          <label>
            Role
            <select name="role">
              <option value="">The one of my roles that allows troubleshooting</option>
              {roles.map((r) => (
                <option value={r} selected={r === form.role}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        ) : roles.length === 1 ? (
          <p>
            Runs as your role <strong>{roles[0]}</strong>.
          </p>
        ) : null}
        <div class="actions">
          <button type="submit">Start run</button>
          <a href="/console/runs">Back to runs</a>
        </div>
      </form>
    </>
  );
}

const field = (v: unknown) => (typeof v === 'string' ? v : '');

/** Start a troubleshooting run: the API authorizes it (role, kind, budget, rate) and the page shows its refusal as it gave it. */
export function mountRunStart(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const myRoles = async (c: Context<ConsoleEnv>) => (await ctx.api(c).need<{ roles: string[] }>('/v1/me')).roles;
  const page = (c: Context<ConsoleEnv>, body: Parameters<typeof StartPage>[0], status: ContentfulStatusCode = 200) =>
    renderPage(c, { title: 'Start a run', current: '/console/runs', body: <StartPage {...body} /> }, status);

  ui.get('/runs/new', async (c) => page(c, { user: c.var.user, roles: await myRoles(c), form: { input: '', role: '' } }));

  ui.post('/runs', async (c) => {
    const posted = await c.req.parseBody();
    const form = { input: field(posted.input), role: field(posted.role) };
    const body: RunCreate = { kind: KIND, input: form.input, ...(form.role ? { role: form.role } : {}) };
    const res = await ctx.api(c).call<z.infer<typeof RunAccepted>>('POST', '/v1/runs', body);
    if (res.ok) return c.redirect(`/console/runs/${res.data.id}`, 303);
    return page(c, { user: c.var.user, roles: await myRoles(c), form, error: res.error }, res.status as ContentfulStatusCode);
  });
}
