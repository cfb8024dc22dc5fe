import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, openDatabase } from './schema.js';
import { SqliteStore } from './store.js';

const version = (db: Database.Database) => db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();

describe('schema migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-schema-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A database file in `dir/name` as schema version `at` left it; the raw connection stays open for the test's rows. */
  function databaseAt(name: string, at: number, options: { foreignKeys?: boolean } = {}): { data: string; raw: Database.Database } {
    const data = join(dir, name);
    mkdirSync(data);
    const raw = new Database(join(data, 'occi.sqlite'));
    if (options.foreignKeys) raw.pragma('foreign_keys = ON');
    raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (let v = 0; v < at; v++) raw.exec(MIGRATIONS[v]);
    if (at > 0) raw.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(at));
    return { data, raw };
  }

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
      const { data, raw } = databaseAt(`step${from}`, from);
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

  it('renames owners of a database from before owners carried their scheme, only once the operator names it', () => {
    const { data, raw } = databaseAt('legacy', 2);
    const entity = raw.prepare("INSERT INTO entities (location, id, kind, owner, version, data) VALUES (?, ?, 'k', ?, 1, '{}')");
    for (const [i, owner] of ['alice', 'alice', 'group:ops', 'anonymous'].entries()) entity.run(`/compute/${i}`, String(i), owner);
    raw.prepare("INSERT INTO mixins (id, origin, owner, location, data) VALUES ('s#t', 'user', 'alice', '/t/', '{}')").run();
    // A link and a membership: the owner is part of the keys they refer by (migration 4), renamed together.
    raw.prepare("INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES ('/link/l', 'l', 'k', 'alice', '/compute/0', '/compute/1', 1, '{}')").run();
    raw.prepare("INSERT INTO memberships (mixin, location) VALUES ('s#t', '/compute/0')").run();
    raw.close();
    const owners = (db: Database.Database) => db.prepare('SELECT owner, count(*) AS n FROM entities GROUP BY owner ORDER BY owner').all();

    assert.throws(() => openDatabase(data), /2 owner\(s\).*"alice", "group:ops".*--legacy-owner-scheme basic\|oidc/);
    assert.throws(() => openDatabase(data, 'NORMAL', 'kerberos'), /"kerberos" is not one of basic/);
    let check = new Database(join(data, 'occi.sqlite'), { readonly: true });
    assert.deepEqual(owners(check), [{ owner: 'alice', n: 3 }, { owner: 'anonymous', n: 1 }, { owner: 'group:ops', n: 1 }], 'refused: nothing renamed');
    check.close();

    let db = openDatabase(data, 'NORMAL', 'oidc');
    assert.deepEqual(owners(db), [{ owner: 'anonymous', n: 1 }, { owner: 'group:oidc:ops', n: 1 }, { owner: 'oidc:alice', n: 3 }]);
    assert.deepEqual(db.prepare('SELECT owner, mixin, location FROM memberships').all(), [{ owner: 'oidc:alice', mixin: 's#t', location: '/compute/0' }]);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.equal(db.prepare("SELECT owner FROM mixins WHERE id = 's#t'").pluck().get(), 'oidc:alice');
    assert.deepEqual(db.prepare('SELECT owner, entities AS n FROM owners WHERE entities > 0 ORDER BY owner').all(), owners(db), 'the per-owner counts follow');
    db.close();
    db = openDatabase(data);
    assert.equal(db.prepare("SELECT count(*) FROM meta WHERE key = 'legacy_owners'").pluck().get(), 0, 'done once: no flag needed any more');
    db.close();
    check = new Database(join(data, 'occi.sqlite'), { readonly: true });
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
  });

  it('migration 4 moves a version-3 database with data into per-owner name spaces: rows, links, memberships, counts and seq kept', () => {
    const { data, raw } = databaseAt('v3', 3, { foreignKeys: true });
    const entity = raw.prepare("INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES (?, ?, 'k', ?, ?, ?, 1, '{}')");
    entity.run('/compute/a', 'a', 'basic:alice', null, null);
    entity.run('/link/l', 'l', 'basic:alice', '/compute/a', '/storage/s');
    entity.run('/compute/b', 'b', 'basic:bob', null, null);
    entity.run('/storage/s', 's', 'basic:alice', null, null);
    entity.run('/compute/gone', 'gone', 'basic:bob', null, null);
    raw.prepare("DELETE FROM entities WHERE location = '/compute/gone'").run();
    // A link moved to a source made after it: its row comes before its source's in seq order.
    entity.run('/compute/late', 'late', 'basic:alice', null, null);
    raw.prepare("UPDATE entities SET source = '/compute/late' WHERE location = '/link/l'").run();
    raw.prepare("INSERT INTO mixins (id, origin, owner, location, data) VALUES ('s#t', 'user', 'basic:alice', '/tags/t/', '{}')").run();
    raw.prepare("INSERT INTO memberships (mixin, location) VALUES ('s#t', '/compute/a'), ('s#t', '/compute/late')").run();
    const before = raw.prepare('SELECT seq, location, id, kind, owner, source, target, version, data FROM entities ORDER BY seq').all();
    raw.close();

    const db = openDatabase(data);
    assert.equal(version(db), String(SCHEMA_VERSION));
    assert.deepEqual(db.prepare('SELECT seq, location, id, kind, owner, source, target, version, data FROM entities ORDER BY seq').all(), before, 'every row as it was');
    assert.deepEqual(db.prepare('SELECT owner, mixin, location FROM memberships ORDER BY location').all(), [
      { owner: 'basic:alice', mixin: 's#t', location: '/compute/a' }, { owner: 'basic:alice', mixin: 's#t', location: '/compute/late' },
    ]);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // Per owner now: bob may take alice's location, id and mixin names.
    db.prepare("INSERT INTO entities (location, id, kind, owner, version, data) VALUES ('/compute/a', 'a', 'k', 'basic:bob', 1, '{}')").run();
    db.prepare("INSERT INTO mixins (id, origin, owner, location, data) VALUES ('s#t', 'user', 'basic:bob', '/tags/t/', '{}')").run();
    assert.throws(() => db.prepare("INSERT INTO entities (location, id, kind, owner, version, data) VALUES ('/compute/a', 'x', 'k', 'basic:bob', 1, '{}')").run(), /UNIQUE/);
    assert.ok(Number(db.prepare("SELECT seq FROM entities WHERE owner = 'basic:bob' AND location = '/compute/a'").pluck().get()) > 6, 'seq goes on after the deleted row');
    // The counts and their triggers; deleting a resource takes its links and memberships, of its owner only.
    const count = (owner: string) => db.prepare('SELECT entities FROM owners WHERE owner = ?').pluck().get(owner);
    assert.equal(count('basic:bob'), 2);
    db.prepare("DELETE FROM entities WHERE owner = 'basic:alice' AND location = '/compute/late'").run();
    assert.equal(count('basic:alice'), 2, 'the link went with its source');
    assert.deepEqual(db.prepare('SELECT location FROM memberships').pluck().all(), ['/compute/a']);
    assert.equal(db.prepare("SELECT count(*) FROM entities WHERE location = '/compute/a'").pluck().get(), 2, "bob's /compute/a is not alice's");
    db.close();
  });

  it('migration 5 makes the source and target indexes of a version-4 database partial (links only), keeping every row', () => {
    const { data, raw } = databaseAt('v4', 4, { foreignKeys: true });
    const entity = raw.prepare("INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES (?, ?, 'k', ?, ?, ?, 1, '{}')");
    entity.run('/compute/a', 'a', 'basic:alice', null, null);
    entity.run('/storage/s', 's', 'basic:alice', null, null);
    entity.run('/link/l', 'l', 'basic:alice', '/compute/a', '/storage/s');
    entity.run('/link/x', 'x', 'basic:alice', '/compute/a', 'http://example.org/elsewhere');
    entity.run('/compute/a', 'a', 'basic:bob', null, null);
    raw.prepare("INSERT INTO memberships (owner, mixin, location) VALUES ('basic:alice', 's#t', '/compute/a')").run();
    const rows = (db: Database.Database) => db.prepare('SELECT * FROM entities ORDER BY seq').all();
    const before = rows(raw);
    raw.close();

    const db = openDatabase(data);
    assert.equal(version(db), String(SCHEMA_VERSION));
    assert.deepEqual(rows(db), before, 'every row as it was');
    assert.equal(db.prepare('SELECT count(*) FROM memberships').pluck().get(), 1);
    const sql = (name: string) => db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(name);
    assert.equal(sql('entities_source'), 'CREATE INDEX entities_source ON entities(owner, source) WHERE source IS NOT NULL');
    assert.equal(sql('entities_target'), 'CREATE INDEX entities_target ON entities(owner, target) WHERE target IS NOT NULL');
    // The links are found through them, as before.
    const indexed = (index: string) => db.prepare(`SELECT location FROM entities INDEXED BY ${index} WHERE owner = 'basic:alice' AND ${index === 'entities_source' ? 'source' : 'target'} > '' ORDER BY seq`).pluck().all();
    assert.deepEqual(indexed('entities_source'), ['/link/l', '/link/x']);
    assert.deepEqual(indexed('entities_target'), ['/link/l', '/link/x']);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // Deleting a resource still takes its links (the foreign key searches the partial index).
    db.prepare("DELETE FROM entities WHERE owner = 'basic:alice' AND location = '/compute/a'").run();
    assert.deepEqual(db.prepare('SELECT owner, location FROM entities ORDER BY seq').all(), [
      { owner: 'basic:alice', location: '/storage/s' }, { owner: 'basic:bob', location: '/compute/a' },
    ]);
    db.close();
  });

  it('every statement of SqliteStore that looks links up by source or target searches their index, never scans entities', () => {
    const db = openDatabase(':memory:');
    // The statements as the store prepares them, so that one changed later is checked as it is.
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((text: string) => {
      prepared.push(text);
      return prepare(text);
    }) as typeof db.prepare;
    new SqliteStore(db);
    db.prepare = prepare;
    const plan = (text: string) => db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...text.split('?').slice(1).map(() => 'x')).map((r) => (r as { detail: string }).detail);
    const byEnd = prepared.filter((text) => /\b(?:WHERE|ON)\b.*\b(?:source|target)\b/.test(text));
    assert.ok(byEnd.length >= 4, `found ${byEnd.length}: linksOf, linksFrom, linksTo, deleteIncoming`);
    for (const text of byEnd) {
      const column = /\b(?:WHERE|ON)\b.*\btarget\s*=/.test(text) ? 'target' : 'source';
      const steps = plan(text);
      assert.ok(steps.some((s) => s.includes(`INDEX entities_${column} (owner=? AND ${column}=?)`)), `${text}: ${steps.join('; ')}`);
      assert.ok(!steps.some((s) => /^SCAN (?:entities|e)\b/.test(s)), `${text}: ${steps.join('; ')}`);
    }
    // Deleting an entity: the foreign key's search for the links of a deleted resource (ON DELETE CASCADE).
    const deletes = prepared.filter((text) => text.startsWith('DELETE FROM entities'));
    assert.ok(deletes.length >= 2);
    for (const text of deletes) {
      const steps = plan(text);
      assert.ok(steps.includes('SEARCH entities USING COVERING INDEX entities_source (owner=? AND source=?)'), `${text}: ${steps.join('; ')}`);
    }
    db.close();
  });

  it('does not mark a database whose owners were written with their scheme', () => {
    const data = join(dir, 'qualified');
    const db = openDatabase(data);
    db.prepare("INSERT INTO entities (location, id, kind, owner, version, data) VALUES ('/compute/a', 'a', 'k', 'basic:alice', 1, '{}')").run();
    db.close();
    openDatabase(data).close();
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
