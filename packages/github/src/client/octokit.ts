import { Octokit } from '@octokit/core';

/** Where and how a client reaches GitHub: `baseUrl` for GitHub Enterprise Server or the fake; `fetch` to route or record. */
export interface GithubConnection {
  /** Default `https://api.github.com`; GitHub Enterprise Server: `https://<host>/api/v3`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request; a hung connection would otherwise hold a run. Default 30,000 ms. */
  timeoutMs?: number;
}

export function createOctokit(auth: string, connection: GithubConnection): Octokit {
  return new Octokit({
    auth,
    baseUrl: connection.baseUrl ?? 'https://api.github.com',
    userAgent: 'remit-github',
    // A redirect would carry the Authorization header to wherever it points.
    request: { fetch: connection.fetch, redirect: 'error' },
    // Octokit logs deprecations and 4xx warnings to the console; our callers log what matters.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

export function requestSignal(connection: GithubConnection): AbortSignal {
  return AbortSignal.timeout(connection.timeoutMs ?? 30_000);
}
