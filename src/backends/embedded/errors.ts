import Database from 'better-sqlite3';
import { BackendUnavailableError, InternalError, OcciError } from '../../errors.js';

/**
 * SQLite result codes that mean "the database cannot serve now" (disk full,
 * I/O failure, read-only file, locked past busy_timeout, cannot open): a 503
 * the client may retry. Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT)
 * belong to their primary code.
 */
const UNAVAILABLE = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_CANTOPEN'];

export function isSqliteError(err: unknown): err is InstanceType<typeof Database.SqliteError> {
  return err instanceof Database.SqliteError;
}

/** Turns whatever the driver threw into the one error hierarchy, keeping it as `cause`. */
export function toBackendError(err: unknown): OcciError {
  if (err instanceof OcciError) return err;
  if (isSqliteError(err)) {
    const code = err.code;
    if (UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`))) {
      return new BackendUnavailableError(`the database cannot serve now (${code}): ${err.message}`, { cause: err });
    }
    return new InternalError(`database error (${code}): ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`embedded backend: ${message}`, { cause: err });
}
