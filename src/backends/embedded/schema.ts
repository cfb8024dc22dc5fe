import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The schema version this code writes; a database at a higher one is refused. */
export const SCHEMA_VERSION = 2;

/**
 * Ordered migrations: step `i` takes a database from version `i` to `i + 1`.
 * Append, never edit a step that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entities (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    location TEXT UNIQUE NOT NULL,
    id TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- a link goes with its source resource (Core §12, composition)
    source TEXT REFERENCES entities(location) ON DELETE CASCADE,
    target TEXT,
    version INTEGER NOT NULL,
    -- JSON: { mixins, attributes, targetKind?, sourceKind? }
    data TEXT NOT NULL
  );
  CREATE INDEX entities_kind ON entities(kind, seq);
  CREATE INDEX entities_owner ON entities(owner, kind, seq);
  CREATE INDEX entities_source ON entities(source);
  CREATE INDEX entities_target ON entities(target);
  -- mixin collections (Core §10), kept in step with data.mixins
  CREATE TABLE memberships (
    mixin TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES entities(location) ON DELETE CASCADE,
    PRIMARY KEY (mixin, location)
  ) WITHOUT ROWID;
  CREATE INDEX memberships_location ON memberships(location);
  CREATE TABLE mixins (
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('user', 'saved')),
    owner TEXT,
    location TEXT UNIQUE NOT NULL,
    -- JSON: { scheme, term, title?, depends, applies, source? }
    data TEXT NOT NULL
  );
  `,
  // 2: entities per owner, kept by triggers (also for rows a cascade deletes), so the
  // per-user quota (--max-entities-per-user) is one lookup, not a count over the owner's rows.
  `
  CREATE TABLE owners (
    owner TEXT PRIMARY KEY,
    entities INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO owners (owner, entities) SELECT owner, count(*) FROM entities GROUP BY owner;
  CREATE TRIGGER owners_insert AFTER INSERT ON entities BEGIN
    INSERT INTO owners (owner, entities) VALUES (new.owner, 1) ON CONFLICT(owner) DO UPDATE SET entities = entities + 1;
  END;
  CREATE TRIGGER owners_delete AFTER DELETE ON entities BEGIN
    UPDATE owners SET entities = entities - 1 WHERE owner = old.owner;
  END;
  `,
];

export type Synchronous = 'NORMAL' | 'FULL';

/**
 * Opens (creating it when absent) `<dataDir>/occi.sqlite`, or an in-memory
 * database for `:memory:`, and brings its schema up to date.
 *
 * WAL with synchronous=NORMAL commits every transaction to the WAL before
 * returning, so an acknowledged write survives `kill -9` of the process; only
 * a power loss or OS crash may lose the last transactions. FULL also fsyncs
 * the WAL on every commit and survives power loss, at the cost of one fsync
 * per write.
 */
export function openDatabase(dataDir: string, synchronous: Synchronous = 'NORMAL'): Database.Database {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'occi.sqlite');
  }
  const db = new Database(file);
  try {
    // First, so that switching to WAL waits for another process instead of failing.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // Savepoints (one per write in a group commit) journal in memory, not in a temporary file.
    db.pragma('temp_store = MEMORY');
    migrate(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Database.Database, file: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    const current = row ? Number(row.value) : 0;
    if (!Number.isInteger(current) || current < 0) throw new Error(`the database ${file} has an unreadable schema_version "${row?.value}"`);
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the database ${file} was written by a newer occi-server (schema version ${row?.value}); ` +
          `this occi-server understands schema version ${SCHEMA_VERSION} at most. Upgrade occi-server or use another data directory.`,
      );
    }
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
      String(SCHEMA_VERSION),
    );
  }).immediate();
}
