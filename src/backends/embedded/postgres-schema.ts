import type pg from 'pg';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/**
 * The PostgreSQL form of schema.ts's MIGRATIONS, step for step: step `i`
 * takes a database from version `i` to `i + 1`, to the same end state
 * (tables, keys, indexes, the owners counter) in PostgreSQL's DDL. Append
 * together with MIGRATIONS, never edit a step that has shipped.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entities (
    seq BIGSERIAL PRIMARY KEY,
    location TEXT UNIQUE NOT NULL,
    id TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    source TEXT REFERENCES entities(location) ON DELETE CASCADE,
    target TEXT,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX entities_kind ON entities(kind, seq);
  CREATE INDEX entities_owner ON entities(owner, kind, seq);
  CREATE INDEX entities_source ON entities(source);
  CREATE INDEX entities_target ON entities(target);
  CREATE TABLE memberships (
    mixin TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES entities(location) ON DELETE CASCADE,
    PRIMARY KEY (mixin, location)
  );
  CREATE INDEX memberships_location ON memberships(location);
  CREATE TABLE mixins (
    rowid BIGSERIAL NOT NULL,
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('user', 'saved')),
    owner TEXT,
    location TEXT UNIQUE NOT NULL,
    data TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE owners (
    owner TEXT PRIMARY KEY,
    entities INTEGER NOT NULL
  );
  INSERT INTO owners (owner, entities) SELECT owner, count(*) FROM entities GROUP BY owner;
  CREATE FUNCTION occi_owners_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO owners (owner, entities) VALUES (NEW.owner, 1) ON CONFLICT (owner) DO UPDATE SET entities = owners.entities + 1;
    RETURN NULL;
  END $$;
  CREATE FUNCTION occi_owners_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE owners SET entities = entities - 1 WHERE owner = OLD.owner;
    RETURN NULL;
  END $$;
  CREATE TRIGGER owners_insert AFTER INSERT ON entities FOR EACH ROW EXECUTE FUNCTION occi_owners_insert();
  CREATE TRIGGER owners_delete AFTER DELETE ON entities FOR EACH ROW EXECUTE FUNCTION occi_owners_delete();
  `,
  `
  INSERT INTO meta (key, value)
    SELECT 'legacy_owners', '1'
    WHERE EXISTS (SELECT 1 FROM entities WHERE owner <> 'anonymous')
       OR EXISTS (SELECT 1 FROM mixins WHERE owner IS NOT NULL AND owner <> 'anonymous');
  `,
  // 4: a name space per owner. PostgreSQL changes keys in place; NULLS NOT DISTINCT keeps one
  // public (owner NULL) mixin per id and location.
  `
  ALTER TABLE memberships DROP CONSTRAINT memberships_location_fkey;
  ALTER TABLE entities DROP CONSTRAINT entities_source_fkey;
  ALTER TABLE memberships ADD COLUMN owner TEXT;
  UPDATE memberships m SET owner = e.owner FROM entities e WHERE e.location = m.location;
  DELETE FROM memberships WHERE owner IS NULL;
  ALTER TABLE memberships ALTER COLUMN owner SET NOT NULL;
  ALTER TABLE memberships DROP CONSTRAINT memberships_pkey;
  ALTER TABLE memberships ADD PRIMARY KEY (owner, mixin, location);
  ALTER TABLE entities DROP CONSTRAINT entities_location_key, DROP CONSTRAINT entities_id_key;
  ALTER TABLE entities ADD CONSTRAINT entities_owner_location UNIQUE (owner, location), ADD CONSTRAINT entities_owner_id UNIQUE (owner, id);
  ALTER TABLE entities ADD CONSTRAINT entities_source_fkey FOREIGN KEY (owner, source) REFERENCES entities(owner, location) ON DELETE CASCADE;
  ALTER TABLE memberships ADD CONSTRAINT memberships_entity_fkey FOREIGN KEY (owner, location) REFERENCES entities(owner, location) ON DELETE CASCADE;
  ALTER TABLE mixins DROP CONSTRAINT mixins_pkey, DROP CONSTRAINT mixins_location_key;
  ALTER TABLE mixins ADD CONSTRAINT mixins_owner_id UNIQUE NULLS NOT DISTINCT (owner, id),
    ADD CONSTRAINT mixins_owner_location UNIQUE NULLS NOT DISTINCT (owner, location);
  DROP INDEX entities_source;
  DROP INDEX entities_target;
  DROP INDEX memberships_location;
  CREATE INDEX entities_source ON entities(owner, source);
  CREATE INDEX entities_target ON entities(owner, target);
  CREATE INDEX entities_location ON entities(location);
  CREATE INDEX memberships_location ON memberships(owner, location);
  CREATE INDEX memberships_mixin ON memberships(mixin, owner);
  `,
  // 5: the source and target indexes hold links only, as SQLite's. PostgreSQL proves that
  // `source = $1` (a strict operator) implies `source IS NOT NULL`, also in the foreign key's
  // own search for a deleted resource's links (checked in test/postgres/schema.test.ts).
  `
  DROP INDEX entities_source;
  DROP INDEX entities_target;
  CREATE INDEX entities_source ON entities(owner, source) WHERE source IS NOT NULL;
  CREATE INDEX entities_target ON entities(owner, target) WHERE target IS NOT NULL;
  `,
];

if (PG_MIGRATIONS.length !== MIGRATIONS.length) throw new Error('postgres-schema.ts: one PostgreSQL step for each SQLite migration');

/** Serialises the migrations of instances starting together (a transaction-scoped advisory lock). */
const MIGRATION_LOCK = 7_423_015;

/**
 * Brings a PostgreSQL database's schema up to SCHEMA_VERSION, in one
 * transaction; a database written by a newer server is refused, as SQLite's is.
 */
export async function migratePostgres(client: pg.ClientBase, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = (await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0];
    const current = row ? Number(row.value) : 0;
    if (!Number.isInteger(current) || current < 0) throw new Error(`the database ${where} has an unreadable schema_version "${row?.value}"`);
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the database ${where} was written by a newer occi-server (schema version ${row?.value}); ` +
          `this occi-server understands schema version ${SCHEMA_VERSION} at most. Upgrade occi-server or use another database.`,
      );
    }
    for (let v = current; v < SCHEMA_VERSION; v++) await client.query(PG_MIGRATIONS[v]);
    await client.query(
      "INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(SCHEMA_VERSION)],
    );
    const legacy = (await client.query("SELECT 1 FROM meta WHERE key = 'legacy_owners'")).rowCount;
    if (legacy) throw new Error(`the database ${where} holds owners named before owners carried their scheme; rename them with the SQLite store first`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
