import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The schema version this code writes; a database at a higher one is refused. */
export const SCHEMA_VERSION = 5;

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
  // 3: owners are named with the scheme that proved them ("basic:alice", "group:oidc:ops").
  // A database holding owners named before ("alice", "group:ops") is marked; the server
  // renames them once the operator names their scheme (qualifyLegacyOwners), and refuses to
  // start until then rather than hide everyone's entities.
  `
  INSERT INTO meta (key, value)
    SELECT 'legacy_owners', '1'
    WHERE EXISTS (SELECT 1 FROM entities WHERE owner <> 'anonymous')
       OR EXISTS (SELECT 1 FROM mixins WHERE owner IS NOT NULL AND owner <> 'anonymous');
  `,
  // 4: a name space per owner (issue 13 §7): entity locations and ids, user mixin ids and
  // locations are unique per owner, so whether another tenant holds a name is never observable.
  // SQLite changes a UNIQUE or a foreign key by rebuilding the table; the new tables refer to
  // each other as *_new, which the renames rewrite. Foreign keys are checked at COMMIT (a moved
  // link may precede its new source in seq order). Seq numbers go on where they were.
  `
  PRAGMA defer_foreign_keys = ON;
  CREATE TABLE entities_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    location TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- a link goes with its source resource (Core §12, composition), of the same owner
    source TEXT,
    target TEXT,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (owner, location),
    UNIQUE (owner, id),
    FOREIGN KEY (owner, source) REFERENCES entities_new(owner, location) ON DELETE CASCADE
  );
  INSERT INTO entities_new (seq, location, id, kind, owner, source, target, version, data)
    SELECT seq, location, id, kind, owner, source, target, version, data FROM entities ORDER BY seq;
  DELETE FROM sqlite_sequence WHERE name = 'entities_new';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'entities_new', seq FROM sqlite_sequence WHERE name = 'entities';
  CREATE TABLE memberships_new (
    owner TEXT NOT NULL,
    mixin TEXT NOT NULL,
    location TEXT NOT NULL,
    PRIMARY KEY (owner, mixin, location),
    FOREIGN KEY (owner, location) REFERENCES entities_new(owner, location) ON DELETE CASCADE
  ) WITHOUT ROWID;
  INSERT INTO memberships_new (owner, mixin, location)
    SELECT e.owner, m.mixin, m.location FROM memberships m JOIN entities e ON e.location = m.location;
  CREATE TABLE mixins_new (
    id TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('user', 'saved')),
    owner TEXT,
    location TEXT NOT NULL,
    -- JSON: { scheme, term, title?, depends, applies, source? }
    data TEXT NOT NULL,
    UNIQUE (owner, id),
    UNIQUE (owner, location)
  );
  INSERT INTO mixins_new (rowid, id, origin, owner, location, data) SELECT rowid, id, origin, owner, location, data FROM mixins ORDER BY rowid;
  DROP TABLE memberships;
  DROP TABLE mixins;
  DROP TABLE entities;
  ALTER TABLE entities_new RENAME TO entities;
  ALTER TABLE memberships_new RENAME TO memberships;
  ALTER TABLE mixins_new RENAME TO mixins;
  CREATE INDEX entities_kind ON entities(kind, seq);
  CREATE INDEX entities_owner ON entities(owner, kind, seq);
  CREATE INDEX entities_source ON entities(owner, source);
  CREATE INDEX entities_target ON entities(owner, target);
  -- an administrator's lookup of a location, whoever holds it
  CREATE INDEX entities_location ON entities(location);
  CREATE INDEX memberships_location ON memberships(owner, location);
  CREATE INDEX memberships_mixin ON memberships(mixin, owner);
  CREATE TRIGGER owners_insert AFTER INSERT ON entities BEGIN
    INSERT INTO owners (owner, entities) VALUES (new.owner, 1) ON CONFLICT(owner) DO UPDATE SET entities = entities + 1;
  END;
  CREATE TRIGGER owners_delete AFTER DELETE ON entities BEGIN
    UPDATE owners SET entities = entities - 1 WHERE owner = old.owner;
  END;
  `,
  // 5: the source and target indexes serve links only, so resources (most rows; both columns NULL)
  // are left out of them: creating a resource writes two index entries fewer. SQLite uses a partial
  // index only where the query implies its WHERE; every lookup by them says `source = ...` or
  // `target = ...`, and so does the foreign key's search for a deleted resource's links (checked
  // plan by plan in schema.test.ts).
  `
  DROP INDEX entities_source;
  DROP INDEX entities_target;
  CREATE INDEX entities_source ON entities(owner, source) WHERE source IS NOT NULL;
  CREATE INDEX entities_target ON entities(owner, target) WHERE target IS NOT NULL;
  `,
];

