import type { AuditEntry, AuditPage, AuditVerifyResult } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Badge, ErrorAlert, formatTime, OkAlert } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/**
 * Entries per page: a page and its assets stay under 100 KB (about 500 bytes a row at most,
 * with the detail cut to DETAIL_CHARS). The API filters and pages, so a page is one API call.
 */
const ROWS = 50;
const DETAIL_CHARS = 120;
const OUTCOMES = [
  ['success', 'success'],
  ['denied', 'denied'],
  ['error', 'error'],
  ['denied,error', 'denied or error'],
] as const;

const FILTER_NAMES = ['action', 'actor', 'target', 'outcome', 'from', 'to', 'order'] as const;
type AuditFilters = Record<(typeof FILTER_NAMES)[number], string>;

function filtersOf(c: Context): AuditFilters {
  const q = (name: string) => (c.req.query(name) ?? '').trim();
  return { action: q('action'), actor: q('actor'), target: q('target'), outcome: q('outcome'), from: q('from'), to: q('to'), order: q('order') };
}

const DAY_MS = 86_400_000;

/**
 * A date field as the API's bound: a day (what a date input sends) is its start in UTC, or the
 * next day's start for `to`, which is inclusive; anything else goes as typed, so an RFC 3339
 * time works and a bad value gets the API's own message.
 */
function timeBound(value: string, endOfDay: boolean): string {
  const start = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  return Number.isNaN(start) ? value : new Date(start + (endOfDay ? DAY_MS : 0)).toISOString();
}

/** GET /v1/audit's query for these filters: newest first unless asked otherwise. */
function apiQuery(f: AuditFilters, cursor: string | undefined): URLSearchParams {
  const params = new URLSearchParams({ limit: String(ROWS), order: f.order || 'desc' });
  for (const name of ['action', 'actor', 'target', 'outcome'] as const) if (f[name]) params.set(name, f[name]);
  if (f.from) params.set('since', timeBound(f.from, false));
  if (f.to) params.set('until', timeBound(f.to, true));
  if (cursor) params.set('cursor', cursor);
  return params;
}

/** This page's URL with the filters kept and `extra` set. */
function auditUrl(f: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (f[name]) params.set(name, f[name]);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const qs = params.toString();
  return qs ? `/console/audit?${qs}` : '/console/audit';
}

function compactDetail(detail: Record<string, unknown>): string {
  const text = Object.keys(detail).length ? JSON.stringify(detail) : '';
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 1)}…` : text;
}

function Filters(props: { f: AuditFilters }) {
  const { f } = props;
  return (
    <form class="filters" method="get" action="/console/audit" role="search" aria-label="Filter the audit log">
      <label for="audit-action">
        Action <small>exact, or a prefix ending in . or *</small>
        <input id="audit-action" name="action" value={f.action} placeholder="role." maxlength={101} />
      </label>
      <label for="audit-actor">
        Actor <small>email or user id</small>
        <input id="audit-actor" name="actor" value={f.actor} maxlength={320} />
      </label>
      <label for="audit-target">
        Target <small>type, type:id or :id</small>
        <input id="audit-target" name="target" value={f.target} maxlength={320} />
      </label>
      <label for="audit-outcome">
        Outcome
        <select id="audit-outcome" name="outcome">
          <option value="">any</option>
          {OUTCOMES.map(([value, label]) => (
            <option value={value} selected={f.outcome === value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label for="audit-from">
        From <small>UTC</small>
        <input id="audit-from" name="from" type="date" value={f.from} />
      </label>
      <label for="audit-to">
        To <small>UTC, inclusive</small>
        <input id="audit-to" name="to" type="date" value={f.to} />
      </label>
      <label for="audit-order">
        Order
        <select id="audit-order" name="order">
          <option value="desc">newest first</option>
          <option value="asc" selected={f.order === 'asc'}>
            oldest first
          </option>
        </select>
      </label>
      <button type="submit">Filter</button>
      <a href="/console/audit">Clear</a>
    </form>
  );
}

/** The target filter that finds an entry's target: its type and id, or its type alone. */
const targetFilter = (e: AuditEntry) => (e.targetId ? `${e.targetType ?? ''}:${e.targetId}` : (e.targetType ?? ''));

function EntriesTable(props: { entries: AuditEntry[]; f: AuditFilters }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">
            #
          </th>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr>
            <td class="num">{e.seq}</td>
            <td>{formatTime(e.at)}</td>
            <td>
              {e.actorId ? (
                <a href={auditUrl({ ...props.f, actor: e.actorId })}>
                  <code>{e.actorId.slice(0, 8)}</code>
                </a>
              ) : (
                <span class="muted">anonymous</span>
              )}
            </td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.targetType ? <a href={auditUrl({ ...props.f, target: targetFilter(e) })}>{`${e.targetType}:${e.targetId ?? ''}`}</a> : '—'}</td>
            <td>
              <Badge value={e.outcome} tone={e.outcome === 'success' ? 'ok' : e.outcome === 'denied' ? 'denied' : 'error'} />
            </td>
            <td>
              <code>{compactDetail(e.detail)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The chain check's answer, as a sentence: how much verified, or the first entry that does not. */
function VerifyResult(props: { result: AuditVerifyResult }) {
  const r = props.result;
  if (r.ok) return <OkAlert>{`The chain verifies: ${r.checked} ${r.checked === 1 ? 'entry' : 'entries'} checked, none edited, removed or reordered.`}</OkAlert>;
  return (
    <div class="alert error" role="alert">
      <strong>{`The chain breaks at entry #${r.firstBadSeq ?? '?'}: ${r.reason ?? 'unknown reason'}.`}</strong>{' '}
      {`The ${r.checked} ${r.checked === 1 ? 'entry' : 'entries'} before it verify; treat the entries from #${r.firstBadSeq ?? '?'} on as untrusted, and compare them with the exported copy of the log.`}
    </div>
  );
}

