import { CodedError, type CodedErrorOptions } from '@remit/core';

/** Why the database could not be opened; each message names the setting or process to look at. */
type DatabaseErrorCode = 'data_dir_in_use' | 'database_unreachable' | 'owner_unavailable';

const messages: Record<DatabaseErrorCode, string> = {
  data_dir_in_use: 'the data directory is in use by another process; embedded PGlite allows one process at a time',
  database_unreachable: 'cannot connect to the database in DATABASE_URL',
  owner_unavailable: 'this process has only the request login (REMIT_DATABASE_APP_URL): schema changes need DATABASE_URL, the owner, as in `remit migrate`',
};

/** The one error base of @remit/db. Messages name no password; `cause` is for operators' logs. */
export class DatabaseError extends CodedError<DatabaseErrorCode> {
  constructor(code: DatabaseErrorCode, message?: string, options?: CodedErrorOptions) {
    super('DatabaseError', code, message ?? messages[code], options);
  }
}
