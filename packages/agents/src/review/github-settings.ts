/**
 * The GitHub App Remit reviews as (REMIT_GITHUB_*): it reads pull requests and posts reviews
 * and check runs with installation tokens only the orchestrator holds; the sandbox gets a
 * separate token narrowed to one repository with contents: read.
 */
export interface GithubSettings {
  appId: number;
  /** PEM, as GitHub hands it out. */
  privateKey: string;
  /** The REST API: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  apiUrl: string;
  /** Where git fetches repositories from (https://github.com, https://HOST); the sandbox's checkout goes there through the egress proxy. */
  gitUrl: string;
  /** Private ranges the git host may resolve to (GitHub Enterprise Server on a private network). */
  allowCidrs: readonly string[];
  /** Injected by tests; default: the global fetch. */
  fetch?: typeof fetch;
  /** Retry waits, for tests; default: real sleeps. */
  sleep?: (ms: number) => Promise<void>;
}

/** The git host of a GitHub API URL: api.github.com is served from github.com; GitHub Enterprise Server's API lives under /api/v3. */
export function gitUrlOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}
