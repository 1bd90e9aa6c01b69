import type { Logger } from 'pino';

/** The authenticated caller, resolved once per request by the authenticate middleware. */
export interface Actor {
  userId: string;
  sub: string;
  email: string | null;
  groups: string[];
  roles: string[];
  isAdmin: boolean;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    actor: Actor;
  };
}
