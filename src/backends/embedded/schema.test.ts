import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, openDatabase } from './schema.js';

const version = (db: Database.Database) => db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();

describe('schema migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-schema-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has one migration per schema version', () => {
    assert.equal(MIGRATIONS.length, SCHEMA_VERSION);
  });

  it('openDatabase() brings a new database to SCHEMA_VERSION, in WAL mode, and reopening changes nothing', () => {
    const data = join(dir, 'fresh');
    let db = openDatabase(data);
    assert.equal(version(db), String(SCHEMA_VERSION));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    for (const t of ['entities', 'memberships', 'mixins', 'meta']) {
      assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t), `table ${t}`);
    }
    db.prepare("INSERT INTO mixins (id, origin, owner, location, data) VALUES ('a#b', 'user', NULL, '/t/b/', '{}')").run();
    db.close();
    db = openDatabase(data);
    assert.equal(version(db), String(SCHEMA_VERSION));
    assert.equal(db.prepare('SELECT count(*) FROM mixins').pluck().get(), 1, 'data kept across a reopen');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('migrates each version to the next, step by step, from an empty file (version 0)', () => {
    for (let from = 0; from < SCHEMA_VERSION; from++) {
      const data = join(dir, `step${from}`);
      mkdirSync(data);
      const raw = new Database(join(data, 'occi.sqlite'));
      raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      for (let v = 0; v < from; v++) raw.exec(MIGRATIONS[v]);
      if (from > 0) raw.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(from));
      raw.close();
      const db = openDatabase(data);
      assert.equal(version(db), String(SCHEMA_VERSION));
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
    }
  });

  it('refuses a database of a newer schema, naming both versions, and leaves it untouched', () => {
    const data = join(dir, 'newer');
    openDatabase(data).close();
    const raw = new Database(join(data, 'occi.sqlite'));
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    raw.close();
    assert.throws(() => openDatabase(data), new RegExp(`newer occi-server \\(schema version ${SCHEMA_VERSION + 1}\\).*schema version ${SCHEMA_VERSION} at most`));
    const check = new Database(join(data, 'occi.sqlite'), { readonly: true });
    assert.equal(version(check), String(SCHEMA_VERSION + 1));
    check.close();
  });

  it('refuses an unreadable schema_version', () => {
    const data = join(dir, 'garbled');
    openDatabase(data).close();
    const raw = new Database(join(data, 'occi.sqlite'));
    raw.prepare("UPDATE meta SET value = 'two' WHERE key = 'schema_version'").run();
    raw.close();
    assert.throws(() => openDatabase(data), /unreadable schema_version "two"/);
  });
});
