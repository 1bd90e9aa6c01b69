import type { OidcLogin } from './oidc-login.ts';

/** One line of the health screen: what is checked, whether it is fine, and if not how to fix it. */
export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it is not fine. */
  fix?: string | undefined;
}

/** How browsers sign in to the console. */
export type ConsoleLogin =
  | { kind: 'oidc'; issuer: string; oidc: OidcLogin }
  /** The development issuer is active: a page to pick a user and groups (never with a real IdP). */
  | { kind: 'development' }
  | { kind: 'unavailable'; why: string };

export interface ConsoleDeps {
  login: ConsoleLogin;
  /** The health screen's live checks (the ones `remit doctor` makes); absent: the database only. */
  health?: (() => Promise<HealthCheck[]>) | undefined;
}
