import { ErrorCode, RemitError } from '@remit/core';
import type { Context } from 'hono';
import { inProcessEnv } from '../http/in-process-principal.ts';
import type { ConsoleEnv } from './console-env.ts';

/** What the API answered to a console request: its data, or its error exactly as an API client would see it. */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: { code: ErrorCode; message: string } };

/** The API app's in-process entry: `app.request` of the app the console is mounted on. */
export type ApiRequest = (path: string, init: RequestInit, env: unknown) => Response | Promise<Response>;

/**
 * Calls the API as the signed-in user, in-process: the console never reads or writes the
 * database for a screen itself, so every rule, audit entry and error is the API's own.
 */
export class ConsoleApi {
  readonly #request: ApiRequest;
  readonly #c: Context<ConsoleEnv>;

  constructor(request: ApiRequest, c: Context<ConsoleEnv>) {
    this.#request = request;
    this.#c = c;
  }

  /** The raw response (streams: a run's events). */
  raw(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const c = this.#c;
    const user = c.var.user;
    const headers: Record<string, string> = { 'x-request-id': c.var.requestId, ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const env = inProcessEnv({ sub: user.sub, email: user.email, groups: user.groups }, (c.env as { incoming?: unknown } | undefined)?.incoming);
    return Promise.resolve(
      this.#request(path, { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }), signal: c.req.raw.signal }, env),
    );
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.raw(method, path, { body });
    if (res.status === 204) return { ok: true, status: 204, data: undefined as T };
    const json = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (res.ok) return { ok: true, status: res.status, data: json as T };
    const code = json?.error?.code;
    return {
      ok: false,
      status: res.status,
      error: { code: code && code in ErrorCode ? (code as ErrorCode) : 'internal', message: json?.error?.message ?? 'Internal error.' },
    };
  }

  get<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>('GET', path);
  }

  /** GET for a page that cannot render without the data: the API's refusal becomes the page's error. */
  async need<T>(path: string): Promise<T> {
    const res = await this.get<T>(path);
    if (!res.ok) throw new RemitError(res.error.code, res.error.message);
    return res.data;
  }
}
