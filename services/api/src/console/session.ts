import { createHash, randomBytes } from 'node:crypto';
import { appendAudit } from '@remit/audit';
import type { Principal } from '@remit/core';
import { createConsoleSession, deleteConsoleSession, findConsoleSession, upsertUser, type Sql } from '@remit/db';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../http/deps.ts';
import type { ConsoleUser } from './console-env.ts';

/** A console session lasts a working day; then the browser signs in again (and the IdP's groups are read again). */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

const SESSION_COOKIE = 'remit_console';

/** A new random secret for a cookie or a CSRF token: 256 bits, base64url. */
export const randomToken = () => randomBytes(32).toString('base64url');

/** What the database keeps of a cookie: its SHA-256, so a read of the table yields no usable cookie. */
export const cookieHash = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * The session cookie: the session id only (never a token), HttpOnly so no script reads it,
 * SameSite=Lax so cross-site subrequests and posts never carry it, Secure whenever the browser
 * reaches Remit over https, and scoped to the console's paths.
 */
function cookieOptions(c: Context, publicUrl: string, path: string) {
  const secure = new URL(publicUrl).protocol === 'https:' || new URL(c.req.url).protocol === 'https:';
  return { path, httpOnly: true, sameSite: 'Lax' as const, secure };
}

export function setSessionCookie(c: Context, publicUrl: string, value: string): void {
  setCookie(c, SESSION_COOKIE, value, { ...cookieOptions(c, publicUrl, '/console'), maxAge: SESSION_TTL_SECONDS });
}

export function clearSessionCookie(c: Context, publicUrl: string): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c, publicUrl, '/console'));
}

/** A short-lived cookie for one step of signing in (a login form's CSRF token, an OIDC flow's key). */
export function setLoginCookie(c: Context, publicUrl: string, name: string, value: string, path: string, maxAge: number): void {
  setCookie(c, name, value, { ...cookieOptions(c, publicUrl, path), maxAge });
}

export function takeLoginCookie(c: Context, publicUrl: string, name: string, path: string): string | undefined {
  const value = getCookie(c, name);
  deleteCookie(c, name, cookieOptions(c, publicUrl, path));
  return value;
}

const tenant = <T>(deps: AppDeps, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn);

/** The signed-in user of this request, or undefined when its cookie names no live session. */
export async function currentUser(c: Context, deps: AppDeps): Promise<ConsoleUser | undefined> {
  const value = getCookie(c, SESSION_COOKIE);
  if (!value || value.length > 100) return undefined;
  const sessionHash = cookieHash(value);
  const session = await tenant(deps, (sql) => findConsoleSession(sql, sessionHash));
  if (!session) return undefined;
  return {
    userId: session.userId,
    sub: session.sub,
    email: session.email,
    groups: session.groups,
    isAdmin: session.groups.includes(deps.adminGroup),
    csrfToken: session.csrfToken,
    sessionHash,
  };
}

/** Starts a session for a verified principal, audited with how they signed in; sets the cookie. */
export async function startSession(c: Context, deps: AppDeps, principal: Principal, method: 'oidc' | 'development'): Promise<void> {
  const value = randomToken();
  await tenant(deps, async (sql) => {
    const user = await upsertUser(sql, principal);
    await createConsoleSession(sql, cookieHash(value), { userId: user.id, ...principal, csrfToken: randomToken(), ttlSeconds: SESSION_TTL_SECONDS });
    await appendAudit(sql, {
      actorId: user.id,
      action: 'console.login',
      targetType: 'user',
      targetId: user.id,
      outcome: 'success',
      requestId: c.get('requestId'),
      detail: { method },
    });
  });
  setSessionCookie(c, deps.publicUrl, value);
}

/** Ends the session (logout), audited. */
export async function endSession(c: Context, deps: AppDeps, user: ConsoleUser): Promise<void> {
  await tenant(deps, async (sql) => {
    await deleteConsoleSession(sql, user.sessionHash);
    await appendAudit(sql, {
      actorId: user.userId,
      action: 'console.logout',
      targetType: 'user',
      targetId: user.userId,
      outcome: 'success',
      requestId: c.get('requestId'),
    });
  });
  clearSessionCookie(c, deps.publicUrl);
}
