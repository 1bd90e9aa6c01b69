/** Why this process refuses to start; each message says what to do about it. */
type StartupErrorCode = 'bubblewrap_missing' | 'request_login_unchecked' | 'request_login_unsafe';

const messages: Record<StartupErrorCode, string> = {
  bubblewrap_missing: 'bubblewrap is not installed, and local sandboxes need it: apt-get install -y bubblewrap (then bin/remit doctor)',
  request_login_unchecked:
    'the request login (REMIT_DATABASE_APP_URL; default: DATABASE_URL as remit_app) could not be checked; set REMIT_DATABASE_APP_URL, then run bin/remit doctor',
  request_login_unsafe: 'refusing to serve requests as a database login that could get past row-level security. Run bin/remit doctor for the fix',
};

/** A refusal to start, printed as one line without a stack (exit 1); `cause` is for the log. */
export class StartupError extends Error {
  readonly code: StartupErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: StartupErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? messages[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StartupError';
    this.code = code;
    this.details = options?.details;
  }
}
