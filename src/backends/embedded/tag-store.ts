import { ConflictError, NotFoundError } from '../../errors.js';
import type { Mixin, Model } from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import type { Op } from './op.js';
import { PostgresTagDatabase } from './postgres-tag-store.js';
import { SqliteTagDatabase } from './sqlite-tag-store.js';
import type { MixinData } from './store.js';
import { alignModel, changingModel, mixinData, mixinKey, userMixin } from './user-mixin.js';

/** A stored user mixin of the tag store. */
export interface TagMixinRow { id: string; owner: string; location: string; data: string }
/** One membership: a location carrying a user mixin. */
export interface TagRow { location: string; mixin: string }

/**
 * The tag store's statements on one database, each a step (op.ts): SQLite
 * answers at once (sqlite-tag-store.ts), PostgreSQL yields each query's
 * promise (postgres-tag-store.ts). The rules over them are TagStore's,
 * written once.
 */
export interface TagTables {
  /** Every definition, in definition order. */
  mixinRows(): Op<TagMixinRow[]>;
  /** `owner`'s mixin with this id or at this location (the first found). */
  findMixin(owner: string, id: string, location: string): Op<{ id: string; location: string } | undefined>;
  insertMixin(owner: string, id: string, location: string, data: string): Op<void>;
  /** Deletes `owner`'s mixin (memberships go with it); whether there was one. */
  deleteMixin(owner: string, id: string): Op<boolean>;
  mixinIds(owner: string): Op<string[]>;
  clearLocation(location: string): Op<void>;
  insertMember(owner: string, location: string, mixin: string): Op<void>;
  /** Memberships of these locations (all when undefined), in association order. */
  tagRows(locations: readonly string[] | undefined): Op<TagRow[]>;
  members(owner: string, ids: readonly string[]): Op<string[]>;
  forget(locations: readonly string[]): Op<void>;
  /** Announces a definition change to other instances when the write commits (PostgreSQL's NOTIFY; nothing on SQLite). */
  modelChanged(): Op<void>;
}

