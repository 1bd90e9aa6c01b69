import type { Child } from 'hono/jsx';
import { assetUrl } from './assets.ts';
import type { ConsoleUser } from './console-env.ts';

/** One entry of the console's navigation; `admin` entries are shown to admins only. */
interface NavEntry {
  href: string;
  label: string;
  admin: boolean;
}

export const NAV: readonly NavEntry[] = [
  { href: '/console/runs', label: 'Runs', admin: false },
  { href: '/console/roles', label: 'Roles', admin: true },
  { href: '/console/connections', label: 'Connections', admin: true },
  { href: '/console/bindings', label: 'Bindings', admin: true },
  { href: '/console/audit', label: 'Audit', admin: true },
  { href: '/console/usage', label: 'Usage', admin: true },
  { href: '/console/sandboxes', label: 'Sandboxes', admin: true },
  { href: '/console/reviews', label: 'Reviews', admin: true },
  { href: '/console/insights', label: 'Insights', admin: true },
  { href: '/console/health', label: 'Health', admin: true },
];

/**
 * htmx without anything the CSP forbids: no eval (hx-on, js: values), no inline indicator
 * styles, no script tags in swapped content, and requests only to this origin.
 */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  // htmx's default also settles `style`, writing a style attribute the CSP refuses.
  attributesToSettle: ['class', 'width', 'height'],
  refreshOnHistoryMiss: true,
  // A refused form (4xx) swaps in its error message like any answer; only 204 swaps nothing.
  responseHandling: [
    { code: '204', swap: false },
    { code: '[2345]..', swap: true },
  ],
});

function Head({ title }: { title: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} — Remit`}</title>
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <link rel="stylesheet" href={assetUrl('console.css')} />
      <link rel="icon" href={assetUrl('icon.svg')} type="image/svg+xml" />
      <script src={assetUrl('htmx.min.js')} defer></script>
      <script src={assetUrl('sse.js')} defer></script>
      <script src={assetUrl('console.js')} defer></script>
    </head>
  );
}

/** A console page for a signed-in user: navigation, who they are, and a place for messages. */
export function Page(props: { title: string; user: ConsoleUser; current: string; children?: Child }) {
  const { user } = props;
  return (
    <html lang="en">
      <Head title={props.title} />
      <body hx-headers={JSON.stringify({ 'X-CSRF-Token': user.csrfToken })}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/console/runs">
            Remit
          </a>
          <nav aria-label="Console">
            <ul>
              {NAV.filter((n) => !n.admin || user.isAdmin).map((n) => (
                <li>
                  <a href={n.href} aria-current={n.href === props.current ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="who">
            <a href="/console/account" aria-current={props.current === '/console/account' ? 'page' : undefined}>
              {user.email ?? user.sub}
              {user.isAdmin ? ' (admin)' : ''}
            </a>
            <form method="post" action="/console/logout">
              <input type="hidden" name="_csrf" value={user.csrfToken} />
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          </div>
        </header>
        <main id="main">
          <div id="flash" aria-live="polite"></div>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A page for someone not signed in (the login page, errors before a session exists). */
export function BarePage(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <Head title={props.title} />
      <body>
        <main id="main" class="login">
          {props.children}
        </main>
      </body>
    </html>
  );
}
