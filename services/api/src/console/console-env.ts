import type { Principal } from '@remit/core';
import type { AppEnv } from '../http/app-env.ts';

/** The signed-in browser, as its session holds it. */
export interface ConsoleUser extends Principal {
  userId: string;
  /** From the configured admin group, exactly as the API decides it. */
  isAdmin: boolean;
  /** Sent back in every form (`_csrf`) and every htmx request (`X-CSRF-Token`). */
  csrfToken: string;
  /** SHA-256 of the session cookie: what logout deletes. */
  sessionHash: string;
}

export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & { user: ConsoleUser };
}
