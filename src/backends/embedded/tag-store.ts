import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Mixin, Model } from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import type { MixinData } from './store.js';
import { mixinData, userMixin } from './user-mixin.js';

/**
 * User mixins (tags) of a backend whose entities live in a remote cloud
 * (`capabilities.userMixins: 'server'`): their definitions and which entity
 * carries which, in occi-server's own SQLite file (`<data-dir>/tags.sqlite`),
 * keyed by entity location. Everything else stays in the cloud, never
 * copied. Every write is one transaction, durable before it returns. A
 * user mixin's type id and location are unique per owner (issue 13 §7): two
 * owners may define the same, and a membership joins a location to its
 * owner's mixin.
 *
 * @example
 * const tags = TagStore.open('./data');
 * tags.load(model);                                   // definitions back into the model at start
 * const byLocation = tags.tagsOf(servers.map((s) => s.location)); // one query for a whole listing
 */
export class TagStore {
  readonly #db: Database.Database;
  readonly #tagsOf: Database.Statement;
  readonly #insertMember: Database.Statement;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#tagsOf = db.prepare('SELECT location, mixin FROM tag_members WHERE location IN (SELECT value FROM json_each(?)) ORDER BY rowid');
    this.#insertMember = db.prepare('INSERT OR IGNORE INTO tag_members (owner, location, mixin) VALUES (?, ?, ?)');
  }

  static open(dataDir: string): TagStore {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      file = join(dataDir, 'tags.sqlite');
    }
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version >= TAG_SCHEMA_VERSION) return;
      const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tag_mixins'").get() !== undefined;
      db.exec(TAG_SCHEMA.replaceAll('{new}', old ? '_new' : ''));
      // Version 0 had one name space for everyone: its rows move into their owners' spaces.
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
    }).immediate();
    db.pragma('foreign_keys = ON');
    return new TagStore(db);
  }

  /** Adds every stored user mixin to the model (at start: definitions survive restarts). */
  load(model: Model): void {
    for (const row of this.#db.prepare('SELECT id, owner, location, data FROM tag_mixins ORDER BY rowid').all() as MixinRow[]) {
      if (!model.findOwned(row.owner, row.id)) model.addUserMixin(userMixin(model, row.id, row.location, row.owner, JSON.parse(row.data) as MixinData));
    }
  }

  /** Stores a user mixin in its owner's space; the same definition again is no collision, another owner's never in the way. */
  define(ctx: RequestContext, mixin: Mixin): void {
    const owner = mixin.owner ?? ctx.owner;
    const existing = this.#db.prepare('SELECT id, location FROM tag_mixins WHERE owner = ? AND (id = ? OR location = ?)').get(owner, mixin.id, mixin.location) as
      { id: string; location: string } | undefined;
    if (existing?.id === mixin.id && existing.location === mixin.location) return;
    if (existing) {
      throw existing.id === mixin.id
        ? new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `mixin ${mixin.id} is already defined`)
        : new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${mixin.location} is already taken by ${existing.id}`);
    }
    this.#db.prepare('INSERT INTO tag_mixins (owner, id, location, data) VALUES (?, ?, ?, ?)')
      .run(owner, mixin.id, mixin.location, JSON.stringify(mixinData(mixin)));
  }

  /** Forgets `owner`'s user mixin and its memberships; another owner's (for a non-administrator) is NotFoundError, as absent. */
  remove(ctx: RequestContext, id: string, owner = ctx.owner): void {
    if (!ctx.admin && owner !== ctx.owner) throw new NotFoundError(`no user mixin ${id}`);
    const row = this.#db.prepare('SELECT 1 FROM tag_mixins WHERE owner = ? AND id = ?').get(owner, id);
    if (!row) throw new NotFoundError(`no user mixin ${id}`);
    this.#db.prepare('DELETE FROM tag_mixins WHERE owner = ? AND id = ?').run(owner, id);
  }

  /** The tags of each location, in association order; one query for a whole listing. */
  tagsOf(locations: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (locations.length === 0) return out;
    for (const { location, mixin } of this.#tagsOf.all(JSON.stringify(locations)) as Array<{ location: string; mixin: string }>) {
      const list = out.get(location);
      if (list) list.push(mixin);
      else out.set(location, [mixin]);
    }
    return out;
  }

  /** Every tagged location with its tags (a cloud backend's listing asks once, whatever it lists). */
  all(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const { location, mixin } of this.#db.prepare('SELECT location, mixin FROM tag_members ORDER BY rowid').all() as Array<{ location: string; mixin: string }>) {
      const list = out.get(location);
      if (list) list.push(mixin);
      else out.set(location, [mixin]);
    }
    return out;
  }

  /** Makes `tags` (user mixin ids of `owner`, the location's owner; others are ignored) the tags of a location. */
  set(owner: string, location: string, tags: readonly string[]): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM tag_members WHERE location = ?').run(location);
      const known = new Set((this.#db.prepare('SELECT id FROM tag_mixins WHERE owner = ?').pluck().all(owner) as string[]));
      for (const t of tags) if (known.has(t)) this.#insertMember.run(owner, location, t);
    })();
  }

  /** Locations of `owner` carrying any of these tags. */
  members(owner: string, ids: readonly string[]): Set<string> {
    const rows = this.#db.prepare('SELECT location FROM tag_members WHERE owner = ? AND mixin IN (SELECT value FROM json_each(?))').pluck().all(owner, JSON.stringify(ids)) as string[];
    return new Set(rows);
  }

  /** Drops the memberships of entities that are gone. */
  forget(locations: readonly string[]): void {
    this.#db.prepare('DELETE FROM tag_members WHERE location IN (SELECT value FROM json_each(?))').run(JSON.stringify(locations));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

interface MixinRow { id: string; owner: string; location: string; data: string }

/** `PRAGMA user_version` of tags.sqlite: 1 has a name space per owner. */
const TAG_SCHEMA_VERSION = 1;
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
