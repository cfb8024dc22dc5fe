import type pg from 'pg';
import { runAsync, type Op } from './op.js';
import { PostgresDatabase } from './postgres-database.js';
import { TAG_SCHEMA_VERSION } from './sqlite-tag-store.js';
import type { TagDatabase, TagMixinRow, TagRow, TagTables } from './tag-store.js';

/** The channel tag definitions and removals are announced on. */
export const TAG_CHANNEL = 'occi_tags';

/**
 * The PostgreSQL form of tags.sqlite's migrations: step `i` takes the tag
 * tables from version `i` to `i + 1`, to the same end state (keys, cascade,
 * index) as SQLite's. There never was a version 0 here (one name space for
 * everyone), so step 0 creates version 1. The version is `tag_schema_version`
 * in the `meta` table the embedded store also uses; the tables have names of
 * their own, so both stores may share one database. Append, never edit a
 * step that has shipped.
 */
export const PG_TAG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tag_mixins (
    seq BIGSERIAL NOT NULL,
    owner TEXT NOT NULL, id TEXT NOT NULL, location TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (owner, id), UNIQUE (owner, location)
  );
  CREATE TABLE tag_members (
    seq BIGSERIAL NOT NULL,
    owner TEXT NOT NULL, location TEXT NOT NULL, mixin TEXT NOT NULL,
    PRIMARY KEY (location, owner, mixin),
    FOREIGN KEY (owner, mixin) REFERENCES tag_mixins(owner, id) ON DELETE CASCADE
  );
  CREATE INDEX tag_members_mixin ON tag_members(owner, mixin);
  `,
];

if (PG_TAG_MIGRATIONS.length !== TAG_SCHEMA_VERSION) throw new Error('postgres-tag-store.ts: one PostgreSQL step for each tag schema version');

/** Serialises the tag migrations of instances starting together (a transaction-scoped advisory lock). */
const TAG_MIGRATION_LOCK = 7_423_016;

/** Brings the tag tables up to TAG_SCHEMA_VERSION in one transaction; tables written by a newer server are refused. */
export async function migrateTags(client: pg.ClientBase, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [TAG_MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = (await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'tag_schema_version'")).rows[0];
    const current = row ? Number(row.value) : 0;
    if (!Number.isInteger(current) || current < 0) throw new Error(`the database ${where} has an unreadable tag_schema_version "${row?.value}"`);
    if (current > TAG_SCHEMA_VERSION) {
      throw new Error(
        `the database ${where} was written by a newer occi-server (tag schema version ${row?.value}); ` +
          `this occi-server understands tag schema version ${TAG_SCHEMA_VERSION} at most. Upgrade occi-server or use another database.`,
      );
    }
    for (let v = current; v < TAG_SCHEMA_VERSION; v++) await client.query(PG_TAG_MIGRATIONS[v]);
    await client.query(
      "INSERT INTO meta (key, value) VALUES ('tag_schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(TAG_SCHEMA_VERSION)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The tag store on a PostgreSQL database shared by several instances (postgres-database.ts: pool, retried writes, LISTEN on `occi_tags`). */
export class PostgresTagDatabase implements TagDatabase {
  readonly #db: PostgresDatabase;

  private constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  static async open(url: string): Promise<PostgresTagDatabase> {
    return new PostgresTagDatabase(await PostgresDatabase.open(url, TAG_CHANNEL, migrateTags));
  }

  read<T>(fn: (tables: TagTables) => Op<T>): Promise<T> {
    return this.#db.read((client) => runAsync(fn(new PostgresTagTables(client, this.#db.notify))));
  }

  write<T>(fn: (tables: TagTables) => Op<T>): Promise<T> {
    return this.#db.write((client) => runAsync(fn(new PostgresTagTables(client, this.#db.notify))));
  }

  modelMaybeChanged(): boolean {
    return this.#db.modelMaybeChanged();
  }

  onModelChange(listener: () => void): void {
    this.#db.onModelChange(listener);
  }

  close(): Promise<void> {
    return this.#db.stop();
  }
}

/** The statements of sqlite-tag-store.ts in PostgreSQL's SQL, each yielded as a promise on one connection. */
class PostgresTagTables implements TagTables {
  readonly #client: pg.ClientBase;
  readonly #notify: string;

  constructor(client: pg.ClientBase, notify: string) {
    this.#client = client;
    this.#notify = notify;
  }

  *#query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Op<pg.QueryResult<R>> {
    return (yield this.#client.query<R>(text, values as unknown[])) as pg.QueryResult<R>;
  }

  *mixinRows(): Op<TagMixinRow[]> {
    return (yield* this.#query<TagMixinRow>('SELECT id, owner, location, data FROM tag_mixins ORDER BY seq')).rows;
  }

  *findMixin(owner: string, id: string, location: string): Op<{ id: string; location: string } | undefined> {
    const r = yield* this.#query<{ id: string; location: string }>('SELECT id, location FROM tag_mixins WHERE owner = $1 AND (id = $2 OR location = $3) ORDER BY seq LIMIT 1', [owner, id, location]);
    return r.rows[0];
  }

  *insertMixin(owner: string, id: string, location: string, data: string): Op<void> {
    yield* this.#query('INSERT INTO tag_mixins (owner, id, location, data) VALUES ($1, $2, $3, $4)', [owner, id, location, data]);
  }

  *deleteMixin(owner: string, id: string): Op<boolean> {
    return ((yield* this.#query('DELETE FROM tag_mixins WHERE owner = $1 AND id = $2', [owner, id])).rowCount ?? 0) > 0;
  }

  *mixinIds(owner: string): Op<string[]> {
    return (yield* this.#query<{ id: string }>('SELECT id FROM tag_mixins WHERE owner = $1', [owner])).rows.map((r) => r.id);
  }

  *clearLocation(location: string): Op<void> {
    yield* this.#query('DELETE FROM tag_members WHERE location = $1', [location]);
  }

  *insertMember(owner: string, location: string, mixin: string): Op<void> {
    yield* this.#query('INSERT INTO tag_members (owner, location, mixin) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [owner, location, mixin]);
  }

  *tagRows(locations: readonly string[] | undefined): Op<TagRow[]> {
    if (locations === undefined) return (yield* this.#query<TagRow>('SELECT location, mixin FROM tag_members ORDER BY seq')).rows;
    return (yield* this.#query<TagRow>('SELECT location, mixin FROM tag_members WHERE location = ANY($1::text[]) ORDER BY seq', [locations])).rows;
  }

  *members(owner: string, ids: readonly string[]): Op<string[]> {
    const r = yield* this.#query<{ location: string }>('SELECT location FROM tag_members WHERE owner = $1 AND mixin = ANY($2::text[])', [owner, ids]);
    return r.rows.map((x) => x.location);
  }

  *forget(locations: readonly string[]): Op<void> {
    yield* this.#query('DELETE FROM tag_members WHERE location = ANY($1::text[])', [locations]);
  }

  *modelChanged(): Op<void> {
    // Delivered to every listening instance when this transaction commits, not before.
    yield* this.#query(this.#notify);
  }
}
