import type { PullRequestReview, WebhookDelivery } from '@remit/core';
import type { Hono } from 'hono';
import type { z } from 'zod';
import { Badge, formatTime } from '../components.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

type Delivery = z.infer<typeof WebhookDelivery>;
type Review = z.infer<typeof PullRequestReview>;

// Rows per page: with its assets a page stays under 100 KB.
const DELIVERIES = 40;
const REVIEWS = 25;

/** A URL from data as a link target only when it is http(s): never javascript:, data: or anything a click would run. */
export function httpUrl(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const DELIVERY_TONES: Record<Delivery['outcome'], string> = { queued: 'ok', skipped: 'skipped', ignored: 'neutral', received: 'neutral' };
const REVIEW_TONES: Record<Review['status'], string> = {
  queued: 'neutral',
  reviewing: 'neutral',
  posted: 'posted',
  superseded: 'skipped',
  failed: 'failed',
  skipped: 'skipped',
};

function Sha(props: { sha: string | null }) {
  return props.sha ? <code>{props.sha.slice(0, 7)}</code> : <>—</>;
}

function RunLink(props: { id: string | null }) {
  return props.id ? (
    <a href={`/console/runs/${encodeURIComponent(props.id)}`}>
      <code>{props.id.slice(0, 8)}</code>
    </a>
  ) : (
    <>—</>
  );
}

const pullRef = (repository: string | null, pull: number | null) => (repository ? `${repository}${pull === null ? '' : `#${pull}`}` : '—');

function Deliveries(props: { items: Delivery[] }) {
  if (!props.items.length) return <p>No deliveries yet. Point the GitHub App’s webhook at /v1/webhooks/github to receive them.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Event</th>
          <th scope="col">Outcome</th>
          <th scope="col">Reason</th>
          <th scope="col">Pull request</th>
          <th scope="col">Author</th>
          <th scope="col">Head</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((d) => (
          <tr>
            <td>{formatTime(d.receivedAt)}</td>
            <td>
              <code>{d.action ? `${d.event}.${d.action}` : d.event}</code>
            </td>
            <td>
              <Badge value={d.outcome} tone={DELIVERY_TONES[d.outcome]} />
            </td>
            <td>{d.reason ? d.reason.replaceAll('_', ' ') : '—'}</td>
            <td>{pullRef(d.repository, d.pullNumber)}</td>
            <td>{d.authorLogin ?? '—'}</td>
            <td>
              <Sha sha={d.headSha} />
            </td>
            <td>
              <RunLink id={d.runId} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Reviews(props: { items: Review[] }) {
  if (!props.items.length) return <p>No reviews yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Pull request</th>
          <th scope="col">Head</th>
          <th scope="col">Status</th>
          <th scope="col">Detail</th>
          <th scope="col">Review</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((r) => {
          const href = httpUrl(r.reviewUrl);
          return (
            <tr>
              <td>{pullRef(r.repository, r.pullNumber)}</td>
              <td>
                <Sha sha={r.headSha} />
              </td>
              <td>
                <Badge value={r.status} tone={REVIEW_TONES[r.status]} />
              </td>
              <td>{r.detail ?? '—'}</td>
              <td>
                {href ? (
                  <a href={href} rel="noopener noreferrer">{`Review of ${pullRef(r.repository, r.pullNumber)} on GitHub`}</a>
                ) : r.reviewUrl ? (
                  <span class="muted">not an http(s) link</span>
                ) : (
                  '—'
                )}
              </td>
              <td>
                <RunLink id={r.runId} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Code review: what each webhook delivery became (queued, or skipped and why) and the reviews posted. */
export function mountReviewsScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/reviews', async (c) => {
    const cursor = c.req.query('cursor') || undefined;
    const api = ctx.api(c);
    const [deliveries, reviews] = await Promise.all([
      api.need<{ items: Delivery[]; nextCursor: string | null }>(
        `/v1/admin/github/deliveries?limit=${DELIVERIES}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
      api.need<{ items: Review[] }>(`/v1/admin/github/reviews?limit=${REVIEWS}`),
    ]);
    return renderPage(c, {
      title: 'Reviews',
      current: '/console/reviews',
      body: (
        <>
          <h1>Reviews</h1>
          <section aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">Pull request reviews</h2>
            <p class="hint">{`The ${REVIEWS} newest: one per pull request head commit.`}</p>
            <Reviews items={reviews.items} />
          </section>
          <section aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">Webhook deliveries</h2>
            <p class="hint">Newest first, with what became of each: a queued review run, or why it was skipped.</p>
            <Deliveries items={deliveries.items} />
            <nav class="pager" aria-label="Delivery pages">
              {cursor ? <a href="/console/reviews">Newest deliveries</a> : null}
              {deliveries.nextCursor ? <a href={`/console/reviews?cursor=${encodeURIComponent(deliveries.nextCursor)}`}>Older deliveries</a> : null}
            </nav>
          </section>
        </>
      ),
    });
  });
}
