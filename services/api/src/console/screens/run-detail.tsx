import { ErrorCode, RemitError, terminalRunStatuses, type Run, type RunStatus } from '@remit/core';
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { readSse } from '../../http/sse-reader.ts';
import { Badge, CsrfField, ErrorAlert, OkAlert, formatDuration, formatTime, formatUsd } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';
import { TranscriptItem, parseEventData } from './transcript.tsx';

/** A run's page; the pattern keeps /runs/new apart and makes the id safe to put in an API path. */
export const RUN_PATH = '/runs/:id{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}';

const isFinished = (status: RunStatus) => terminalRunStatuses.includes(status);
const count = (n: number) => n.toLocaleString('en-US');

/** The API's refusal of a raw request (a stream), as the error the console renders. */
export async function refusalOf(res: Response): Promise<RemitError> {
  const json = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined; // no JSON: a bare 500
  const code = json?.error?.code;
  return new RemitError(code && code in ErrorCode ? (code as ErrorCode) : 'internal', json?.error?.message ?? 'Internal error.');
}

/**
 * What can change while a run goes: its facts, its answer and the Cancel button. One element,
 * so a cancel (htmx) and the stream's final `done` event each replace it whole.
 */
function RunSummary(props: { run: Run; user: ConsoleUser; oob?: boolean; notice?: Child }) {
  const { run } = props;
  const u = run.usage;
  const cache = u.cacheReadTokens + u.cacheWriteTokens > 0 ? `; cache ${count(u.cacheReadTokens)} read, ${count(u.cacheWriteTokens)} written` : '';
  const cancel = `/console/runs/${run.id}/cancel`;
  return (
    <section id="run-summary" aria-label="Run summary" hx-swap-oob={props.oob ? 'true' : undefined}>
      {props.notice}
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Badge value={run.status} />
          {run.statusReason ? (
            <>
              {' '}
              <code>{run.statusReason}</code>
            </>
          ) : null}
        </dd>
        <dt>Kind</dt>
        <dd>{run.kind}</dd>
        <dt>Role</dt>
        <dd>{run.role}</dd>
        <dt>Started by</dt>
        <dd>{run.userEmail ?? '—'}</dd>
        <dt>Model</dt>
        <dd>{run.model ? <code>{run.model}</code> : '—'}</dd>
        <dt>Steps</dt>
        <dd>
          {run.steps} of at most {run.limits.maxSteps}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(run.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(run.finishedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run.durationMs)}</dd>
        <dt>Model calls</dt>
        <dd>{u.calls}</dd>
        <dt>Tokens</dt>
        <dd>
          {count(u.inputTokens)} in, {count(u.outputTokens)} out{cache}
        </dd>
        <dt>Cost</dt>
        <dd>{formatUsd(u.costUsd)}</dd>
      </dl>
      {run.answer !== null ? (
        <>
          <h2>Answer</h2>
          <div class="answer">{run.answer}</div>
        </>
      ) : null}
      {isFinished(run.status) ? null : (
        <>
          <p class="hint">This page follows the run: new events appear in the transcript as the run writes them.</p>
          <noscript>
            <p class="hint">Reload the page to see new events.</p>
          </noscript>
          <form method="post" action={cancel} hx-post={cancel} hx-target="#run-summary" hx-swap="outerHTML">
            <CsrfField user={props.user} />
            <button type="submit" class="danger">
              Cancel run
            </button>
          </form>
        </>
      )}
    </section>
  );
}

/** The summary as HTML for the stream's `done` event: swapped in out of band, over the page's own. */
export async function runSummaryHtml(run: Run, user: ConsoleUser): Promise<string> {
  return await (<RunSummary run={run} user={user} oob />).toString();
}

/**
 * Every event a finished run recorded: the API has no JSON list of events, and a finished
 * run's stream replays them all and then ends. An unfinished run's page reads none: its stream
 * replays them live.
 */
async function recordedEvents(c: Context<ConsoleEnv>, ctx: ScreenContext, id: string): Promise<{ events: unknown[]; error?: RemitError }> {
  const res = await ctx.api(c).raw('GET', `/v1/runs/${id}/events`);
  if (!res.ok || !res.body) return { events: [], error: await refusalOf(res) };
  const events: unknown[] = [];
  for await (const message of readSse(res.body)) events.push(parseEventData(message.data));
  return { events };
}

/** A run: its facts, answer, Cancel while it goes, and its transcript, live until it ends. */
export function mountRunDetail(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get(RUN_PATH, async (c) => {
    const id = c.req.param('id');
    const run = await ctx.api(c).need<Run>(`/v1/runs/${id}`);
    const live = !isFinished(run.status);
    const { events, error } = live ? { events: [] } : await recordedEvents(c, ctx, run.id);
    const follow = live
      ? {
          'hx-ext': 'sse',
          'sse-connect': `/console/runs/${run.id}/stream`,
          'sse-swap': 'event,done',
          'hx-swap': 'beforeend',
          'sse-close': 'done',
          'data-follow': true,
        }
      : {};
    return renderPage(c, {
      title: `Run ${run.id.slice(0, 8)}`,
      current: '/console/runs',
      body: (
        <>
          <p>
            <a href="/console/runs">All runs</a>
          </p>
          <h1>
            Run <code>{run.id}</code>
          </h1>
          <p class="question">{run.input}</p>
          <RunSummary run={run} user={c.var.user} />
          <h2 id="transcript">Transcript</h2>
          {error ? <ErrorAlert error={error} /> : null}
          <ol class="transcript" aria-labelledby="transcript" {...follow}>
            {events.map((event) => (
              <TranscriptItem event={event} />
            ))}
          </ol>
          {!live && events.length === 0 && !error ? <p class="muted">This run recorded no events.</p> : null}
        </>
      ),
    });
  });

  ui.post(`${RUN_PATH}/cancel`, async (c) => {
    const id = c.req.param('id');
    const api = ctx.api(c);
    const res = await api.call<{ id: string; status: RunStatus }>('POST', `/v1/runs/${id}/cancel`);
    if (!res.ok) throw new RemitError(res.error.code, res.error.message);
    if (!isHtmx(c)) return c.redirect(`/console/runs/${id}`, 303);
    const run = await api.need<Run>(`/v1/runs/${id}`);
    const notice = isFinished(run.status) ? (
      <OkAlert>Cancelled.</OkAlert>
    ) : (
      <OkAlert>Cancel requested: the run stops at its next step and its sandbox is destroyed.</OkAlert>
    );
    return c.html(<RunSummary run={run} user={c.var.user} notice={notice} />);
  });
}
