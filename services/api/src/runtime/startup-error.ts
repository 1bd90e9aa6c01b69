/** Why this process refuses to start; each message says what to do about it. */
type StartupErrorCode =
  | 'bubblewrap_missing'
  | 'request_login_unchecked'
  | 'request_login_unsafe'
  | 'data_dir_in_use'
  | 'database_unreachable'
  | 'schema_behind'
  | 'org_missing'
  | 'worker_needs_database_url'
  | 'github_key_unreadable'
  | 'sandbox_gateway_unknown';

const messages: Record<StartupErrorCode, string> = {
  bubblewrap_missing: 'bubblewrap is not installed, and local sandboxes need it: apt-get install -y bubblewrap (then bin/remit doctor)',
  request_login_unchecked:
    'the request login (REMIT_DATABASE_APP_URL; default: DATABASE_URL as remit_app) could not be checked; set REMIT_DATABASE_APP_URL, then run bin/remit doctor',
  request_login_unsafe: 'refusing to serve requests as a database login that could get past row-level security. Run bin/remit doctor for the fix',
  data_dir_in_use:
    'the data directory is in use by another process, and embedded PGlite allows one; stop it, or point this command at it with REMIT_URL and REMIT_TOKEN',
  database_unreachable: 'cannot connect to the database in DATABASE_URL; check it, or unset it to use embedded PGlite',
  schema_behind: 'the database schema is older than this release; run `remit migrate` with DATABASE_URL (the owner) first',
  org_missing: 'the org in REMIT_ORG is not in the database; run `remit migrate` with REMIT_ORG and DATABASE_URL (the owner) first',
  github_key_unreadable: 'REMIT_GITHUB_APP_PRIVATE_KEY_FILE cannot be read; point it at the PEM file GitHub gave you, or set REMIT_GITHUB_APP_PRIVATE_KEY',
  sandbox_gateway_unknown: 'REMIT_SANDBOX_GATEWAY_HOST: set it to the address sandbox tasks reach this worker at',
  worker_needs_database_url:
    'a separate worker needs DATABASE_URL: without it the database is embedded PGlite, which one process owns, and remit serve already runs a worker on it. Set DATABASE_URL to a PostgreSQL database that serve and every worker share',
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
