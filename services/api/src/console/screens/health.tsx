import type { Context, Hono } from 'hono';
import { Badge } from '../components.tsx';
import type { HealthCheck } from '../console-deps.ts';
import type { ConsoleEnv } from '../console-env.ts';
import { renderPage } from '../render.tsx';
import type { ScreenContext } from '../screen-context.ts';

/** The API's own readiness check: what this page shows when the server was started without live checks. */
async function databaseOnly(c: Context<ConsoleEnv>, ctx: ScreenContext): Promise<HealthCheck[]> {
  const res = await ctx.api(c).raw('GET', '/readyz');
  const body = (await res.json().catch(() => undefined)) as { checks?: { database?: string } } | undefined;
  const ok = res.ok && body?.checks?.database === 'ok';
  return [
    {
      name: 'database',
      ok,
      detail: ok ? 'answers (GET /readyz)' : `GET /readyz answered ${res.status}: the database does not answer`,
      fix: 'see the server log for the database error; check DATABASE_URL (or that the data directory is not held by another process)',
    },
  ];
}

/** The live checks, or a failing line saying they could not run; their error goes to the log, not the page. */
async function liveChecks(c: Context<ConsoleEnv>, run: () => Promise<HealthCheck[]>): Promise<HealthCheck[]> {
  try {
    return await run();
  } catch (err) {
    c.var.log?.error({ err }, 'console: health checks failed to run');
    return [{ name: 'health checks', ok: false, detail: 'the checks could not run', fix: 'see the server log, or run remit doctor on the server' }];
  }
}

/** Database, sandbox driver, model provider and token issuer: each fine or not, and what to do about it. */
export function mountHealthScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/health', async (c) => {
    const run = ctx.console.health;
    const checks = run ? await liveChecks(c, run) : await databaseOnly(c, ctx);
    const failing = checks.filter((x) => !x.ok).length;
    return renderPage(c, {
      title: 'Health',
      current: '/console/health',
      body: (
        <>
          <h1>Health</h1>
          <p role="status">
            {failing ? `${failing} of ${checks.length} checks failing.` : checks.length === 1 ? 'The check passes.' : `All ${checks.length} checks pass.`}
          </p>
          {run ? null : (
            <p class="hint">
              This server was started without live checks, so only the database is shown. Run <code>remit doctor</code> on the server for the sandbox driver,
              the model provider and the token issuer.
            </p>
          )}
          <table>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Status</th>
                <th scope="col">What was found</th>
                <th scope="col">How to fix it</th>
              </tr>
            </thead>
            <tbody>
              {checks.map((check) => (
                <tr>
                  <th scope="row">{check.name}</th>
                  <td>{check.ok ? <Badge value="ok" /> : <Badge value="failing" tone="bad" />}</td>
                  <td>{check.detail}</td>
                  <td>{check.ok ? '—' : (check.fix ?? 'see the server log')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ),
    });
  });
}
