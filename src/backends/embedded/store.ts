import type Database from 'better-sqlite3';
import type { Op } from './op.js';
import type { Attributes, Entity, Link, Resource } from '../../model/index.js';
import { ConflictError } from '../../errors.js';
import type { RequestContext } from '../backend.js';

/** One row of `entities`; `data` is the JSON of what has no column. */
export interface EntityRow {
  seq: number;
  location: string;
  id: string;
  kind: string;
  owner: string;
  source: string | null;
  target: string | null;
  version: number;
  data: string;
}

interface EntityData {
  mixins: string[];
  attributes: Attributes;
  targetKind?: string;
  sourceKind?: string;
}

/** One row of `mixins`: a user mixin or a template made by `save`. */
export interface MixinRow {
  id: string;
  origin: 'user' | 'saved';
  owner: string | null;
  location: string;
  data: string;
}

export interface MixinData {
  scheme: string;
  term: string;
  title?: string;
  depends: string[];
  applies: string[];
  /** For saved templates: the compute it was saved from. */
  source?: string;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Versions are counters here, rendered as strings across the seam. */
export function nextVersion(version: string): string {
  return String(Number(version) + 1);
}

export function visible(ctx: RequestContext, owner: string): boolean {
  return ctx.admin || owner === ctx.owner;
}

/** Row to entity; `links` is left out (attach them with `withLinks`). */
export function rowToEntity(row: EntityRow): Entity {
  const data = JSON.parse(row.data) as EntityData;
  const entity: Entity = {
    id: row.id, kind: row.kind, mixins: data.mixins, attributes: data.attributes, location: row.location, version: String(row.version), owner: row.owner,
  };
  if (row.source === null) return entity;
  const link = entity as Link;
  link.source = row.source;
  link.target = row.target ?? '';
  if (data.targetKind !== undefined) link.targetKind = data.targetKind;
  if (data.sourceKind !== undefined) link.sourceKind = data.sourceKind;
  return link;
}

export function entityData(entity: Entity): string {
  const data: EntityData = { mixins: entity.mixins, attributes: entity.attributes };
  const link = entity as Partial<Link>;
  if (link.targetKind !== undefined) data.targetKind = link.targetKind;
  if (link.sourceKind !== undefined) data.sourceKind = link.sourceKind;
  return JSON.stringify(data);
}

/** What differs in the SQL of the two stores' list queries (query.ts). */
export interface Dialect {
  /** A subquery of the strings of one bound JSON array parameter. */
  jsonList(param: string): string;
  /** The LIMIT that means none. */
  readonly noLimit: number | null;
}

/**
 * The embedded backend's storage, the seam below its logic (create.ts,
 * actions.ts, query.ts, ...): SQLite (this file) or PostgreSQL
 * (postgres-store.ts). Every method is an `Op` (op.ts) run inside the
 * caller's transaction. Every entity, link end, membership and user mixin
 * is named within its owner's space (schema migration 4): a location is
 * looked up together with its owner. In a PostgreSQL write transaction the
 * entity rows read are locked (`SELECT ... FOR UPDATE`) until it commits.
 */
export abstract class Store {
  abstract readonly dialect: Dialect;
  /** How many entities (resources and links) `owner` holds, including this transaction's own writes. */
  abstract ownedBy(owner: string): Op<number>;
  /**
   * The row at `location` in the requester's space. An administrator's
   * request finds their own entity first, else the one entity any owner
   * holds there; when several owners hold the location, which is meant is
   * not the server's to guess: 409, naming how many (see README, Isolation).
   */
  abstract find(ctx: RequestContext, location: string): Op<EntityRow | undefined>;
  /** The row at `location` in `owner`'s space. */
  abstract findOwned(owner: string, location: string): Op<EntityRow | undefined>;
  abstract idTaken(owner: string, id: string): Op<boolean>;
  abstract insert(entity: Entity): Op<void>;
  /**
   * Stores new mixins and attributes; the caller has checked the version.
   * `mixinsFrom`, the mixins stored before, spares rewriting the
   * memberships when they are the same (an action changes only the state).
   */
  abstract update(entity: Entity, mixinsFrom?: readonly string[]): Op<void>;
  /** Stores a link's new source and target columns (its data goes with `update`). */
  abstract moveLink(link: Link): Op<void>;
  /** Deletes an entity; its outgoing links and memberships follow by foreign key, incoming links (of its owner) here. */
  abstract delete(owner: string, location: string): Op<void>;
  /** Outgoing link rows of one resource, in creation order. */
  abstract linkRowsOf(owner: string, source: string): Op<EntityRow[]>;
  /** Outgoing link rows of several resources ([owner, location] pairs), in creation order. */
  abstract linkRowsFrom(pairs: ReadonlyArray<readonly [string, string]>): Op<EntityRow[]>;
  /** Link rows of `owner` pointing to `target`, in creation order. */
  abstract linkRowsTo(owner: string, target: string): Op<EntityRow[]>;
  abstract membersOf(owner: string, mixin: string): Op<string[]>;
  abstract removeMemberships(owner: string, mixin: string): Op<void>;
  abstract mixinRows(): Op<MixinRow[]>;
  /** `owner`'s user mixin or saved template with this type id. */
  abstract findMixin(owner: string | null, id: string): Op<MixinRow | undefined>;
  abstract mixinAt(owner: string | null, location: string): Op<MixinRow | undefined>;
  abstract insertMixin(row: MixinRow): Op<void>;
  abstract deleteMixin(owner: string | null, id: string): Op<void>;
  /** Rows of a statement built at run time (list queries), `?` for each parameter. */
  abstract rows<R>(sql: string, params: readonly unknown[]): Op<R[]>;
  /** The first column of the first row of such a statement. */
  abstract value(sql: string, params: readonly unknown[]): Op<unknown>;
  /** Tells the other instances that user mixins or saved templates changed (at commit); nothing for SQLite. */
  abstract modelChanged(): Op<void>;

