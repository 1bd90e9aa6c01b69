import { RunKind, RunStatus, type Run, type RunPage } from '@remit/core';
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { Badge, Choice, ErrorAlert, formatDuration, formatTime, formatUsd } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { MountScreen, ScreenContext } from '../screen-context.ts';
import { mountRunDetail } from './run-detail.tsx';
import { mountRunStart } from './run-start.tsx';
import { mountRunStream } from './run-stream.ts';

/** Runs per page: the API's default page. */
const PAGE_SIZE = 50;
/** How much of a run's input its row shows: about one line of the table. */
const INPUT_SHOWN = 80;

type Filters = Partial<Record<'status' | 'kind' | 'role' | 'user', string>>;

/** One line of a run's input, cut to whole characters. */
function firstWords(input: string): string {
  const flat = input
    .slice(0, INPUT_SHOWN * 4)
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length > INPUT_SHOWN ? `${chars.slice(0, INPUT_SHOWN - 1).join('')}…` : flat;
}

function FilterForm(props: { filters: Filters; isAdmin: boolean }) {
  const f = props.filters;
  return (
    <form class="filters" method="get" action="/console/runs" role="search" aria-label="Filter runs">
      <Choice name="status" label="Status" values={RunStatus.options} value={f.status} />
      <Choice name="kind" label="Kind" values={RunKind.options} value={f.kind} />
      <label>
        Role
        <input name="role" value={f.role ?? ''} />
      </label>
      {props.isAdmin ? (
        <label>
          User <small>email or id</small>
          <input name="user" value={f.user ?? ''} />
        </label>
      ) : null}
      <button type="submit">Filter</button>
      {Object.keys(f).length > 0 ? <a href="/console/runs">Clear filters</a> : null}
    </form>
  );
}

function RunsTable(props: { runs: Run[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">Kind</th>
          <th scope="col">Role</th>
          <th scope="col">User</th>
          <th scope="col">Input</th>
          <th scope="col" class="num">
            Steps
          </th>
          <th scope="col" class="num">
            Cost
          </th>
          <th scope="col" class="num">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((r) => (
          <tr>
            <td>{formatTime(r.createdAt)}</td>
            <td>
              <Badge value={r.status} />
            </td>
            <td>{r.kind}</td>
            <td>{r.role}</td>
            <td>{r.userEmail ?? '—'}</td>
            <td>
              <a href={`/console/runs/${r.id}`}>{firstWords(r.input)}</a>
            </td>
            <td class="num">{r.steps}</td>
            <td class="num">{formatUsd(r.usage.costUsd)}</td>
            <td class="num">{formatDuration(r.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The runs the API shows the signed-in user (their own; everyone's for an admin), filtered and
 * paged by the API itself: one API call per page, whatever the number of rows.
 */
export function mountRunsList(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/runs', async (c) => {
    const isAdmin = c.var.user.isAdmin;
    const filters: Filters = {};
    for (const name of ['status', 'kind', 'role', 'user'] as const) {
      const value = c.req.query(name)?.trim();
      if (value && (name !== 'user' || isAdmin)) filters[name] = value;
    }
    const cursor = c.req.query('cursor');
    const query = new URLSearchParams({ ...filters, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    const res = await ctx.api(c).get<z.infer<typeof RunPage>>(`/v1/runs?${query}`);
    const next = res.ok && res.data.nextCursor ? `/console/runs?${new URLSearchParams({ ...filters, cursor: res.data.nextCursor })}` : undefined;
    return renderPage(
      c,
      {
        title: 'Runs',
        current: '/console/runs',
        body: (
          <>
            <h1>Runs</h1>
            <p>
              <a class="button" href="/console/runs/new">
                Start a troubleshooting run
              </a>
            </p>
            <FilterForm filters={filters} isAdmin={isAdmin} />
            {!res.ok ? (
              <ErrorAlert error={res.error} />
            ) : res.data.items.length === 0 ? (
              <p class="muted">{cursor || Object.keys(filters).length > 0 ? 'No runs match.' : 'No runs yet.'}</p>
            ) : (
              <RunsTable runs={res.data.items} />
            )}
            {next || cursor ? (
              <nav class="pager" aria-label="Pages">
                {cursor ? <a href={`/console/runs${Object.keys(filters).length > 0 ? `?${new URLSearchParams(filters)}` : ''}`}>First page</a> : null}
                {next ? <a href={next}>Next page</a> : null}
              </nav>
            ) : null}
          </>
        ),
      },
      res.ok ? 200 : (res.status as ContentfulStatusCode),
    );
  });
}

/** The Runs entry's screens: the list, starting a run, a run's page and its live transcript. */
export const mountRunScreens: MountScreen = (ui, ctx) => {
  mountRunsList(ui, ctx);
  mountRunStart(ui, ctx);
  mountRunDetail(ui, ctx);
  mountRunStream(ui, ctx);
};
