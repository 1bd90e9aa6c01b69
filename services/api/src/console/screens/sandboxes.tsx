import { RemitError, terminalRunStatuses, type Sandbox, type SandboxKilled, type SandboxPage, type WarmPoolSummary } from '@remit/core';
import type { Context, Hono } from 'hono';
import { Badge, CsrfField, formatDuration, formatTime } from '../components.tsx';
import type { ConsoleEnv, ConsoleUser } from '../console-env.ts';
import { isHtmx, renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/** Rows per page: each carries a kill form, and a page with its assets stays under 100 KB. */
const PAGE = 40;

/** How a pool sandbox's state reads, and its badge's tone. */
const POOL_STATE = {
  warm: { label: 'ready', tone: 'ok' },
  starting: { label: 'starting', tone: 'warn' },
  elsewhere: { label: 'another pool', tone: 'other' },
} as const;

function Kind(props: { s: Sandbox }) {
  const { pool } = props.s;
  if (!pool) return <>{props.s.kind}</>;
  return (
    <>
      warm pool <Badge value={POOL_STATE[pool.state].label} tone={POOL_STATE[pool.state].tone} />
    </>
  );
}

function Serves(props: { s: Sandbox }) {
  const { s } = props;
  if (s.pool) {
    if (s.pool.state !== 'elsewhere') return <>no run yet</>;
    // An ECS pool's owner is on another machine (pid 0); a local one is another process here.
    const gone = s.owner?.running === false ? ' (gone)' : '';
    return <>{s.owner?.pid ? `pool of process ${s.owner.pid}${gone}` : `pool of another worker${gone}`}</>;
  }
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
  const then = cancels ? ' The run it serves is cancelled first.' : s.pool ? ' It leaves the warm pool, which starts another.' : '';
  return (
    <form method="post" action={path} hx-post={path} hx-target="#sandboxes" hx-swap="outerHTML" hx-confirm={`Kill sandbox ${s.id}?${then}`}>
      <CsrfField user={props.user} />
      <button type="submit" class="danger" aria-label={`Kill sandbox ${s.id}`}>
        Kill
      </button>
    </form>
  );
}

function killedMessage(killed: SandboxKilled): string {
  if (killed.run) return `Killed sandbox ${killed.id}; its run is ${killed.run.status.replaceAll('_', ' ')}.`;
  if (killed.pool) return `Killed sandbox ${killed.id}; it left the warm pool, which starts another.`;
  return `Killed sandbox ${killed.id}.`;
}

/** This server's warm pool: what it keeps and holds now (GET /v1/admin/sandboxes reports it on every page). */
function PoolSummary(props: { pool: WarmPoolSummary | null }) {
  const { pool } = props;
  return (
    <section aria-labelledby="pool-heading">
      <h2 id="pool-heading">Warm pool</h2>
      {pool ? (
        <>
          <dl class="facts">
            <dt>Kept waiting</dt>
            <dd>{`${pool.size} sandbox${pool.size === 1 ? '' : 'es'}`}</dd>
            <dt>Ready now</dt>
            <dd>
              <Badge value={`${pool.ready} of ${pool.size}`} tone={pool.ready >= pool.size ? 'ok' : 'warn'} />
            </dd>
            <dt>Starting</dt>
            <dd>{String(pool.starting)}</dd>
            <dt>Serves runs with</dt>
            <dd>{`${pool.limits.memoryMb} MB memory, ${pool.limits.maxProcesses} processes, ${pool.limits.cpuSeconds} s CPU time`}</dd>
          </dl>
          <p class="hint">
            A run takes a ready sandbox instead of starting one; a run asking for other limits starts cold. The pool’s sandboxes are marked “warm pool” below:
            killing one takes it out of the pool, which starts another.
          </p>
        </>
      ) : (
        <p>This server keeps no warm pool (REMIT_SANDBOX_WARM_POOL_SIZE is 0): every run starts its sandbox when it begins.</p>
      )}
    </section>
  );
}

/** The pool and the list, with a message about the last kill; htmx swaps it whole after a kill. */
function SandboxList(props: { user: ConsoleUser; page: SandboxPage; cursor: string | undefined; now: Date; killed?: SandboxKilled }) {
  const { killed, page } = props;
  return (
    <div id="sandboxes">
      {killed ? (
        <div class="alert ok" role="status">
          {killedMessage(killed)}
        </div>
      ) : null}
      <PoolSummary pool={page.pool} />
      <section aria-labelledby="sandboxes-heading">
        <h2 id="sandboxes-heading">Live sandboxes</h2>
        {page.items.length ? (
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
              {page.items.map((s) => (
                <tr>
                  <td>
                    <code>{s.id}</code>
                  </td>
                  <td>
                    <Kind s={s} />
                  </td>
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
          {page.nextCursor ? <a href={`/console/sandboxes?cursor=${encodeURIComponent(page.nextCursor)}`}>Next page</a> : null}
        </nav>
      </section>
    </div>
  );
}

/** Live sandboxes on this deployment's driver and this server's warm pool, each sandbox with a Kill button (DELETE /v1/admin/sandboxes/{id}). */
export function mountSandboxesScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  const list = (c: Context<ConsoleEnv>, cursor: string | undefined) =>
    ctx.api(c).need<SandboxPage>(`/v1/admin/sandboxes?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
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
            <span class="hint">Killing a run’s sandbox cancels the run first, so it ends as cancelled.</span>
          </p>
          <SandboxList user={c.var.user} page={page} cursor={cursor} now={now()} />
        </>
      ),
    });
  });

  ui.post('/sandboxes/:id/kill', async (c) => {
    const res = await ctx.api(c).call<SandboxKilled>('DELETE', `/v1/admin/sandboxes/${encodeURIComponent(c.req.param('id'))}`);
    if (!res.ok) throw new RemitError(res.error.code, res.error.message);
    if (!isHtmx(c)) return c.redirect('/console/sandboxes', 303);
    const page = await list(c, undefined);
    return c.html(<SandboxList user={c.var.user} page={page} cursor={undefined} now={now()} killed={res.data} />);
  });
}