/** The schemes whose users can own entities (the `none` scheme's user is `anonymous`, unchanged). */
export const OWNER_SCHEMES = ['basic', 'oidc', 'x509', 'keystone', 'opennebula'] as const;

/**
 * Renames the owners of a database marked by migration 3: `alice` becomes
 * `<scheme>:alice`, `group:ops` becomes `group:<scheme>:ops`, in one
 * transaction. Without `scheme` a marked database is an Error telling the
 * operator what to pass; an unmarked one is left as it is.
 */
export function qualifyLegacyOwners(db: Database.Database, file: string, scheme: string | undefined): number {
  const marked = db.prepare<[], string>("SELECT value FROM meta WHERE key = 'legacy_owners'").pluck().get();
  if (marked === undefined) return 0;
  const owners = db.prepare<[], string>(
    "SELECT owner FROM entities WHERE owner <> 'anonymous' UNION SELECT owner FROM mixins WHERE owner IS NOT NULL AND owner <> 'anonymous' ORDER BY 1",
  ).pluck().all();
  if (scheme === undefined) {
    throw new Error(
      `the database ${file} holds entities of ${owners.length} owner(s) named before owners carried the scheme that signed them in ` +
        `(${owners.slice(0, 3).map((o) => `"${o}"`).join(', ')}${owners.length > 3 ? ', ...' : ''}); start once with ` +
        `--legacy-owner-scheme ${OWNER_SCHEMES.join('|')} (the scheme those users signed in with) to rename them, e.g. "${owners[0]}" to "${qualify(owners[0] ?? 'alice', 'basic')}"`,
    );
  }
  if (!(OWNER_SCHEMES as readonly string[]).includes(scheme)) throw new Error(`legacy-owner-scheme: "${scheme}" is not one of ${OWNER_SCHEMES.join(', ')}`);
  db.transaction(() => {
    db.function('occi_qualify', { deterministic: true }, (owner: unknown) => (owner === null || owner === 'anonymous' ? owner : qualify(String(owner), scheme)));
    // An owner is part of the keys links and memberships refer to (migration 4): all move together, checked at COMMIT.
    db.exec(`
      PRAGMA defer_foreign_keys = ON;
      UPDATE entities SET owner = occi_qualify(owner) WHERE owner <> 'anonymous';
      UPDATE memberships SET owner = occi_qualify(owner) WHERE owner <> 'anonymous';
      UPDATE mixins SET owner = occi_qualify(owner) WHERE owner IS NOT NULL AND owner <> 'anonymous';
      DELETE FROM owners;
      INSERT INTO owners (owner, entities) SELECT owner, count(*) FROM entities GROUP BY owner;
      DELETE FROM meta WHERE key = 'legacy_owners';
    `);
  }).immediate();
  return owners.length;
}

function qualify(owner: string, scheme: string): string {
  return owner.startsWith('group:') ? `group:${scheme}:${owner.slice('group:'.length)}` : `${scheme}:${owner}`;
}

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
export function openDatabase(dataDir: string, synchronous: Synchronous = 'NORMAL', legacyOwnerScheme?: string): Database.Database {
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
    qualifyLegacyOwners(db, file, legacyOwnerScheme);
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