/** Where the tag store's tables live and how its transactions run. */
export interface TagDatabase {
  read<T>(fn: (tables: TagTables) => Op<T>): Promise<T>;
  /** One transaction, committed before the promise settles; a step that throws leaves nothing behind. */
  write<T>(fn: (tables: TagTables) => Op<T>): Promise<T>;
  /** Whether another process or instance may have changed definitions since last asked. */
  modelMaybeChanged(): boolean;
  /** Called when another instance announces a change (PostgreSQL); SQLite never calls it. */
  onModelChange(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * User mixins (tags) of a backend whose entities live in a remote cloud
 * (`capabilities.userMixins: 'server'`): their definitions and which entity
 * carries which, on occi-server's side, keyed by entity location: a SQLite
 * file (`<dir>/tags.sqlite`, sqlite-tag-store.ts) or tables of a PostgreSQL
 * database that several instances share (postgres-tag-store.ts). Everything
 * else stays in the cloud, never copied. Every write is one transaction,
 * durable before it returns. A user mixin's type id and location are unique
 * per owner (issue 13 §7): two owners may define the same, and a membership
 * joins a location to its owner's mixin. Definitions another process or
 * instance makes or removes reach the model at the next `refresh` (SQLite's
 * data_version) or at once (PostgreSQL's LISTEN/NOTIFY on `occi_tags`).
 *
 * @example
 * const tags = await openTagStore({ store: 'sqlite', dir: './data' });
 * await tags.load(model);                                       // definitions into the model at start
 * const byLocation = await tags.tagsOf(servers.map((s) => s.location)); // one query for a whole listing
 */
export class TagStore {
  readonly #db: TagDatabase;
  /** Mixins this instance is defining or removing: a refresh meanwhile leaves them as the request has them. */
  readonly #inFlight = new Set<string>();
  #model: Model | undefined;

  constructor(db: TagDatabase) {
    this.#db = db;
  }

  /** Adds every stored user mixin to the model (at start: definitions survive restarts), and keeps it following other instances' changes. */
  async load(model: Model): Promise<void> {
    for (const row of await this.#db.read((t) => t.mixinRows())) {
      if (!model.findOwned(row.owner, row.id)) model.addUserMixin(userMixin(model, row.id, row.location, row.owner, JSON.parse(row.data) as MixinData));
    }
    if (this.#model === undefined) this.#db.onModelChange(() => void this.refresh(model).catch(() => undefined));
    this.#model = model;
  }

  /** Aligns the model with definitions other processes or instances made or removed; cheap when nothing changed. */
  async refresh(model: Model): Promise<void> {
    if (!this.#db.modelMaybeChanged()) return;
    const rows = await this.#db.read((t) => t.mixinRows());
    alignModel(model, rows.map((r) => ({ ...r, origin: 'user' as const })), this.#inFlight);
  }

  /** Stores a user mixin in its owner's space; the same definition again is no collision, another owner's never in the way. */
  define(ctx: RequestContext, mixin: Mixin): Promise<void> {
    const owner = mixin.owner ?? ctx.owner;
    return changingModel(this.#inFlight, mixinKey(owner, mixin.id), () => this.#db.write(function* (t): Op<void> {
      const existing = yield* t.findMixin(owner, mixin.id, mixin.location);
      if (existing?.id === mixin.id && existing.location === mixin.location) return;
      if (existing) {
        throw existing.id === mixin.id
          ? new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `mixin ${mixin.id} is already defined`)
          : new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${mixin.location} is already taken by ${existing.id}`);
      }
      yield* t.insertMixin(owner, mixin.id, mixin.location, JSON.stringify(mixinData(mixin)));
      yield* t.modelChanged();
    }));
  }

  /** Forgets `owner`'s user mixin and its memberships; another owner's (for a non-administrator) is NotFoundError, as absent. */
  async remove(ctx: RequestContext, id: string, owner = ctx.owner): Promise<void> {
    if (!ctx.admin && owner !== ctx.owner) throw new NotFoundError(`no user mixin ${id}`);
    await changingModel(this.#inFlight, mixinKey(owner, id), () => this.#db.write(function* (t): Op<void> {
      if (!(yield* t.deleteMixin(owner, id))) throw new NotFoundError(`no user mixin ${id}`);
      yield* t.modelChanged();
    }));
  }

  /** The tags of each location, in association order; one query for a whole listing. */
  async tagsOf(locations: readonly string[]): Promise<Map<string, string[]>> {
    if (locations.length === 0) return new Map();
    return byLocation(await this.#db.read((t) => t.tagRows(locations)));
  }

  /** Every tagged location with its tags (a cloud backend's listing asks once, whatever it lists). */
  async all(): Promise<Map<string, string[]>> {
    return byLocation(await this.#db.read((t) => t.tagRows(undefined)));
  }

  /** Makes `tags` (user mixin ids of `owner`, the location's owner; others are ignored) the tags of a location. */
  set(owner: string, location: string, tags: readonly string[]): Promise<void> {
    return this.#db.write(function* (t): Op<void> {
      yield* t.clearLocation(location);
      const known = new Set(yield* t.mixinIds(owner));
      for (const id of new Set(tags)) if (known.has(id)) yield* t.insertMember(owner, location, id);
    });
  }

  /** Locations of `owner` carrying any of these tags. */
  async members(owner: string, ids: readonly string[]): Promise<Set<string>> {
    return new Set(await this.#db.read((t) => t.members(owner, ids)));
  }

  /** Drops the memberships of entities that are gone. */
  async forget(locations: readonly string[]): Promise<void> {
    if (locations.length > 0) await this.#db.write((t) => t.forget(locations));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

function byLocation(rows: readonly TagRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { location, mixin } of rows) {
    const list = out.get(location);
    if (list) list.push(mixin);
    else out.set(location, [mixin]);
  }
  return out;
}

/** Where a cloud backend keeps its tags: `--store sqlite` (`<dir>/tags.sqlite`, or `:memory:`) or `--store postgres` (`--database-url`). */
export interface TagStoreOptions {
  store?: 'sqlite' | 'postgres';
  dir: string;
  databaseUrl?: string;
}

/** Opens the tag store the options name (migrating its schema). */
export async function openTagStore(options: TagStoreOptions): Promise<TagStore> {
  if (options.store !== 'postgres') return new TagStore(SqliteTagDatabase.open(options.dir));
  if (!options.databaseUrl) throw new Error('--store postgres needs --database-url postgres://USER@HOST:PORT/DB');
  return new TagStore(await PostgresTagDatabase.open(options.databaseUrl));
}

/** Opens the tag store and gives `model` its user mixins, as a cloud backend starts; closed again when that fails. */
export async function startTagStore(options: TagStoreOptions, model: Model): Promise<TagStore> {
  const tags = await openTagStore(options);
  try {
    await tags.load(model);
  } catch (err) {
    await tags.close();
    throw err;
  }
  return tags;
}
