import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runSync, type Op } from './op.js';
import type { TagDatabase, TagMixinRow, TagRow, TagTables } from './tag-store.js';

/** `PRAGMA user_version` of tags.sqlite: 1 has a name space per owner. */
export const TAG_SCHEMA_VERSION = 1;

/**
 * The tag store in SQLite: `<dir>/tags.sqlite` (or `:memory:`), WAL, each
 * write one IMMEDIATE transaction. Several worker processes may share the
 * file; another's commit shows in `PRAGMA data_version`.
 */
export class SqliteTagDatabase implements TagDatabase {
  readonly #db: Database.Database;
  readonly #tables: SqliteTagTables;
  #dataVersion: number;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#tables = new SqliteTagTables(db);
    this.#dataVersion = this.#currentDataVersion();
  }

  static open(dir: string): SqliteTagDatabase {
    let file = ':memory:';
    if (dir !== ':memory:') {
      mkdirSync(dir, { recursive: true });
      file = join(dir, 'tags.sqlite');
    }
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.transaction(() => migrate(db, file)).immediate();
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteTagDatabase(db);
  }

  async read<T>(fn: (tables: TagTables) => Op<T>): Promise<T> {
    return runSync(fn(this.#tables));
  }

  async write<T>(fn: (tables: TagTables) => Op<T>): Promise<T> {
    return this.#db.transaction(() => runSync(fn(this.#tables))).immediate();
  }

  modelMaybeChanged(): boolean {
    const now = this.#currentDataVersion();
    const changed = now !== this.#dataVersion;
    this.#dataVersion = now;
    return changed;
  }

  onModelChange(): void {
    // Other processes' commits are seen through data_version at the next refresh.
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #currentDataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }
}

/** Brings tags.sqlite to TAG_SCHEMA_VERSION; a file written by a newer server is refused. */
function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > TAG_SCHEMA_VERSION) {
    throw new Error(
      `${file} was written by a newer occi-server (tag schema version ${version}); ` +
        `this occi-server understands tag schema version ${TAG_SCHEMA_VERSION} at most. Upgrade occi-server or use another directory.`,
    );
  }
  if (version === TAG_SCHEMA_VERSION) return;
  // 0 -> 1. Version 0 had one name space for everyone: its rows move into their owners' spaces.
  const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tag_mixins'").get() !== undefined;
  db.exec(TAG_SCHEMA.replaceAll('{new}', old ? '_new' : ''));
  if (old) {
    db.exec(`
      INSERT INTO tag_mixins_new (rowid, owner, id, location, data) SELECT rowid, owner, id, location, data FROM tag_mixins ORDER BY rowid;
      INSERT INTO tag_members_new (owner, location, mixin) SELECT m.owner, t.location, t.mixin FROM tag_members t JOIN tag_mixins m ON m.id = t.mixin;
      DROP TABLE tag_members;
      DROP TABLE tag_mixins;
      ALTER TABLE tag_mixins_new RENAME TO tag_mixins;
      ALTER TABLE tag_members_new RENAME TO tag_members;
    `);
  }
  db.exec('CREATE INDEX IF NOT EXISTS tag_members_mixin ON tag_members(owner, mixin)');
  db.pragma(`user_version = ${TAG_SCHEMA_VERSION}`);
}

const TAG_SCHEMA = `
  CREATE TABLE tag_mixins{new} (
    owner TEXT NOT NULL, id TEXT NOT NULL, location TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (owner, id), UNIQUE (owner, location)
  );
  CREATE TABLE tag_members{new} (
    owner TEXT NOT NULL, location TEXT NOT NULL, mixin TEXT NOT NULL,
    PRIMARY KEY (location, owner, mixin),
    FOREIGN KEY (owner, mixin) REFERENCES tag_mixins{new}(owner, id) ON DELETE CASCADE
  );`;

/** The statements, answered at once (the steps never yield). */
class SqliteTagTables implements TagTables {
  readonly #db: Database.Database;
  readonly #tagsOf: Database.Statement;
  readonly #insertMember: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#tagsOf = db.prepare('SELECT location, mixin FROM tag_members WHERE location IN (SELECT value FROM json_each(?)) ORDER BY rowid');
    this.#insertMember = db.prepare('INSERT OR IGNORE INTO tag_members (owner, location, mixin) VALUES (?, ?, ?)');
  }

  *mixinRows(): Op<TagMixinRow[]> {
    return this.#db.prepare('SELECT id, owner, location, data FROM tag_mixins ORDER BY rowid').all() as TagMixinRow[];
  }

  *findMixin(owner: string, id: string, location: string): Op<{ id: string; location: string } | undefined> {
    return this.#db.prepare('SELECT id, location FROM tag_mixins WHERE owner = ? AND (id = ? OR location = ?)').get(owner, id, location) as
      { id: string; location: string } | undefined;
  }

  *insertMixin(owner: string, id: string, location: string, data: string): Op<void> {
    this.#db.prepare('INSERT INTO tag_mixins (owner, id, location, data) VALUES (?, ?, ?, ?)').run(owner, id, location, data);
  }

  *deleteMixin(owner: string, id: string): Op<boolean> {
    return this.#db.prepare('DELETE FROM tag_mixins WHERE owner = ? AND id = ?').run(owner, id).changes > 0;
  }

  *mixinIds(owner: string): Op<string[]> {
    return this.#db.prepare('SELECT id FROM tag_mixins WHERE owner = ?').pluck().all(owner) as string[];
  }

  *clearLocation(location: string): Op<void> {
    this.#db.prepare('DELETE FROM tag_members WHERE location = ?').run(location);
  }

  *insertMember(owner: string, location: string, mixin: string): Op<void> {
    this.#insertMember.run(owner, location, mixin);
  }

  *tagRows(locations: readonly string[] | undefined): Op<TagRow[]> {
    if (locations === undefined) return this.#db.prepare('SELECT location, mixin FROM tag_members ORDER BY rowid').all() as TagRow[];
    return this.#tagsOf.all(JSON.stringify(locations)) as TagRow[];
  }

  *members(owner: string, ids: readonly string[]): Op<string[]> {
    return this.#db.prepare('SELECT location FROM tag_members WHERE owner = ? AND mixin IN (SELECT value FROM json_each(?))').pluck().all(owner, JSON.stringify(ids)) as string[];
  }

  *forget(locations: readonly string[]): Op<void> {
    this.#db.prepare('DELETE FROM tag_members WHERE location IN (SELECT value FROM json_each(?))').run(JSON.stringify(locations));
  }

  *modelChanged(): Op<void> {
    // Other processes read data_version.
  }
}
