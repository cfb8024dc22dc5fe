import Database from 'better-sqlite3';
import { BackendUnavailableError, InternalError, OcciError } from '../../errors.js';

/**
 * SQLite result codes that mean "the database cannot serve now" (disk full,
 * I/O failure, read-only file, locked past busy_timeout, cannot open): a 503
 * the client may retry, with the reason an operator can act on. Extended
 * codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) belong to their primary code.
 */
const UNAVAILABLE: ReadonlyArray<[code: string, reason: string]> = [
  ['SQLITE_FULL', 'the disk holding the database is full'],
  ['SQLITE_IOERR', 'the disk failed a read or write of the database'],
  ['SQLITE_READONLY', 'the database is read-only (a read-only disk or file)'],
  ['SQLITE_BUSY', 'the database is locked by another writer'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened'],
];

export function isSqliteError(err: unknown): err is InstanceType<typeof Database.SqliteError> {
  return err instanceof Database.SqliteError;
}

/** Turns whatever the driver threw into the one error hierarchy, keeping it as `cause`. */
export function toBackendError(err: unknown): OcciError {
  if (err instanceof OcciError) return err;
  if (isSqliteError(err)) {
    const code = err.code;
    const known = UNAVAILABLE.find(([c]) => code === c || code.startsWith(`${c}_`));
    if (known) {
      return new BackendUnavailableError(`the database cannot serve now: ${known[1]} (${code}: ${err.message})`, { cause: err });
    }
    return new InternalError(`database error (${code}): ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`embedded backend: ${message}`, { cause: err });
}
