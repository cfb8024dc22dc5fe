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
 * copied. Every write is one transaction, durable before it returns.
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
    this.#insertMember = db.prepare('INSERT OR IGNORE INTO tag_members (location, mixin) VALUES (?, ?)');
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
    db.exec(`
      CREATE TABLE IF NOT EXISTS tag_mixins (id TEXT PRIMARY KEY, owner TEXT NOT NULL, location TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tag_members (
        location TEXT NOT NULL, mixin TEXT NOT NULL REFERENCES tag_mixins(id) ON DELETE CASCADE, PRIMARY KEY (location, mixin)
      );
      CREATE INDEX IF NOT EXISTS tag_members_mixin ON tag_members(mixin);
    `);
    db.pragma('foreign_keys = ON');
    return new TagStore(db);
  }

  /** Adds every stored user mixin to the model (at start: definitions survive restarts). */
  load(model: Model): void {
    for (const row of this.#db.prepare('SELECT id, owner, location, data FROM tag_mixins ORDER BY rowid').all() as MixinRow[]) {
      if (!model.findCategory(row.id)) model.addUserMixin(userMixin(model, row.id, row.location, row.owner, JSON.parse(row.data) as MixinData));
    }
  }

  define(ctx: RequestContext, mixin: Mixin): void {
    const owner = mixin.owner ?? ctx.owner;
    const existing = this.#db.prepare('SELECT id, owner, location FROM tag_mixins WHERE id = ? OR location = ?').get(mixin.id, mixin.location) as
      { id: string; owner: string | null; location: string } | undefined;
    if (existing?.id === mixin.id && existing.location === mixin.location && existing.owner === owner) return;
    if (existing) {
      // Another owner's mixin is not named.
      throw existing.id === mixin.id
        ? new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `mixin ${mixin.id} is already defined`)
        : new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${mixin.location} is already taken${existing.owner === owner ? ` by ${existing.id}` : ''}`);
    }
    this.#db.prepare('INSERT INTO tag_mixins (id, owner, location, data) VALUES (?, ?, ?, ?)')
      .run(mixin.id, owner, mixin.location, JSON.stringify(mixinData(mixin)));
  }

  /** Forgets a user mixin and its memberships; another owner's is NotFoundError, as absent. */
  remove(ctx: RequestContext, id: string): void {
    const row = this.#db.prepare('SELECT owner FROM tag_mixins WHERE id = ?').get(id) as { owner: string } | undefined;
    if (!row || (!ctx.admin && row.owner !== ctx.owner)) throw new NotFoundError(`no user mixin ${id}`);
    this.#db.prepare('DELETE FROM tag_mixins WHERE id = ?').run(id);
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

  /** Makes `tags` (known user mixin ids; others are ignored) the tags of a location. */
  set(location: string, tags: readonly string[]): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM tag_members WHERE location = ?').run(location);
      const known = new Set((this.#db.prepare('SELECT id FROM tag_mixins').pluck().all() as string[]));
      for (const t of tags) if (known.has(t)) this.#insertMember.run(location, t);
    })();
  }

  /** Locations carrying any of these tags. */
  members(ids: readonly string[]): Set<string> {
    const rows = this.#db.prepare('SELECT location FROM tag_members WHERE mixin IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as string[];
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
