import { terminalRunStatuses, type Run } from '@remit/core';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { readSse } from '../../http/sse-reader.ts';
import type { ConsoleEnv } from '../console-env.ts';
import type { ScreenContext } from '../screen-context.ts';
import { RUN_PATH, refusalOf, runSummaryHtml } from './run-detail.tsx';
import { parseEventData, transcriptItemHtml } from './transcript.tsx';

/** The API's stream drops its keepalive comments on the way through (readSse skips them), so this one sends its own, as often. */
const KEEPALIVE_MS = 15_000;
/** An SSE id as the API writes it: the event's sequence number (the API takes nothing else as Last-Event-ID). */
const SEQ = /^\d{1,10}$/;

/**
 * GET /console/runs/:id/stream — a run's transcript for htmx's SSE extension: the API's own
 * stream, each event re-sent as `event` whose data is the rendered <li>, with the same id, so
 * the browser's Last-Event-ID resumes where it left off. When the API's stream ends and the
 * run has finished, one `done` event carries the final summary (swapped in out of band) and
 * tells the browser not to reconnect. The API's stream slot is held only while the browser
 * listens: its going away cancels the upstream read.
 */
export function mountRunStream(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get(`${RUN_PATH}/stream`, async (c) => {
    const id = c.req.param('id');
    const api = ctx.api(c);
    const resumeAt = c.req.header('last-event-id');
    const upstream = await api.raw('GET', `/v1/runs/${id}/events`, { headers: resumeAt && SEQ.test(resumeAt) ? { 'last-event-id': resumeAt } : {} });
    if (!upstream.ok || !upstream.body) throw await refusalOf(upstream);
    const body = upstream.body;

    return streamSSE(c, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      const signal = c.req.raw.signal;
      if (signal.aborted) stop.abort();
      signal.addEventListener('abort', () => stop.abort(), { once: true });
      const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        // Aborting the pipe cancels the API's stream too, which frees its slot.
        for await (const message of readSse(body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), { signal: stop.signal }))) {
          const html = await transcriptItemHtml(parseEventData(message.data));
          await stream.writeSSE({ event: 'event', data: html, ...(message.id !== undefined && SEQ.test(message.id) ? { id: message.id } : {}) });
        }
        // The API ends a stream once the run has ended; otherwise (an error upstream) the browser reconnects.
        const run = await api.get<Run>(`/v1/runs/${id}`);
        if (run.ok && terminalRunStatuses.includes(run.data.status)) {
          await stream.writeSSE({ event: 'done', data: await runSummaryHtml(run.data, c.var.user) });
        }
      } catch (err) {
        if (!stop.signal.aborted) c.var.log.warn({ err, runId: id }, 'console: transcript stream ended early');
      } finally {
        clearInterval(keepalive);
        stop.abort();
      }
    });
  });
}
