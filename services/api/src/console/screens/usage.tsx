import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorAlert, formatTime, formatUsd } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { BUDGET_ROWS, BudgetsSection, mountBudgetForms, type BudgetsState, type BudgetPage } from './usage-budgets.tsx';
import { UsageChart } from './usage-chart.tsx';
import type { UsageGroup, UsageRow } from '@remit/db';

type Grouping = UsageGroup;

interface UsagePage {
  items: UsageRow[];
  nextCursor: string | null;
  from: string;
  to: string;
  groupBy: Grouping;
}

const GROUPINGS: readonly { by: Grouping; heading: string; column: string; none: string }[] = [
  { by: 'role', heading: 'By role', column: 'Role', none: '(no role)' },
  { by: 'user', heading: 'By user', column: 'User', none: '(no user)' },
  { by: 'model', heading: 'By model', column: 'Model', none: '(none)' },
];

const PERIODS = [
  { value: 'month', label: 'This month' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'From–to dates' },
] as const;
type Period = (typeof PERIODS)[number]['value'];

/**
 * Rows per page, the most expensive first. One grouping per view: each is an aggregate over the
 * window's model calls, and all three plus the budgets measured a p95 above 50 ms on PGlite with
 * 1,000 calls; one grouping and the budgets (two API calls) stay well under.
 */
const ROWS = 50;
const CHART_BARS = 10;
const DAY_MS = 86_400_000;

interface UsageQuery {
  period: Period;
  from: string;
  to: string;
  by: Grouping;
  cursor: string | undefined;
}

function usageQuery(c: Context): UsageQuery {
  const period = PERIODS.find((p) => p.value === c.req.query('period'))?.value ?? 'month';
  const by = GROUPINGS.find((g) => g.by === c.req.query('by'))?.by ?? 'role';
  return { period, from: c.req.query('from') ?? '', to: c.req.query('to') ?? '', by, cursor: c.req.query('cursor') || undefined };
}

const isDate = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));

/**
 * The window to ask the API for. Custom dates are whole UTC days, `to` inclusive; a value that is not a date goes to the API as typed,
 * so its own message says what is wrong.
 */
function usageWindow(q: UsageQuery, now: Date): { from: string; to: string } {
  const soon = new Date(now.getTime() + 1000).toISOString(); // calls settled this second count
  switch (q.period) {
    case 'month':
      return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(), to: soon };
    case '7d':
    case '30d':
      return { from: new Date(now.getTime() - (q.period === '7d' ? 7 : 30) * DAY_MS).toISOString(), to: soon };
    case 'custom': {
      const from =
        q.from === '' ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString() : isDate(q.from) ? `${q.from}T00:00:00.000Z` : q.from;
      const to = q.to === '' ? soon : isDate(q.to) ? new Date(Date.parse(`${q.to}T00:00:00Z`) + DAY_MS).toISOString() : q.to;
      return { from, to };
    }
  }
}

/** This page's URL with the period and grouping kept. */
function usageUrl(q: UsageQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ period: q.period, by: q.by });
  if (q.period === 'custom') {
    if (q.from) params.set('from', q.from);
    if (q.to) params.set('to', q.to);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `/console/usage?${params}`;
}

const formatCount = (n: number) => n.toLocaleString('en-US');

