import { RemitError, terminalRunStatuses, type Sandbox, type SandboxKilled } from '@remit/core';
import type { Context, Hono } from 'hono';
import { Badge, CsrfField, formatDuration, formatTime } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/** Rows per page: each carries a kill form, and a page with its assets stays under 100 KB. */
const PAGE = 40;

function Serves(props: { s: Sandbox }) {
  const { s } = props;
  if (s.run) {
    return (
      <>
        <a href={`/console/runs/${encodeURIComponent(s.run.id)}`}>
          <code>{s.run.id.slice(0, 8)}</code>
        </a>{' '}
        {s.run.status ? <Badge value={s.run.status} /> : <Badge value="no such run" tone="bad" />}
      </>
    );
  }
  if (s.owner) return <>{`process ${s.owner.pid}${s.owner.running ? '' : ' (gone)'}`}</>;
  return <>—</>;
}

function KillForm(props: { user: ConsoleUser; s: Sandbox }) {
  const { s } = props;
  const path = `/console/sandboxes/${encodeURIComponent(s.id)}/kill`;
  const cancels = s.run?.status && !terminalRunStatuses.includes(s.run.status);
  return (
    <form
      method="post"
      action={path}
      hx-post={path}
      hx-target="#sandboxes"
      hx-swap="outerHTML"
      hx-confirm={`Kill sandbox ${s.id}?${cancels ? ' The run it serves is cancelled first.' : ''}`}
    >
      <CsrfField user={props.user} />
      <button type="submit" class="danger" aria-label={`Kill sandbox ${s.id}`}>
        Kill
      </button>
    </form>
  );
}

/** The list, with a message about the last kill; htmx swaps it whole after a kill. */
function SandboxList(props: { user: ConsoleUser; items: Sandbox[]; nextCursor: string | null; cursor: string | undefined; now: Date; killed?: SandboxKilled }) {
  const { killed } = props;
  return (
    <section id="sandboxes" aria-labelledby="sandboxes-heading">
      <h2 id="sandboxes-heading">Live sandboxes</h2>
      {killed ? (
        <div class="alert ok" role="status">
          {`Killed sandbox ${killed.id}${killed.run ? `; its run is ${killed.run.status.replaceAll('_', ' ')}` : ''}.`}
        </div>
      ) : null}
      {props.items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Sandbox</th>
              <th scope="col">Kind</th>
              <th scope="col">Serves</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Age</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((s) => (
              <tr>
                <td>
                  <code>{s.id}</code>
                </td>
                <td>{s.kind}</td>
                <td>
                  <Serves s={s} />
                </td>
                <td>{s.alive ? <Badge value="alive" tone="ok" /> : <Badge value="exited" tone="warn" />}</td>
                <td>{formatTime(s.startedAt)}</td>
                <td>{formatDuration(Math.max(0, props.now.getTime() - Date.parse(s.startedAt)))}</td>
                <td>
                  <KillForm user={props.user} s={s} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No sandbox is running.</p>
      )}
      <nav class="pager" aria-label="Sandbox pages">
        {props.cursor ? <a href="/console/sandboxes">First page</a> : null}
        {props.nextCursor ? <a href={`/console/sandboxes?cursor=${encodeURIComponent(props.nextCursor)}`}>Next page</a> : null}
      </nav>
    </section>
  );
}

/** Live sandboxes on this deployment's driver, each with a Kill button (DELETE /v1/admin/sandboxes/{id}). */
export function mountSandboxesScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const list = (c: Context<ConsoleEnv>, cursor: string | undefined) =>
    ctx
      .api(c)
      .need<{ items: Sandbox[]; nextCursor: string | null }>(`/v1/admin/sandboxes?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const now = () => ctx.deps.now?.() ?? new Date();

  ui.get('/sandboxes', async (c) => {
    const cursor = c.req.query('cursor') || undefined;
    const page = await list(c, cursor);
    const driver = page.items[0]?.driver ?? ctx.deps.sandboxes.name;
    return renderPage(c, {
      title: 'Sandboxes',
      current: '/console/sandboxes',
      body: (
        <>
          <h1>Sandboxes</h1>
          <p>
            {`Driver: ${driver === 'ecs' ? 'ecs (one Fargate task per sandbox)' : `${driver} (bubblewrap on this host)`}. `}
            <span class="hint">
              The API reports no warm-pool state: sandboxes a pool started and no run has claimed yet are listed as throwaway, owned by the server’s process.
              Killing a run’s sandbox cancels the run first, so it ends as cancelled.
            </span>
          </p>
          <SandboxList user={c.var.user} items={page.items} nextCursor={page.nextCursor} cursor={cursor} now={now()} />
        </>
      ),
    });
  });

  ui.post('/sandboxes/:id/kill', async (c) => {
    const res = await ctx.api(c).call<SandboxKilled>('DELETE', `/v1/admin/sandboxes/${encodeURIComponent(c.req.param('id'))}`);
    if (!res.ok) throw new RemitError(res.error.code, res.error.message);
    if (!isHtmx(c)) return c.redirect('/console/sandboxes', 303);
    const page = await list(c, undefined);
    return c.html(<SandboxList user={c.var.user} items={page.items} nextCursor={page.nextCursor} cursor={undefined} now={now()} killed={res.data} />);
  });
}
