import { FindingSeverity, FindingStatus, type Finding, type InsightJob } from '@remit/core';
import type { Hono } from 'hono';
import { Badge, Choice, formatTime } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { mountFindingDetail } from './finding-detail.tsx';
import { SEVERITY_TONES, STATUS_TONES } from './finding-tones.ts';

/** Rows per page: a page with its assets stays under 100 KB. */
const PAGE = 40;

function FindingsTable(props: { items: Finding[] }) {
  if (!props.items.length) return <p>No findings match. Insight jobs put what their runs find here.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Reported</th>
          <th scope="col">Severity</th>
          <th scope="col">Status</th>
          <th scope="col">Finding</th>
          <th scope="col">Job</th>
          <th scope="col">Role</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((f) => (
          <tr>
            <td>{formatTime(f.createdAt)}</td>
            <td>
              <Badge value={f.severity} tone={SEVERITY_TONES[f.severity]} />
            </td>
            <td>
              <Badge value={f.status} tone={STATUS_TONES[f.status]} />
            </td>
            <td>
              <a href={`/console/insights/findings/${f.id}`}>{f.title}</a>
            </td>
            <td>{f.job?.name ?? '—'}</td>
            <td>{f.role ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function JobsTable(props: { items: InsightJob[] }) {
  if (!props.items.length) return <p>No insight jobs yet. Create one with the API or `remit insights jobs create`.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Role</th>
          <th scope="col">Schedule</th>
          <th scope="col">Focus</th>
          <th scope="col">Enabled</th>
          <th scope="col">Next run</th>
          <th scope="col">Last due</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((j) => (
          <tr>
            <td>
              <a href={`/console/insights?job=${encodeURIComponent(j.name)}`}>{j.name}</a>
            </td>
            <td>{j.role}</td>
            <td>
              <code>{j.schedule}</code> {j.timezone}
            </td>
            <td>{j.focus.replaceAll('_', ' ')}</td>
            <td>{j.enabled ? <Badge value="enabled" tone="ok" /> : <Badge value="disabled" tone="skipped" />}</td>
            <td>{formatTime(j.nextDueAt)}</td>
            <td>{formatTime(j.lastDueAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A query value the list accepts, or nothing: the page never forwards what the API would refuse. */
const oneOf = <T extends string>(values: readonly T[], value: string | undefined): T | undefined => values.find((v) => v === value);

/**
 * Platform insights, for admins: the findings review queue (newest first, filtered by status,
 * severity and job), each finding's page (finding-detail.tsx), and the insight jobs.
 */
export function mountInsightsScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/insights', async (c) => {
    const status = oneOf(FindingStatus.options, c.req.query('status'));
    const severity = oneOf(FindingSeverity.options, c.req.query('severity'));
    const job = c.req.query('job') || undefined;
    const cursor = c.req.query('cursor') || undefined;
    const filters = new URLSearchParams({ ...(status ? { status } : {}), ...(severity ? { severity } : {}), ...(job ? { job } : {}) });
    const query = new URLSearchParams({ limit: String(PAGE), ...Object.fromEntries(filters), ...(cursor ? { cursor } : {}) });
    const page = await ctx.api(c).need<{ items: Finding[]; nextCursor: string | null }>(`/v1/insights/findings?${query}`);
    const base = `/console/insights${filters.size ? `?${filters}` : ''}`;
    return renderPage(c, {
      title: 'Insights',
      current: '/console/insights',
      body: (
        <>
          <h1>Insights</h1>
          <p>
            What scheduled insight runs found, for review: a new finding is accepted or dismissed, an accepted one marked done.{' '}
            <a href="/console/insights/jobs">Insight jobs</a>
          </p>
          <form class="filters" method="get" action="/console/insights" role="search" aria-label="Filter findings">
            <Choice name="status" label="Status" values={FindingStatus.options} value={status} />
            <Choice name="severity" label="Severity" values={FindingSeverity.options} value={severity} />
            <label>
              Job
              <input name="job" value={job ?? ''} />
            </label>
            <button type="submit">Filter</button>
            {filters.size ? <a href="/console/insights">Clear filters</a> : null}
          </form>
          <FindingsTable items={page.items} />
          <nav class="pager" aria-label="Finding pages">
            {cursor ? <a href={base}>Newest findings</a> : null}
            {page.nextCursor ? <a href={`${base}${filters.size ? '&' : '?'}cursor=${encodeURIComponent(page.nextCursor)}`}>Older findings</a> : null}
          </nav>
        </>
      ),
    });
  });

  ui.get('/insights/jobs', async (c) => {
    const jobs = await ctx.api(c).need<{ items: InsightJob[] }>('/v1/admin/insight-jobs?limit=500');
    return renderPage(c, {
      title: 'Insight jobs',
      current: '/console/insights',
      body: (
        <>
          <h1>Insight jobs</h1>
          <p class="hint">Each job runs as its role on its schedule (read in its time zone); its findings go to the review queue.</p>
          <JobsTable items={jobs.items} />
        </>
      ),
    });
  });

  mountFindingDetail(ui, ctx);
}