function PeriodForm(props: { q: UsageQuery }) {
  const { q } = props;
  return (
    <form class="filters" method="get" action="/console/usage" aria-label="Usage period">
      <label for="usage-period">
        Period
        <select id="usage-period" name="period">
          {PERIODS.map((p) => (
            <option value={p.value} selected={q.period === p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label for="usage-from">
        From <small>UTC, with “From–to dates”</small>
        <input id="usage-from" name="from" type="date" value={q.from} />
      </label>
      <label for="usage-to">
        To <small>UTC, inclusive</small>
        <input id="usage-to" name="to" type="date" value={q.to} />
      </label>
      <input type="hidden" name="by" value={q.by} />
      <button type="submit">Show</button>
    </form>
  );
}

/** Links to each grouping, for the same period. */
function GroupingLinks(props: { q: UsageQuery }) {
  return (
    <nav aria-label="Group usage">
      <ul class="tabs">
        {GROUPINGS.map((g) => (
          <li>
            <a href={usageUrl({ ...props.q, by: g.by })} aria-current={g.by === props.q.by ? 'page' : undefined}>
              {g.heading}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function GroupSection(props: { q: UsageQuery; page: UsagePage }) {
  const g = GROUPINGS.find((x) => x.by === props.q.by)!;
  const name = (r: UsageRow) => r.label ?? (r.key === 'none' ? g.none : r.key);
  const rows = props.page.items;
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">{g.heading}</h2>
      <p class="hint">{`Metered model calls from ${formatTime(props.page.from)} to ${formatTime(props.page.to)}; open reservations are not spend yet.`}</p>
      <UsageChart
        id="usage-chart"
        title={`Cost ${g.heading.toLowerCase()}${rows.length > CHART_BARS ? `, the ${CHART_BARS} highest on this page` : ''}`}
        description={`A bar per ${g.column.toLowerCase()}, longest for the highest cost; the table below has the same figures.`}
        bars={rows.slice(0, CHART_BARS).map((r) => ({ label: name(r), value: r.costUsd }))}
        format={formatUsd}
      />
      {rows.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{g.column}</th>
              <th scope="col" class="num">
                Calls
              </th>
              <th scope="col" class="num">
                Input tokens
              </th>
              <th scope="col" class="num">
                Output tokens
              </th>
              <th scope="col" class="num">
                Cached tokens <small>read / written</small>
              </th>
              <th scope="col" class="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{name(r)}</td>
                <td class="num">{formatCount(r.calls)}</td>
                <td class="num">{formatCount(r.inputTokens)}</td>
                <td class="num">{formatCount(r.outputTokens)}</td>
                <td class="num">{`${formatCount(r.cacheReadTokens)} / ${formatCount(r.cacheWriteTokens)}`}</td>
                <td class="num">{formatUsd(r.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <nav class="pager" aria-label={`Pages of usage ${g.heading.toLowerCase()}`}>
        {props.q.cursor ? <a href={usageUrl(props.q)}>First page</a> : null}
        {props.page.nextCursor ? <a href={usageUrl(props.q, { cursor: props.page.nextCursor })}>Next page</a> : null}
      </nav>
    </section>
  );
}

/** The usage page: one grouping over the period, and the budgets; `budgets` carries a budget form's answer. */
async function renderUsage(
  c: Context<ConsoleEnv>,
  ctx: ScreenContext,
  q: UsageQuery,
  budgets?: Omit<BudgetsState, 'page'>,
  status: ContentfulStatusCode = 200,
) {
  const api = ctx.api(c);
  const params = new URLSearchParams({ groupBy: q.by, limit: String(ROWS) });
  // A cursor pins its own window: a recomputed "last 7 days" sent with it would be refused.
  if (q.cursor) params.set('cursor', q.cursor);
  else for (const [k, v] of Object.entries(usageWindow(q, ctx.deps.now?.() ?? new Date()))) params.set(k, v);
  const budgetCursor = c.req.query('budgets');
  const [usage, budgetPage] = await Promise.all([
    api.get<UsagePage>(`/v1/usage?${params}`),
    api.get<BudgetPage>(`/v1/admin/budgets?limit=${BUDGET_ROWS}${budgetCursor ? `&cursor=${encodeURIComponent(budgetCursor)}` : ''}`),
  ]);
  return renderPage(
    c,
    {
      title: 'Usage and budgets',
      current: '/console/usage',
      body: (
        <>
          <h1>Usage and budgets</h1>
          <PeriodForm q={q} />
          <GroupingLinks q={q} />
          {usage.ok ? <GroupSection q={q} page={usage.data} /> : <ErrorAlert error={usage.error} />}
          <BudgetsSection user={c.var.user} state={{ ...budgets, page: budgetPage }} />
        </>
      ),
    },
    usage.ok ? status : (usage.status as ContentfulStatusCode),
  );
}

/** Usage by role, user or model over a period, with a chart; budgets, editable. */
export function mountUsageScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/usage', (c) => renderUsage(c, ctx, usageQuery(c)));
  mountBudgetForms(ui, ctx, (c, state, status) => renderUsage(c, ctx, { period: 'month', from: '', to: '', by: 'role', cursor: undefined }, state, status));
}