  /** Whether `owner` holds `location` (uniqueness is per owner). */
  *locationTaken(owner: string, location: string): Op<boolean> {
    return (yield* this.findOwned(owner, location)) !== undefined;
  }

  /** Outgoing links of one resource, in creation order. */
  *linksOf(owner: string, source: string): Op<Link[]> {
    return (yield* this.linkRowsOf(owner, source)).map((r) => rowToEntity(r) as Link);
  }

  /** Links of `owner` pointing to one of their resources, in creation order. */
  *linksTo(owner: string, target: string): Op<Link[]> {
    return (yield* this.linkRowsTo(owner, target)).map((r) => rowToEntity(r) as Link);
  }

  /** Entities with their outgoing links attached, one query for all. */
  *withLinks(entities: Entity[]): Op<Entity[]> {
    const resources = entities.filter((e) => (e as Partial<Link>).source === undefined);
    if (resources.length === 0) return entities;
    const bySource = new Map<string, Link[]>();
    const key = (owner: string, location: string) => `${owner}\u0000${location}`;
    for (const r of resources) bySource.set(key(r.owner ?? '', r.location), ((r as Resource).links = []));
    const rows = resources.length === 1
      ? yield* this.linkRowsOf(resources[0].owner ?? '', resources[0].location)
      : yield* this.linkRowsFrom(resources.map((r) => [r.owner ?? '', r.location] as const));
    for (const row of rows) bySource.get(key(row.owner, row.source!))?.push(rowToEntity(row) as Link);
    return entities;
  }
}

/** The entity row's columns but `seq`, as both stores insert them. */
export function entityColumns(entity: Entity): Omit<EntityRow, 'seq'> {
  const link = entity as Partial<Link>;
  return {
    location: entity.location, id: entity.id, kind: entity.kind, owner: entity.owner ?? '',
    source: link.source ?? null, target: link.target ?? null, version: Number(entity.version), data: entityData(entity),
  };
}

export { sameList };

const SQLITE: Dialect = { jsonList: (p) => `SELECT value FROM json_each(${p})`, noLimit: -1 };

/** The SQLite store: each statement prepared once, answering synchronously (its Ops never yield). */
export class SqliteStore extends Store {
  readonly dialect = SQLITE;
  readonly db: Database.Database;
  #byLocation;
  #anyAt;
  #holders;
  #idTaken;
  #insert;
  #update;
  #moveLink;
  #delete;
  #deleteIncoming;
  #linksTo;
  #linksFrom;
  #linksOf;
  #clearMemberships;
  #addMembership;
  #membersOf;
  #mixinRows;
  #mixinById;
  #mixinByLocation;
  #insertMixin;
  #deleteMixin;
  #deleteMemberships;
  #owned;
  #adhoc = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    super();
    this.db = db;
    this.#byLocation = db.prepare<[string, string], EntityRow>('SELECT * FROM entities WHERE owner = ? AND location = ?');
    this.#anyAt = db.prepare<[string], EntityRow>('SELECT * FROM entities WHERE location = ? ORDER BY seq LIMIT 2');
    this.#holders = db.prepare<[string], number>('SELECT count(*) FROM entities WHERE location = ?').pluck();
    this.#idTaken = db.prepare<[string, string], number>('SELECT 1 FROM entities WHERE owner = ? AND id = ?').pluck();
    this.#insert = db.prepare<[Omit<EntityRow, 'seq'>]>(
      'INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES (@location, @id, @kind, @owner, @source, @target, @version, @data)',
    );
    this.#update = db.prepare<[string, number, string, string]>('UPDATE entities SET data = ?, version = ? WHERE owner = ? AND location = ?');
    this.#moveLink = db.prepare<[string, string, string, string]>('UPDATE entities SET source = ?, target = ? WHERE owner = ? AND location = ?');
    this.#delete = db.prepare<[string, string]>('DELETE FROM entities WHERE owner = ? AND location = ?');
    this.#deleteIncoming = db.prepare<[string, string]>('DELETE FROM entities WHERE owner = ? AND target = ? AND source IS NOT NULL');
    this.#linksTo = db.prepare<[string, string], EntityRow>('SELECT * FROM entities WHERE owner = ? AND target = ? AND source IS NOT NULL ORDER BY seq');
    // One query for the links of many resources: the page's [owner, location] pairs travel as one JSON array.
    this.#linksFrom = db.prepare<[string], EntityRow>(
      "SELECT e.* FROM json_each(?) j JOIN entities e ON e.owner = json_extract(j.value, '$[0]') AND e.source = json_extract(j.value, '$[1]') ORDER BY e.seq",
    );
    this.#linksOf = db.prepare<[string, string], EntityRow>('SELECT * FROM entities WHERE owner = ? AND source = ? ORDER BY seq');
    this.#clearMemberships = db.prepare<[string, string]>('DELETE FROM memberships WHERE owner = ? AND location = ?');
    this.#addMembership = db.prepare<[string, string, string]>('INSERT OR IGNORE INTO memberships (owner, mixin, location) VALUES (?, ?, ?)');
    this.#membersOf = db.prepare<[string, string], string>('SELECT location FROM memberships WHERE owner = ? AND mixin = ?').pluck();
    this.#deleteMemberships = db.prepare<[string, string]>('DELETE FROM memberships WHERE owner = ? AND mixin = ?');
    this.#mixinRows = db.prepare<[], MixinRow>('SELECT id, origin, owner, location, data FROM mixins ORDER BY rowid');
    this.#mixinById = db.prepare<[string, string], MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE owner IS ? AND id = ?');
    this.#mixinByLocation = db.prepare<[string, string], MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE owner IS ? AND location = ?');
    this.#insertMixin = db.prepare<[MixinRow]>(
      'INSERT INTO mixins (id, origin, owner, location, data) VALUES (@id, @origin, @owner, @location, @data)',
    );
    this.#deleteMixin = db.prepare<[string, string]>('DELETE FROM mixins WHERE owner IS ? AND id = ?');
    this.#owned = db.prepare<[string], number>('SELECT entities FROM owners WHERE owner = ?').pluck();
  }

  *ownedBy(owner: string): Op<number> {
    return this.#owned.get(owner) ?? 0;
  }

  *find(ctx: RequestContext, location: string): Op<EntityRow | undefined> {
    const own = this.#byLocation.get(ctx.owner, location);
    if (own || !ctx.admin) return own;
    const rows = this.#anyAt.all(location);
    if (rows.length <= 1) return rows[0];
    throw ownersConflict(location, this.#holders.get(location) ?? rows.length);
  }

  *findOwned(owner: string, location: string): Op<EntityRow | undefined> {
    return this.#byLocation.get(owner, location);
  }

  *idTaken(owner: string, id: string): Op<boolean> {
    return this.#idTaken.get(owner, id) !== undefined;
  }

  *insert(entity: Entity): Op<void> {
    const row = entityColumns(entity);
    this.#insert.run(row);
    this.#setMemberships(row.owner, entity.location, entity.mixins, false);
  }

  *update(entity: Entity, mixinsFrom?: readonly string[]): Op<void> {
    const owner = entity.owner ?? '';
    this.#update.run(entityData(entity), Number(entity.version), owner, entity.location);
    if (mixinsFrom !== undefined && sameList(mixinsFrom, entity.mixins)) return;
    this.#setMemberships(owner, entity.location, entity.mixins, true);
  }

  *moveLink(link: Link): Op<void> {
    this.#moveLink.run(link.source, link.target, link.owner ?? '', link.location);
  }

  *delete(owner: string, location: string): Op<void> {
    this.#deleteIncoming.run(owner, location);
    this.#delete.run(owner, location);
  }

  *linkRowsOf(owner: string, source: string): Op<EntityRow[]> {
    return this.#linksOf.all(owner, source);
  }

  *linkRowsFrom(pairs: ReadonlyArray<readonly [string, string]>): Op<EntityRow[]> {
    return this.#linksFrom.all(JSON.stringify(pairs));
  }

  *linkRowsTo(owner: string, target: string): Op<EntityRow[]> {
    return this.#linksTo.all(owner, target);
  }

  *membersOf(owner: string, mixin: string): Op<string[]> {
    return this.#membersOf.all(owner, mixin);
  }

  *removeMemberships(owner: string, mixin: string): Op<void> {
    this.#deleteMemberships.run(owner, mixin);
  }

  *mixinRows(): Op<MixinRow[]> {
    return this.#mixinRows.all();
  }

  *findMixin(owner: string | null, id: string): Op<MixinRow | undefined> {
    return this.#mixinById.get(owner as string, id);
  }

  *mixinAt(owner: string | null, location: string): Op<MixinRow | undefined> {
    return this.#mixinByLocation.get(owner as string, location);
  }

  *insertMixin(row: MixinRow): Op<void> {
    this.#insertMixin.run(row);
  }

  *deleteMixin(owner: string | null, id: string): Op<void> {
    this.#deleteMixin.run(owner as string, id);
  }

  *rows<R>(sql: string, params: readonly unknown[]): Op<R[]> {
    return this.#adhocStatement(sql, false).all(...params) as R[];
  }

  *value(sql: string, params: readonly unknown[]): Op<unknown> {
    return this.#adhocStatement(sql, true).get(...params);
  }

  *modelChanged(): Op<void> {
    // Other processes on the same file see the commit through data_version (index.ts, refresh).
  }

  /** A statement built at run time (list queries), prepared once per distinct SQL text. */
  #adhocStatement(sql: string, pluck: boolean): Database.Statement {
    const key = `${pluck ? 'pluck' : 'rows'} ${sql}`;
    let stmt = this.#adhoc.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql).pluck(pluck);
      if (this.#adhoc.size > 200) this.#adhoc.clear();
      this.#adhoc.set(key, stmt);
    }
    return stmt;
  }

  #setMemberships(owner: string, location: string, mixins: readonly string[], clear: boolean): void {
    if (clear) this.#clearMemberships.run(owner, location);
    for (const m of mixins) this.#addMembership.run(owner, m, location);
  }
}

/** Several owners hold `location`, none of them the administrator asking. */
export function ownersConflict(location: string, holders: number): ConflictError {
  return new ConflictError(
    'OCCI_ERR_CONFLICT_OWNERS',
    `${location} is held by ${holders} owners, none of them you: an administrator acts on such an entity as its owner`,
  );
}
