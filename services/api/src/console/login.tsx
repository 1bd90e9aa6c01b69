import { appendAudit } from '@remit/audit';
import { RemitError, isRemitError } from '@remit/core';
import { createConsoleLogin, takeConsoleLogin, type Sql } from '@remit/db';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../http/deps.ts';
import { ErrorAlert } from './components.tsx';
import type { ConsoleLogin } from './console-deps.ts';
import type { ConsoleEnv } from './console-env.ts';
import { fromOwnPage, sameSecret } from './csrf.ts';
import { BarePage } from './layout.tsx';
import type { OidcLoginFlow } from './oidc-login.ts';
import { safeReturnPath } from './return-path.ts';
import { cookieHash, currentUser, randomToken, setLoginCookie, startSession, takeLoginCookie } from './session.ts';

const LOGIN_CSRF_COOKIE = 'remit_console_login';
const OIDC_FLOW_COOKIE = 'remit_console_oidc';
/** How long a login page's form, or a trip to the IdP and back, may take. */
const LOGIN_STEP_SECONDS = 10 * 60;

const DevLogin = z.object({
  email: z.email('Enter an email address.').max(320),
  groups: z
    .string()
    .max(2000)
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z
        .array(
          z
            .string()
            .max(200)
            .regex(/^[^\p{Cc}]+$/u, 'Groups cannot hold control characters.'),
        )
        .max(50, 'At most 50 groups.'),
    ),
});

function LoginPage(props: { login: ConsoleLogin; next: string; csrf?: string; error?: { code: string; message: string }; email?: string; groups?: string }) {
  const { login } = props;
  return (
    <BarePage title="Sign in">
      <h1>Sign in to Remit</h1>
      {props.error ? <ErrorAlert error={props.error} /> : null}
      {login.kind === 'oidc' ? (
        <p>
          <a class="button" href={`/console/auth/start?next=${encodeURIComponent(props.next)}`}>
            Sign in with {new URL(login.issuer).host}
          </a>
        </p>
      ) : login.kind === 'development' ? (
        <>
          <p class="hint">
            Development login: no OIDC issuer is configured, so the development issuer is active and you may be anyone. Set REMIT_OIDC_ISSUER to sign in through
            your identity provider instead.
          </p>
          <form method="post" action="/console/login" class="stack">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="next" value={props.next} />
            <label for="email">
              Email
              <input id="email" name="email" type="email" required autocomplete="username" value={props.email ?? ''} />
            </label>
            <label for="groups">
              Groups <small>IdP groups, comma-separated; remit-admins makes you an admin</small>
              <input id="groups" name="groups" type="text" value={props.groups ?? ''} />
            </label>
            <div class="actions">
              <button type="submit">Sign in</button>
            </div>
          </form>
        </>
      ) : (
        <div class="alert error" role="alert">
          <strong>The console cannot sign anyone in yet.</strong> {login.why}
        </div>
      )}
    </BarePage>
  );
}

/** The routes that work without a session: the login page, the development login, the OIDC round trip. */
export function mountLogin(ui: Hono<ConsoleEnv>, deps: AppDeps, login: ConsoleLogin): void {
  const tx = <T,>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn);
  const auditFailure = (c: Context<ConsoleEnv>, method: string, reason: string) =>
    tx((sql) =>
      appendAudit(sql, {
        actorId: null,
        action: 'console.login',
        targetType: 'user',
        outcome: 'denied',
        requestId: c.var.requestId,
        detail: { method, reason },
      }),
    );

  ui.get('/login', async (c) => {
    const next = safeReturnPath(c.req.query('next'));
    if (await currentUser(c, deps)) return c.redirect(next, 302);
    const csrf = randomToken();
    if (login.kind === 'development') setLoginCookie(c, deps.publicUrl, LOGIN_CSRF_COOKIE, csrf, '/console/login', LOGIN_STEP_SECONDS);
    return c.html(<LoginPage login={login} next={next} csrf={csrf} />);
  });

  ui.post('/login', async (c) => {
    if (login.kind !== 'development') throw new RemitError('not_found', 'The development login is off: sign in through your identity provider.');
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const cookie = takeLoginCookie(c, deps.publicUrl, LOGIN_CSRF_COOKIE, '/console/login');
    const next = safeReturnPath(field('next'));
    const token = field('_csrf');
    if (!fromOwnPage(c, deps.publicUrl) || !cookie || !token || !sameSecret(cookie, token)) {
      await auditFailure(c, 'development', 'csrf');
      throw new RemitError('csrf_rejected');
    }
    const parsed = DevLogin.safeParse({ email: field('email') ?? '', groups: field('groups') ?? '' });
    if (!parsed.success) {
      const csrf = randomToken();
      setLoginCookie(c, deps.publicUrl, LOGIN_CSRF_COOKIE, csrf, '/console/login', LOGIN_STEP_SECONDS);
      const error = { code: 'validation_failed', message: parsed.error.issues[0]?.message ?? 'Check the form.' };
      return c.html(<LoginPage login={login} next={next} csrf={csrf} error={error} email={field('email')} groups={field('groups')} />, 400);
    }
    // The same subject `remit token --user` signs: one person, one user, by either door.
    const email = parsed.data.email.toLowerCase();
    await startSession(c, deps, { sub: email, email, groups: parsed.data.groups }, 'development');
    return c.redirect(next, 303);
  });

  ui.get('/auth/start', async (c) => {
    if (login.kind !== 'oidc') throw new RemitError('not_found', 'No OIDC issuer is configured for the console.');
    const { url, flow } = await login.oidc.begin(safeReturnPath(c.req.query('next')));
    const key = randomToken();
    await tx((sql) => createConsoleLogin(sql, cookieHash(key), flow, LOGIN_STEP_SECONDS));
    setLoginCookie(c, deps.publicUrl, OIDC_FLOW_COOKIE, key, '/console/auth', LOGIN_STEP_SECONDS);
    return c.redirect(url, 302);
  });

  ui.get('/auth/callback', async (c) => {
    if (login.kind !== 'oidc') throw new RemitError('not_found', 'No OIDC issuer is configured for the console.');
    const key = takeLoginCookie(c, deps.publicUrl, OIDC_FLOW_COOKIE, '/console/auth');
    const flow = key && key.length <= 100 ? ((await tx((sql) => takeConsoleLogin(sql, cookieHash(key)))) as OidcLoginFlow | undefined) : undefined;
    try {
      if (!flow) throw new RemitError('invalid_oauth_state', 'This sign-in was not started in this browser, or took too long. Start again.');
      const principal = await login.oidc.finish(new URL(c.req.url), flow);
      await startSession(c, deps, principal, 'oidc');
      return c.redirect(safeReturnPath(flow.returnTo), 302);
    } catch (err) {
      await auditFailure(c, 'oidc', isRemitError(err) ? err.code : 'internal');
      if (!isRemitError(err)) throw err;
      const error = { code: err.code, message: err.message };
      return c.html(<LoginPage login={login} next="/console" error={error} />, 400);
    }
  });
}
