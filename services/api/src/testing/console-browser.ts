import type { TestApp } from './test-app.ts';

/** A signed-in console session driven in-process, as a browser would: cookie, CSRF token, forms. */
export interface ConsoleBrowser {
  cookie: string;
  csrf: string;
  get(path: string, init?: { htmx?: boolean }): Promise<Response>;
  /** Posts a form; the session's CSRF token is added unless `csrf` says otherwise (a string: send that one; false: none). */
  post(
    path: string,
    form?: Record<string, string | string[]>,
    init?: { csrf?: string | false; htmx?: boolean; headers?: Record<string, string> },
  ): Promise<Response>;
}

/** The value of cookie `name` from a response's Set-Cookie headers. */
export function setCookieValue(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair!.indexOf('=');
    if (pair!.slice(0, at) === name) return pair!.slice(at + 1);
  }
  return undefined;
}

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

export function formBody(form: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return body;
}

/** Signs in through the development login page and returns the session. */
export async function consoleSignIn(t: TestApp, user: { email: string; groups?: string[] }): Promise<ConsoleBrowser> {
  const page = await t.request('/console/login');
  const loginCookie = setCookieValue(page, 'remit_console_login');
  const loginCsrf = field(await page.text(), '_csrf');
  if (!loginCookie || !loginCsrf) throw new Error('the login page set no CSRF cookie or field');
  const signedIn = await t.request('/console/login', {
    method: 'POST',
    headers: { cookie: `remit_console_login=${loginCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ _csrf: loginCsrf, email: user.email, groups: (user.groups ?? []).join(','), next: '/console/account' }),
  });
  const cookie = setCookieValue(signedIn, 'remit_console');
  if (signedIn.status !== 303 || !cookie) throw new Error(`development login failed: ${signedIn.status} ${await signedIn.text()}`);
  const account = await t.request('/console/account', { headers: { cookie: `remit_console=${cookie}` } });
  const csrf = /"X-CSRF-Token":"([^"]+)"/.exec((await account.text()).replaceAll('&quot;', '"'))?.[1];
  if (!csrf) throw new Error('the console page carried no CSRF token');
  const headersFor = (htmx: boolean | undefined) => ({ cookie: `remit_console=${cookie}`, ...(htmx ? { 'hx-request': 'true' } : {}) });
  return {
    cookie,
    csrf,
    get: (path, init = {}) => t.request(path, { headers: headersFor(init.htmx) }),
    post: (path, form = {}, init = {}) => {
      const token = init.csrf === undefined ? csrf : init.csrf;
      return t.request(path, {
        method: 'POST',
        headers: { ...headersFor(init.htmx), 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
        body: formBody(token === false ? form : { ...form, _csrf: token }),
      });
    },
  };
}
