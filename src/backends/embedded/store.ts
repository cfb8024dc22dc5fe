import type Database from 'better-sqlite3';
import type { Attributes, Entity, Link, Resource } from '../../model/index.js';
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

/**
 * The SQL of the embedded backend, each statement prepared once. Methods are
 * synchronous and run inside the caller's transaction.
 */
export class Store {
  readonly db: Database.Database;
  #byLocation;
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
    this.db = db;
    this.#byLocation = db.prepare<[string], EntityRow>('SELECT * FROM entities WHERE location = ?');
    this.#idTaken = db.prepare<[string], number>('SELECT 1 FROM entities WHERE id = ?').pluck();
    this.#insert = db.prepare<[Omit<EntityRow, 'seq'>]>(
      'INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES (@location, @id, @kind, @owner, @source, @target, @version, @data)',
    );
    this.#update = db.prepare<[string, number, string]>('UPDATE entities SET data = ?, version = ? WHERE location = ?');
    this.#moveLink = db.prepare<[string, string, string]>('UPDATE entities SET source = ?, target = ? WHERE location = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM entities WHERE location = ?');
    this.#deleteIncoming = db.prepare<[string]>('DELETE FROM entities WHERE target = ? AND source IS NOT NULL');
    this.#linksTo = db.prepare<[string], EntityRow>('SELECT * FROM entities WHERE target = ? AND source IS NOT NULL ORDER BY seq');
    // One query for the links of many resources: the page's locations travel as one JSON array.
    this.#linksFrom = db.prepare<[string], EntityRow>(
      'SELECT * FROM entities WHERE source IN (SELECT value FROM json_each(?)) ORDER BY seq',
    );
    this.#linksOf = db.prepare<[string], EntityRow>('SELECT * FROM entities WHERE source = ? ORDER BY seq');
    this.#clearMemberships = db.prepare<[string]>('DELETE FROM memberships WHERE location = ?');
    this.#addMembership = db.prepare<[string, string]>('INSERT OR IGNORE INTO memberships (mixin, location) VALUES (?, ?)');
    this.#membersOf = db.prepare<[string], string>('SELECT location FROM memberships WHERE mixin = ?').pluck();
    this.#deleteMemberships = db.prepare<[string]>('DELETE FROM memberships WHERE mixin = ?');
    this.#mixinRows = db.prepare<[], MixinRow>('SELECT id, origin, owner, location, data FROM mixins ORDER BY rowid');
    this.#mixinById = db.prepare<[string], MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE id = ?');
    this.#mixinByLocation = db.prepare<[string], MixinRow>('SELECT id, origin, owner, location, data FROM mixins WHERE location = ?');
    this.#insertMixin = db.prepare<[MixinRow]>(
      'INSERT INTO mixins (id, origin, owner, location, data) VALUES (@id, @origin, @owner, @location, @data)',
    );
    this.#deleteMixin = db.prepare<[string]>('DELETE FROM mixins WHERE id = ?');
    this.#owned = db.prepare<[string], number>('SELECT entities FROM owners WHERE owner = ?').pluck();
  }

  /** How many entities (resources and links) `owner` holds, including this transaction's own writes. */
  ownedBy(owner: string): number {
    return this.#owned.get(owner) ?? 0;
  }

  /** The row at `location` when it exists and `ctx` may see it. */
  find(ctx: RequestContext, location: string): EntityRow | undefined {
    const row = this.#byLocation.get(location);
    return row && visible(ctx, row.owner) ? row : undefined;
  }

  /** Whatever the owner: for uniqueness checks. */
  locationTaken(location: string): boolean {
    return this.#byLocation.get(location) !== undefined;
  }

  idTaken(id: string): boolean {
    return this.#idTaken.get(id) !== undefined;
  }

  insert(entity: Entity): void {
    const link = entity as Partial<Link>;
    this.#insert.run({
      location: entity.location, id: entity.id, kind: entity.kind, owner: entity.owner ?? '',
      source: link.source ?? null, target: link.target ?? null, version: Number(entity.version), data: entityData(entity),
    });
    this.#setMemberships(entity.location, entity.mixins, false);
  }

  /**
   * Stores new mixins and attributes; the caller has checked the version.
   * `mixinsFrom`, the mixins stored before, spares rewriting the
   * memberships when they are the same (an action changes only the state).
   */
  update(entity: Entity, mixinsFrom?: readonly string[]): void {
    this.#update.run(entityData(entity), Number(entity.version), entity.location);
    if (mixinsFrom !== undefined && sameList(mixinsFrom, entity.mixins)) return;
    this.#setMemberships(entity.location, entity.mixins, true);
  }

  /** Stores a link's new source and target columns (its data goes with `update`). */
  moveLink(link: Link): void {
    this.#moveLink.run(link.source, link.target, link.location);
  }

  /** Deletes an entity; its outgoing links and memberships follow by foreign key, incoming links here. */
  delete(location: string): void {
    this.#deleteIncoming.run(location);
    this.#delete.run(location);
  }

  /** Outgoing links of one resource, in creation order. */
  linksOf(source: string): Link[] {
    return this.#linksOf.all(source).map((r) => rowToEntity(r) as Link);
  }

  /** Links pointing to one resource (whatever their owner), in creation order. */
  linksTo(target: string): Link[] {
    return this.#linksTo.all(target).map((r) => rowToEntity(r) as Link);
  }

  /** Entities with their outgoing links attached, one query for all. */
  withLinks(entities: Entity[]): Entity[] {
    const resources = entities.filter((e) => (e as Partial<Link>).source === undefined);
    if (resources.length === 0) return entities;
    const bySource = new Map<string, Link[]>();
    for (const r of resources) bySource.set(r.location, ((r as Resource).links = []));
    const rows = resources.length === 1 ? this.#linksOf.all(resources[0].location) : this.#linksFrom.all(JSON.stringify(resources.map((r) => r.location)));
    for (const row of rows) bySource.get(row.source!)?.push(rowToEntity(row) as Link);
    return entities;
  }

  membersOf(mixin: string): string[] {
    return this.#membersOf.all(mixin);
  }

  removeMemberships(mixin: string): void {
    this.#deleteMemberships.run(mixin);
  }

  mixinRows(): MixinRow[] {
    return this.#mixinRows.all();
  }

  findMixin(id: string): MixinRow | undefined {
    return this.#mixinById.get(id);
  }

  mixinAt(location: string): MixinRow | undefined {
    return this.#mixinByLocation.get(location);
  }

  insertMixin(row: MixinRow): void {
    this.#insertMixin.run(row);
  }

  deleteMixin(id: string): void {
    this.#deleteMixin.run(id);
  }

  /** A statement built at run time (list queries), prepared once per distinct SQL text. */
  adhoc(sql: string, pluck = false): Database.Statement {
    const key = `${pluck ? 'pluck' : 'rows'} ${sql}`;
    let stmt = this.#adhoc.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql).pluck(pluck);
      if (this.#adhoc.size > 200) this.#adhoc.clear();
      this.#adhoc.set(key, stmt);
    }
    return stmt;
  }

  #setMemberships(location: string, mixins: readonly string[], clear: boolean): void {
    if (clear) this.#clearMemberships.run(location);
    for (const m of mixins) this.#addMembership.run(m, location);
  }
}
