import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, RunEvent, terminalRunStatuses } from '@remit/core';
import { getRun, listRunEvents } from '@remit/db';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses } from '../http/openapi-helpers.ts';
import type { StreamSlots } from '../http/stream-slots.ts';
import { visibleRun } from './run-visibility.ts';

/** An idle stream sends a comment this often, so proxies keep it open. */
const KEEPALIVE_MS = 15_000;

/**
 * GET /v1/runs/:id/events — the transcript as Server-Sent Events. Each event's id is its
 * sequence number, so a reconnecting client sends Last-Event-ID and gets only what it missed.
 * The stream ends after the run's final status event. Streams are pushed, not polled: each
 * reads the database only when the run's notification says something changed (see
 * notifications.ts in @remit/db), so idle streams cost no queries however many are open.
 * Each open stream holds one of the caller's stream slots until it ends for any reason, the
 * client going away included.
 */
export function mountRunEvents(app: OpenAPIHono<AppEnv>, deps: AppDeps, slots: StreamSlots): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs/{id}/events',
      operationId: 'streamRunEvents',
      tags: ['runs'],
      security: bearerSecurity,
      summary: 'The run transcript as Server-Sent Events; resumes from Last-Event-ID',
      request: {
        params: z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) }),
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,10}$/)
            .optional(),
        }),
        query: z.object({ after: z.coerce.number().int().min(0).optional() }).strict(),
      },
      responses: {
        200: {
          description: 'text/event-stream of RunEvent, one per SSE event (id = seq, event = type)',
          content: { 'text/event-stream': { schema: RunEvent } },
        },
        ...errorResponses(400, 401, 404, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ctx = { orgId: deps.orgId, userId: c.var.actor.userId };
      await deps.db.tenant(ctx, (sql) => visibleRun(sql, c.var.actor, id));
      const header = c.req.valid('header')['last-event-id'];
      let after = header !== undefined ? Number(header) : (c.req.valid('query').after ?? 0);
      const release = slots.acquire(c.var.actor.userId);
      return streamSSE(c, async (stream) => {
        try {
          await follow(stream);
        } finally {
          release();
        }
      }) as never;

      async function follow(stream: SSEStreamingApi): Promise<void> {
        let closed = false;
        let changed = true; // read once at the start
        let wake: (() => void) | undefined;
        // Subscribed, and the LISTEN in place, before the first read, so nothing committed after
        // that read is missed: a stream opened while the process's listener was still connecting
        // missed a cancel committed meanwhile and waited forever. If listening failed, this
        // stream re-reads at each keepalive instead (the safety poll).
        const unsubscribe = deps.db.notifications.onRun(id, () => {
          changed = true;
          wake?.();
        });
        const listening = await deps.db.notifications.ready().then(
          () => true,
          () => false,
        );
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          while (!closed) {
            if (changed) {
              changed = false;
              const { events, finished } = await deps.db.tenant(ctx, async (sql) => {
                const events = await listRunEvents(sql, id, { afterSeq: after, limit: 500 });
                const run = await getRun(sql, id);
                return { events, finished: terminalRunStatuses.includes(run.status) };
              });
              // One write per batch, not per event: 200 awaited writes cost ~10 ms more than one.
              // JSON.stringify never emits a raw newline, so each event's data is one SSE line.
              let batch = '';
              for (const e of events) {
                const payload: RunEvent = { ...e, at: new Date(e.at).toISOString() };
                batch += `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(payload)}\n\n`;
                after = e.seq;
              }
              if (batch) await stream.write(batch);
              // Done once the run has ended and everything it wrote has been sent.
              if (finished && events.length < 500) break;
              if (events.length === 500) changed = true; // more to send
              if (changed) continue;
            }
            const woken = await new Promise<boolean>((resolve) => {
              if (changed || closed) return resolve(true);
              const timer = setTimeout(() => resolve(false), KEEPALIVE_MS);
              wake = () => {
                clearTimeout(timer);
                resolve(true);
              };
            });
            wake = undefined;
            if (!woken && !closed) {
              await stream.write(': keepalive\n\n');
              if (!listening) changed = true;
            }
          }
        } finally {
          unsubscribe();
        }
      }
    },
  );
}
