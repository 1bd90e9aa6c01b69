import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiResult } from '../api-call.ts';
import { CsrfField, ErrorAlert, formatUsd, OkAlert } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/** A budget as GET /v1/admin/budgets lists it (its schema lives with the route, not in @remit/core). */
interface Budget {
  scope: 'org' | 'role';
  role: string | null;
  monthlyCapUsd: number;
  spentUsd: number;
  reservedUsd: number;
}

export interface BudgetPage {
  items: Budget[];
  nextCursor: string | null;
}

/** What a budget form sent, kept to show again beside the API's refusal. */
interface BudgetInput {
  form: 'create' | 'edit';
  scope: string;
  role: string;
  monthlyCapUsd: string;
}

export interface BudgetsState {
  page: ApiResult<BudgetPage>;
  notice?: string | undefined;
  error?: { code: string; message: string } | undefined;
  input?: BudgetInput | undefined;
}

/** Budgets per page: each row carries two forms, and a page with its assets stays under 100 KB. */
export const BUDGET_ROWS = 25;

const budgetId = (b: { scope: string; role: string | null }) => `${b.scope}-${b.role ?? 'org'}`;
const whose = (b: { scope: string; role: string | null | undefined }) => (b.scope === 'org' ? 'the org' : `role ${b.role ?? ''}`);

function BudgetRow(props: { user: ConsoleUser; b: Budget; input: BudgetInput | undefined }) {
  const { b, input } = props;
  const id = budgetId(b);
  const typed = input?.form === 'edit' && input.scope === b.scope && input.role === (b.role ?? '') ? input.monthlyCapUsd : undefined;
  return (
    <tr>
      <td>{b.scope}</td>
      <td>{b.role ?? '—'}</td>
      <td class="num">{formatUsd(b.monthlyCapUsd)}</td>
      <td class="num">{formatUsd(b.spentUsd)}</td>
      <td class="num">{formatUsd(b.reservedUsd)}</td>
      <td>
        <div class="actions">
          <form method="post" action="/console/usage/budgets" hx-post="/console/usage/budgets" hx-target="#budgets" hx-swap="outerHTML" class="actions">
            <CsrfField user={props.user} />
            <input type="hidden" name="form" value="edit" />
            <input type="hidden" name="scope" value={b.scope} />
            <input type="hidden" name="role" value={b.role ?? ''} />
            <label for={`cap-${id}`}>
              New cap (USD)
              <input id={`cap-${id}`} name="monthlyCapUsd" type="number" min="0" step="0.01" required value={typed ?? String(b.monthlyCapUsd)} />
            </label>
            <button type="submit" class="secondary">
              Save cap
            </button>
          </form>
          <form
            method="post"
            action="/console/usage/budgets/delete"
            hx-post="/console/usage/budgets/delete"
            hx-target="#budgets"
            hx-swap="outerHTML"
            hx-confirm={`Delete the budget of ${whose(b)}? Its spending is then not capped.`}
          >
            <CsrfField user={props.user} />
            <input type="hidden" name="scope" value={b.scope} />
            <input type="hidden" name="role" value={b.role ?? ''} />
            <button type="submit" class="danger">
              Delete
            </button>
          </form>
        </div>
      </td>
    </tr>
  );
}

function CreateForm(props: { user: ConsoleUser; input: BudgetInput | undefined }) {
  const input = props.input?.form === 'create' ? props.input : undefined;
  return (
    <form method="post" action="/console/usage/budgets" hx-post="/console/usage/budgets" hx-target="#budgets" hx-swap="outerHTML" class="stack">
      <CsrfField user={props.user} />
      <input type="hidden" name="form" value="create" />
      <label for="budget-scope">
        Scope
        <select id="budget-scope" name="scope">
          <option value="role" selected={input?.scope !== 'org'}>
            one role
          </option>
          <option value="org" selected={input?.scope === 'org'}>
            the whole org
          </option>
        </select>
      </label>
      <label for="budget-role">
        Role <small>its name, for scope “one role”; empty for the org</small>
        <input id="budget-role" name="role" value={input?.role ?? ''} maxlength={64} />
      </label>
      <label for="budget-cap">
        Monthly cap (USD) <small>model calls stop when this month’s spend reaches it</small>
        <input id="budget-cap" name="monthlyCapUsd" type="number" min="0" step="0.01" required value={input?.monthlyCapUsd ?? ''} />
      </label>
      <div>
        <button type="submit">Set budget</button>
      </div>
    </form>
  );
}

