import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * The cookie that binds an authorization to the browser that confirmed it on Remit's page.
 * - One per flow, named after the state's hash, so two flows in one browser do not clobber
 *   each other.
 * - Path is that connection's callback: the browser sends it nowhere else.
 * - SameSite=Lax, not Strict: the callback is a top-level GET navigation from the provider's
 *   site, which Lax lets through and Strict would not; cross-site subrequests and POSTs never
 *   carry it.
 * - HttpOnly: no script needs it. Secure whenever the browser reaches Remit over https.
 */
interface BrowserCookie {
  name: string;
  options: { path: string; httpOnly: true; sameSite: 'Lax'; secure: boolean };
}

export function browserCookie(c: Context, publicUrl: string, connection: string, state: string): BrowserCookie {
  const base = new URL(publicUrl);
  const secure = base.protocol === 'https:' || new URL(c.req.url).protocol === 'https:';
  return {
    name: `remit_oauth_${createHash('sha256').update(state).digest('hex').slice(0, 16)}`,
    options: { path: `${base.pathname.replace(/\/$/, '')}/v1/oauth/${connection}/callback`, httpOnly: true, sameSite: 'Lax', secure },
  };
}

export function setBrowserCookie(c: Context, cookie: BrowserCookie, value: string, expiresAt: Date): void {
  const maxAge = Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000));
  setCookie(c, cookie.name, value, { ...cookie.options, maxAge });
}

/** Reads the flow's cookie and tells the browser to drop it: it is spent with the state. */
export function takeBrowserCookie(c: Context, cookie: BrowserCookie): string | undefined {
  const value = getCookie(c, cookie.name);
  deleteCookie(c, cookie.name, cookie.options);
  return value;
}
