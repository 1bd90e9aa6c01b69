import { findingTransitions, type FindingDetail, type FindingStatus } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Badge, CsrfField, ErrorAlert, formatTime } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { SEVERITY_TONES, STATUS_TONES } from './finding-tones.ts';

/** A finding's page; the pattern makes the id safe to put in an API path. */
const FINDING_PATH = '/insights/findings/:id{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}';

/** What each button says: the move it makes. */
const MOVES: Record<FindingStatus, string> = { accepted: 'Accept', dismissed: 'Dismiss', done: 'Mark done', new: 'Reopen' };

function StatusForm(props: { finding: FindingDetail; user: ConsoleUser }) {
  const moves = findingTransitions[props.finding.status];
  if (!moves.length) return <p>This finding is done: its history is final.</p>;
  const action = `/console/insights/findings/${props.finding.id}/status`;
  return (
    <form method="post" action={action}>
      <CsrfField user={props.user} />
      <label>
        Note <small>optional, kept in the history</small>
        <textarea name="note" rows={2} maxlength={2000}></textarea>
      </label>
      {moves.map((to) => (
        <button type="submit" name="status" value={to}>
          {MOVES[to]}
        </button>
      ))}
    </form>
  );
}

function FindingView(props: { finding: FindingDetail; user: ConsoleUser; error?: { code: string; message: string } }) {
  const f = props.finding;
  return (
    <>
      <p>
        <a href="/console/insights">← Findings</a>
      </p>
      <h1>{f.title}</h1>
      {props.error ? <ErrorAlert error={props.error} /> : null}
      <dl class="facts">
        <dt>Severity</dt>
        <dd>
          <Badge value={f.severity} tone={SEVERITY_TONES[f.severity]} />
        </dd>
        <dt>Status</dt>
        <dd>
          <Badge value={f.status} tone={STATUS_TONES[f.status]} />
        </dd>
        <dt>Job</dt>
        <dd>{f.job?.name ?? '—'}</dd>
        <dt>Role</dt>
        <dd>{f.role ?? '—'}</dd>
        <dt>Run</dt>
        <dd>
          {f.runId ? (
            <a href={`/console/runs/${f.runId}`}>
              <code>{f.runId.slice(0, 8)}</code>
            </a>
          ) : (
            '—'
          )}
        </dd>
        <dt>Reported</dt>
        <dd>{formatTime(f.createdAt)}</dd>
      </dl>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <p>{f.summary}</p>
        <h2>Suggested change</h2>
        <p>{f.suggestedChange}</p>
      </section>
      <section aria-labelledby="evidence-heading">
        <h2 id="evidence-heading">Evidence</h2>
        <p class="hint">The run’s tool calls this finding rests on, by their place in its transcript.</p>
        <ul>
          {f.evidence.map((e) => (
            <li>
              {f.runId ? <a href={`/console/runs/${f.runId}`}>{`Transcript #${e.callSeq}`}</a> : `Transcript #${e.callSeq}`}
              {e.resultSeq === null ? '' : ` (result #${e.resultSeq})`} <code>{e.tool}</code>
              {e.quote ? <blockquote>{e.quote}</blockquote> : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="review-heading">
        <h2 id="review-heading">Review</h2>
        <StatusForm finding={f} user={props.user} />
        <table>
          <caption>Status history</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {f.history.map((h) => (
              <tr>
                <td>{formatTime(h.at)}</td>
                <td>{h.from ? `${h.from} → ${h.to}` : `reported (${h.to})`}</td>
                <td>{h.byEmail ?? (h.by ? h.by.slice(0, 8) : 'its run')}</td>
                <td>{h.note || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

/** One finding: its facts, evidence and history, with a button for each move its status allows (POST /v1/insights/findings/{id}/status). */
export function mountFindingDetail(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const show = async (c: Context<ConsoleEnv>, error?: { status: number; code: string; message: string }) => {
    const finding = await ctx.api(c).need<FindingDetail>(`/v1/insights/findings/${c.req.param('id')}`);
    return renderPage(
      c,
      { title: finding.title, current: '/console/insights', body: <FindingView finding={finding} user={c.var.user} {...(error ? { error } : {})} /> },
      error ? (error.status as ContentfulStatusCode) : 200,
    );
  };
  ui.get(FINDING_PATH, (c) => show(c));
  ui.post(`${FINDING_PATH}/status`, async (c) => {
    const form = await c.req.parseBody();
    const res = await ctx.api(c).call<FindingDetail>('POST', `/v1/insights/findings/${c.req.param('id')}/status`, {
      status: String(form.status ?? ''),
      note: String(form.note ?? ''),
    });
    if (res.ok) return c.redirect(`/console/insights/findings/${res.data.id}`, 303);
    return show(c, { status: res.status, ...res.error });
  });
}
