import type { Hono } from 'hono';
import { renderPage } from '../render.tsx';
import type { ConsoleEnv } from '../console-env.ts';
import type { ScreenContext } from '../screen-context.ts';

interface Me {
  userId: string;
  sub: string;
  email: string | null;
  groups: string[];
  roles: string[];
  isAdmin: boolean;
}

/** Who you are signed in as and the roles that gives you: the first thing to check when a run is refused. */
export function mountAccountScreen(ui: Hono<ConsoleEnv>, ctx: ScreenContext): void {
  ui.get('/account', async (c) => {
    const me = await ctx.api(c).need<Me>('/v1/me');
    return renderPage(c, {
      title: 'Your account',
      current: '/console/account',
      body: (
        <>
          <h1>Your account</h1>
          <dl class="facts">
            <dt>Email</dt>
            <dd>{me.email ?? '—'}</dd>
            <dt>Subject</dt>
            <dd>
              <code>{me.sub}</code>
            </dd>
            <dt>Groups</dt>
            <dd>{me.groups.length > 0 ? me.groups.join(', ') : 'none'}</dd>
            <dt>Roles</dt>
            <dd>{me.roles.length > 0 ? me.roles.join(', ') : 'none: ask an admin to bind a role to you or one of your groups'}</dd>
            <dt>Admin</dt>
            <dd>{me.isAdmin ? 'yes' : 'no'}</dd>
          </dl>
        </>
      ),
    });
  });
}
