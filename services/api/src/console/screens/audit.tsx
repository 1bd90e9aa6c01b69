import type { AuditEntry, AuditVerifyResult } from '@remit/core';
import type { Context, Hono } from 'hono';
import { Badge, formatTime, OkAlert } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/**
 * Entries shown per view: a page and its assets stay under 100 KB (about 500 bytes a row at
 * most, with the detail cut to DETAIL_CHARS). GET /v1/audit has no filters, so a filtered view
 * reads SCAN entries in its one API call and shows the first ROWS that match.
 */
const ROWS = 50;
const SCAN = 500;
const OUTCOMES = ['success', 'denied', 'error'] as const;
const DETAIL_CHARS = 120;

interface AuditFilters {
  action: string;
  actor: string;
  target: string;
  outcome: string;
  from: string;
  to: string;
}

const FILTER_NAMES = ['action', 'actor', 'target', 'outcome', 'from', 'to'] as const;

function filtersOf(c: Context): AuditFilters {
  const q = (name: string) => (c.req.query(name) ?? '').trim();
  return { action: q('action'), actor: q('actor'), target: q('target'), outcome: q('outcome'), from: q('from'), to: q('to') };
}

const dayStart = (date: string) => (/^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN);

/** Whether an entry passes the filters: action by prefix, actor by id prefix, target by substring, dates in UTC (to inclusive). */
function matches(e: AuditEntry, f: AuditFilters): boolean {
  if (f.action && !e.action.toLowerCase().startsWith(f.action.toLowerCase())) return false;
  if (f.actor && !(e.actorId ?? 'anonymous').toLowerCase().startsWith(f.actor.toLowerCase())) return false;
  if (f.target && !`${e.targetType ?? ''}:${e.targetId ?? ''}`.toLowerCase().includes(f.target.toLowerCase())) return false;
  if (f.outcome && e.outcome !== f.outcome) return false;
  const at = Date.parse(e.at);
  const from = dayStart(f.from);
  const to = dayStart(f.to);
  if (!Number.isNaN(from) && at < from) return false;
  if (!Number.isNaN(to) && at >= to + 86_400_000) return false;
  return true;
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
        Action <small>starts with</small>
        <input id="audit-action" name="action" value={f.action} placeholder="role." maxlength={100} />
      </label>
      <label for="audit-actor">
        Actor id <small>starts with</small>
        <input id="audit-actor" name="actor" value={f.actor} maxlength={64} />
      </label>
      <label for="audit-target">
        Target <small>type:id contains</small>
        <input id="audit-target" name="target" value={f.target} maxlength={200} />
      </label>
      <label for="audit-outcome">
        Outcome
        <select id="audit-outcome" name="outcome">
          <option value="">any</option>
          {OUTCOMES.map((o) => (
            <option value={o} selected={f.outcome === o}>
              {o}
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
      <button type="submit">Filter</button>
      <a href="/console/audit">Clear</a>
    </form>
  );
}

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
            <td>{e.targetType ? `${e.targetType}:${e.targetId ?? ''}` : '—'}</td>
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

/** The audit log, with filters over what one API page holds, and the hash-chain check. */
export function mountAuditScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/audit', async (c) => {
    const f = filtersOf(c);
    const cursor = c.req.query('cursor');
    const filtered = FILTER_NAMES.some((n) => f[n] !== '');
    const params = new URLSearchParams({ limit: String(filtered ? SCAN : ROWS), ...(cursor ? { cursor } : {}) });
    const page = await ctx.api(c).need<{ items: AuditEntry[]; nextCursor: string | null }>(`/v1/audit?${params}`);
    const matching = page.items.filter((e) => matches(e, f));
    const shown = matching.slice(0, ROWS);
    const first = page.items[0];
    const last = page.items[page.items.length - 1];
    return renderPage(c, {
      title: 'Audit log',
      current: '/console/audit',
      body: (
        <>
          <h1>Audit log</h1>
          <Filters f={f} />
          <p class="hint">
            {first && last
              ? `Entries #${first.seq}–#${last.seq}, oldest first${filtered ? `: ${matching.length} of ${page.items.length} match the filters` : ''}. `
              : 'No entries here. '}
            {filtered ? `Filters search ${SCAN} entries at a time; the next page searches further. ` : ''}
            {matching.length > shown.length ? `Only the first ${ROWS} matches are shown: narrow the filters to see the others.` : ''}
          </p>
          {shown.length ? (
            <EntriesTable entries={shown} f={f} />
          ) : (
            <p>{filtered && page.items.length ? 'No entry on this page matches.' : 'The log is empty.'}</p>
          )}
          <nav class="pager" aria-label="Audit pages">
            {cursor ? <a href={auditUrl(f)}>First entries</a> : null}
            {page.nextCursor ? <a href={auditUrl(f, { cursor: page.nextCursor })}>{filtered ? 'Search the next entries' : 'Next entries'}</a> : null}
          </nav>
          <VerifySection />
        </>
      ),
    });
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