/** The budgets, each with its own edit and delete forms, and a form to set a new one; swapped whole by htmx. */
export function BudgetsSection(props: { user: ConsoleUser; state: BudgetsState }) {
  const { page, notice, error, input } = props.state;
  return (
    <section id="budgets" aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets</h2>
      {notice ? <OkAlert>{notice}</OkAlert> : null}
      {error ? <ErrorAlert error={error} /> : null}
      {!page.ok ? (
        <ErrorAlert error={page.error} />
      ) : page.data.items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Role</th>
              <th scope="col" class="num">
                Monthly cap
              </th>
              <th scope="col" class="num">
                Spent this month
              </th>
              <th scope="col" class="num">
                Reserved
              </th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((b) => (
              <BudgetRow user={props.user} b={b} input={input} />
            ))}
          </tbody>
        </table>
      ) : (
        <p>No budgets: model calls are not capped.</p>
      )}
      {page.ok && page.data.nextCursor ? (
        <nav class="pager" aria-label="More budgets">
          <a href={`/console/usage?budgets=${encodeURIComponent(page.data.nextCursor)}#budgets`}>More budgets</a>
        </nav>
      ) : null}
      <h3>Set a budget</h3>
      <CreateForm user={props.user} input={input} />
    </section>
  );
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** A number when it is one; otherwise the text as typed, so the API's refusal names the field. */
function capValue(raw: string): number | string {
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) ? n : raw;
}

/**
 * The budget forms: set (create or change a cap) and delete, each through the API's PUT and
 * DELETE /v1/admin/budgets, so its validation, audit and errors are the ones shown. htmx gets the
 * budgets section back; a plain form is redirected to the page, or shown it again with the error.
 */
export function mountBudgetForms(
  ui: Hono<ConsoleEnv>,
  ctx: ScreenContext,
  renderPage: (c: Context<ConsoleEnv>, state: Omit<BudgetsState, 'page'>, status: ContentfulStatusCode) => Response | Promise<Response>,
): void {
  async function answer(c: Context<ConsoleEnv>, res: ApiResult<unknown>, notice: string, input: BudgetInput | undefined) {
    if (!isHtmx(c)) {
      if (res.ok) return c.redirect('/console/usage#budgets', 303);
      return renderPage(c, { error: res.error, input }, res.status as ContentfulStatusCode);
    }
    const page = await ctx.api(c).get<BudgetPage>(`/v1/admin/budgets?limit=${BUDGET_ROWS}`);
    const state = res.ok ? { page, notice } : { page, error: res.error, input };
    return c.html(<BudgetsSection user={c.var.user} state={state} />, res.ok ? 200 : (res.status as ContentfulStatusCode));
  }

  ui.post('/usage/budgets', async (c) => {
    const form = await c.req.parseBody();
    const input: BudgetInput = {
      form: form['form'] === 'edit' ? 'edit' : 'create',
      scope: text(form['scope']),
      role: text(form['role']),
      monthlyCapUsd: text(form['monthlyCapUsd']),
    };
    const body = { scope: input.scope, ...(input.role ? { role: input.role } : {}), monthlyCapUsd: capValue(input.monthlyCapUsd) };
    const res = await ctx.api(c).call('PUT', '/v1/admin/budgets', body);
    const cap = typeof body.monthlyCapUsd === 'number' ? formatUsd(body.monthlyCapUsd) : '';
    return answer(c, res, `The budget of ${whose(input)} is now ${cap} a month.`, input);
  });

  ui.post('/usage/budgets/delete', async (c) => {
    const form = await c.req.parseBody();
    const scope = text(form['scope']);
    const role = text(form['role']);
    const params = new URLSearchParams({ scope, ...(role ? { role } : {}) });
    const res = await ctx.api(c).call('DELETE', `/v1/admin/budgets?${params}`);
    return answer(c, res, `Deleted the budget of ${whose({ scope, role })}: its spending is no longer capped.`, undefined);
  });
}
