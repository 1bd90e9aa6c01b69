import type { ConfigEnv } from '@remit/core';
import { CliError } from './command-context.ts';

/** `--url` and `--token`, as commander hands them over (each falls back to REMIT_URL and REMIT_TOKEN). */
export interface ApiOptions {
  url?: string;
  token?: string;
}

/** An error answer from the API: its status and machine-readable code, and its message as the CLI prints it. */
export class ApiRequestError extends CliError {
  readonly status: number;
  readonly apiCode: string | undefined;

  constructor(status: number, apiCode: string | undefined, message: string) {
    super('failed', apiCode ? `${message} (${apiCode})` : message);
    this.status = status;
    this.apiCode = apiCode;
  }
}

export interface ApiClient {
  readonly url: string;
  readonly token: string;
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  /** What the server answers, or undefined for a 204. */
  delete<T = undefined>(path: string): Promise<T>;
  /**
   * Every item of a list, page after page: follows `nextCursor` while the server sends one, and
   * stops once `max` items are in. A server that does not page answers one `{items}`.
   */
  list<T>(path: string, query?: Record<string, string | undefined>, max?: number): Promise<T[]>;
  /** A raw response (the transcript stream); error answers throw like every other call. */
  open(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<Response>;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Path segments are ids or names; encoding them keeps a name from reaching another route. */
export const segment = (value: string) => encodeURIComponent(value);

function withQuery(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function errorFrom(res: Response): Promise<ApiRequestError> {
  // A body that is not our error envelope (a proxy's error page) leaves only the status to report.
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${res.status} ${res.statusText}`.trim();
  return new ApiRequestError(res.status, code, message);
}

export function createApiClient(options: { url: string; token: string; fetch?: Fetch }): ApiClient {
  const url = options.url.replace(/\/+$/, '');
  const send: Fetch = options.fetch ?? ((u, init) => fetch(u, init));
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> => {
    let res: Response;
    try {
      res = await send(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new CliError('failed', `cannot reach the Remit API at ${url}: start it with bin/remit serve, or set REMIT_URL`, { cause: err });
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  };
  const json = async <T>(res: Response): Promise<T> => (res.status === 204 ? undefined : await res.json()) as T;
  return {
    url,
    token: options.token,
    get: async (path, query) => json(await call('GET', withQuery(path, query))),
    post: async (path, body) => json(await call('POST', path, body)),
    patch: async (path, body) => json(await call('PATCH', path, body)),
    put: async (path, body) => json(await call('PUT', path, body)),
    delete: async (path) => json(await call('DELETE', path)),
    list: async <T>(path: string, query: Record<string, string | undefined> = {}, max = Infinity) => {
      const items: T[] = [];
      let cursor: string | undefined;
      do {
        const page = await json<{ items?: T[]; nextCursor?: string | null }>(await call('GET', withQuery(path, { ...query, cursor })));
        items.push(...(page.items ?? []));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < max);
      return items.slice(0, max);
    },
    open: (path, headers, signal) => call('GET', path, undefined, headers, signal),
  };
}

/**
 * Where the API is: `--url`, else REMIT_URL, else the server that owns this data directory
 * (`remit serve` or `remit demo` advertise their URL in its lock), else this machine's REMIT_PORT.
 */
export async function apiUrl(options: ApiOptions, config: ConfigEnv): Promise<string> {
  if (options.url) return options.url;
  const { runningServerUrl } = await import('../runtime/data-dir-owner.ts');
  return runningServerUrl(config) ?? `http://127.0.0.1:${config.REMIT_PORT}`;
}

/** The client for `--url`/`--token` (or REMIT_URL/REMIT_TOKEN); no token is a usage error that says how to get one. */
export async function apiFromOptions(options: ApiOptions, config: ConfigEnv): Promise<ApiClient> {
  if (!options.token)
    throw new CliError(
      'usage',
      'set REMIT_TOKEN (or pass --token); locally: export REMIT_TOKEN=$(bin/remit token --user you@example.com --groups developers | tail -1)',
    );
  return createApiClient({ url: await apiUrl(options, config), token: options.token });
}