function VerifySection() {
  return (
    <section aria-labelledby="verify-heading">
      <h2 id="verify-heading">Chain verification</h2>
      <p class="hint">Every entry holds the hash of the one before it; recomputing the chain shows whether any entry was edited, removed or reordered.</p>
      <form method="get" action="/console/audit/verify" hx-get="/console/audit/verify" hx-target="#verify-result" hx-swap="innerHTML">
        <button type="submit">
          Verify chain<span class="when-busy">…</span>
        </button>
      </form>
      <div id="verify-result" aria-live="polite"></div>
    </section>
  );
}

/** The audit log, filtered and paged by the API (one call per page), and the hash-chain check. */
export function mountAuditScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/audit', async (c) => {
    const f = filtersOf(c);
    const cursor = c.req.query('cursor') || undefined;
    const res = await ctx.api(c).get<AuditPage>(`/v1/audit?${apiQuery(f, cursor)}`);
    const filtered = FILTER_NAMES.some((n) => n !== 'order' && f[n] !== '');
    const oldestFirst = f.order === 'asc';
    return renderPage(
      c,
      {
        title: 'Audit log',
        current: '/console/audit',
        body: (
          <>
            <h1>Audit log</h1>
            <Filters f={f} />
            {!res.ok ? (
              <ErrorAlert error={res.error} />
            ) : res.data.items.length ? (
              <>
                <p class="hint">{`${oldestFirst ? 'Oldest' : 'Newest'} first${filtered ? ', matching the filters' : ''}.`}</p>
                <EntriesTable entries={res.data.items} f={f} />
              </>
            ) : (
              <p class="muted">{filtered || cursor ? 'No entries match.' : 'The log is empty.'}</p>
            )}
            {cursor || (res.ok && res.data.nextCursor) ? (
              <nav class="pager" aria-label="Audit pages">
                {cursor ? <a href={auditUrl(f)}>{oldestFirst ? 'Oldest entries' : 'Newest entries'}</a> : null}
                {res.ok && res.data.nextCursor ? (
                  <a href={auditUrl(f, { cursor: res.data.nextCursor })}>{oldestFirst ? 'Later entries' : 'Older entries'}</a>
                ) : null}
              </nav>
            ) : null}
            <VerifySection />
          </>
        ),
      },
      res.ok ? 200 : (res.status as ContentfulStatusCode),
    );
  });

  ui.get('/audit/verify', async (c) => {
    const result = await ctx.api(c).need<AuditVerifyResult>('/v1/audit/verify');
    if (isHtmx(c)) return c.html(<VerifyResult result={result} />);
    return renderPage(c, {
      title: 'Audit chain verification',
      current: '/console/audit',
      body: (
        <>
          <h1>Audit chain verification</h1>
          <VerifyResult result={result} />
          <p>
            <a href="/console/audit">Back to the audit log</a>
          </p>
        </>
      ),
    });
  });
}
