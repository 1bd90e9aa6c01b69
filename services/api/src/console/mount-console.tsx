import type { OpenAPIHono } from '@hono/zod-openapi';
import { RemitError } from '@remit/core';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import { clientSource } from '../http/client-source.ts';
import type { AppDeps } from '../http/deps.ts';
import { routeLabel } from '../http/route-label.ts';
import { mountAssets } from './assets.ts';
import type { ConsoleDeps } from './console-deps.ts';
import type { ConsoleEnv } from './console-env.ts';
import { requireCsrf } from './csrf.ts';
import { NAV } from './layout.tsx';
import { mountLogin } from './login.tsx';
import { mountAccountScreen } from './screens/account.tsx';
import { mountRunScreens } from './screens/runs-list.tsx';
import { mountAuditScreen } from './screens/audit.tsx';
import { mountHealthScreen } from './screens/health.tsx';
import { mountReviewsScreen } from './screens/reviews.tsx';
import { mountInsightsScreen } from './screens/insights.tsx';
import { mountSandboxesScreen } from './screens/sandboxes.tsx';
import { mountUsageScreen } from './screens/usage.tsx';
import { mountRolesScreen } from './screens/roles.tsx';
import { mountConnectionsScreen } from './screens/connections.tsx';
import { mountBindingsScreen } from './screens/bindings.tsx';
import { renderConsoleError } from './render.tsx';
import { consoleSecurityHeaders } from './security-headers.ts';
import { screenContext, type MountScreen } from './screen-context.ts';
import { currentUser, endSession } from './session.ts';

/** Every screen, in navigation order. */
const SCREENS: readonly MountScreen[] = [
  mountAccountScreen,
  mountRunScreens,
  mountRolesScreen,
  mountConnectionsScreen,
  mountBindingsScreen,
  mountAuditScreen,
  mountUsageScreen,
  mountSandboxesScreen,
  mountReviewsScreen,
  mountInsightsScreen,
  mountHealthScreen,
];

function requireSession(deps: AppDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const user = await currentUser(c, deps);
    if (!user) throw new RemitError('login_required');
    c.set('user', user);
    await next();
  };
}

/** Admin screens answer a non-admin with a 403 page before any of their data is read. */
function requireConsoleAdmin(deps: AppDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (!c.var.user.isAdmin) {
      deps.refusals.record({
        action: 'authz.denied',
        reason: 'not_admin',
        route: routeLabel(c),
        source: clientSource(c, deps.trustedProxyHops ?? 0),
        actorId: c.var.user.userId,
        requestId: c.var.requestId,
      });
      throw new RemitError('forbidden', `This page needs admin rights (membership of the "${deps.adminGroup}" group).`);
    }
    await next();
  };
}

/**
 * The web console at /console: server-rendered pages over the API. Order matters: assets and
 * the login routes answer without a session; everything after needs one, and every
 * state-changing request after that needs the session's CSRF token.
 */
export function mountConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps, consoleDeps: ConsoleDeps): void {
  const ui = new Hono<ConsoleEnv>();
  ui.onError(renderConsoleError);
  ui.use('*', consoleSecurityHeaders);
  mountAssets(ui);
  mountLogin(ui, deps, consoleDeps.login);
  ui.use('*', requireSession(deps));
  ui.use('*', requireCsrf(deps));
  const admin = requireConsoleAdmin(deps);
  for (const entry of NAV.filter((n) => n.admin)) {
    const path = entry.href.replace(/^\/console/, '');
    ui.use(path, admin);
    ui.use(`${path}/*`, admin);
  }

  ui.get('/', (c) => c.redirect('/console/runs', 302));
  ui.post('/logout', async (c) => {
    await endSession(c, deps, c.var.user);
    return c.redirect('/console/login', 303);
  });
  const ctx = screenContext(deps, consoleDeps, (path, init, env) => app.request(path, init, env));
  for (const mount of SCREENS) mount(ui, ctx);
  ui.all('*', (c) => {
    throw new RemitError('not_found', `There is no console page at ${c.req.path}.`);
  });
  app.route('/console', ui);
}
