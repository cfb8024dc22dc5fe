import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BackendUnavailableError, InternalError, NotFoundError } from '../../errors.js';
import { toBackendError } from './errors.js';

const sqlite = (code: string, message = 'x') => new Database.SqliteError(message, code);

describe('toBackendError()', () => {
  const table: Array<[code: string, reason: RegExp]> = [
    ['SQLITE_FULL', /disk holding the database is full/],
    ['SQLITE_IOERR_WRITE', /disk failed/],
    ['SQLITE_IOERR', /disk failed/],
    ['SQLITE_READONLY', /read-only/],
    ['SQLITE_READONLY_DBMOVED', /read-only/],
    ['SQLITE_BUSY', /locked/],
    ['SQLITE_BUSY_SNAPSHOT', /locked/],
    ['SQLITE_CANTOPEN', /cannot be opened/],
  ];
  for (const [code, reason] of table) {
    it(`maps ${code} to BackendUnavailableError (503) with the reason and the code`, () => {
      const err = toBackendError(sqlite(code, 'database or disk is full'));
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.code, 'OCCI_ERR_BACKEND_UNAVAILABLE');
      assert.match(err.message, reason);
      assert.match(err.message, new RegExp(code));
    });
  }

  it('maps other SQLite errors (constraint, corrupt) to 500, and keeps OcciErrors', () => {
    assert.ok(toBackendError(sqlite('SQLITE_CONSTRAINT_UNIQUE')) instanceof InternalError);
    assert.ok(toBackendError(sqlite('SQLITE_CORRUPT')) instanceof InternalError);
    assert.ok(toBackendError(sqlite('SQLITE_FULLX')) instanceof InternalError, 'a prefix is not a code');
    const nf = new NotFoundError('x');
    assert.equal(toBackendError(nf), nf);
  });
});
