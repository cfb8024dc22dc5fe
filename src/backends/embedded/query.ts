import { ValidationError } from '../../errors.js';
import { matchesFilter, type Entity, type Model } from '../../model/index.js';
import type { ListQuery, ListResult, RequestContext } from '../backend.js';
import type { EntityCache } from './cache.js';
import { rowToEntity, type EntityRow, type Store } from './store.js';

/**
 * A collection listing in creation order. Kind, mixin and owner are
 * SQL on indexed columns; the category and attribute filter (HTTP Protocol
 * §9) needs the model's typed comparison and runs on the parsed rows. A
 * full page carries `next`, the creation sequence number of its last entity;
 * every answer carries `total` (a count query when the listing is paged).
 */
export function listEntities(store: Store, model: Model, ctx: RequestContext, query: ListQuery, cache?: EntityCache): ListResult {
  const result = listPage(store, model, ctx, query, cache);
  const paged = query.limit !== undefined || query.cursor !== undefined || (query.offset ?? 0) > 0;
  const total = paged ? countAll(store, model, ctx, query) : result.locations.length;
  if (query.limit === undefined || result.locations.length < query.limit || result.locations.length === 0) return { ...result, total };
  const last = store.find({ ...ctx, admin: true }, result.locations.at(-1)!);
  return last ? { ...result, next: String(last.seq), total } : { ...result, total };
}

/** Every page of a listing, counted: SQL's count where no filter applies, else the filtered rows. */
function countAll(store: Store, model: Model, ctx: RequestContext, query: ListQuery): number {
  const whole = selection(model, ctx, { ...query, cursor: undefined });
  if (whole === undefined) return 0;
  const filter = query.filter;
  if (filter === undefined || (filter.categories.length === 0 && Object.keys(filter.attributes).length === 0)) {
    return store.adhoc(`SELECT count(*) ${whole.from}`, true).get(...whole.params) as number;
  }
  const rows = store.adhoc(`SELECT * ${whole.from}`).all(...whole.params) as EntityRow[];
  return rows.reduce((n, row) => n + (matchesFilter(model, rowToEntity(row), filter) ? 1 : 0), 0);
}

function listPage(store: Store, model: Model, ctx: RequestContext, query: ListQuery, cache?: EntityCache): ListResult {
  const selected = selection(model, ctx, query);
  if (selected === undefined) return query.detail === 'entities' ? { locations: [], entities: [] } : { locations: [] };
  const { params } = selected;
  const sql = `${selected.from} ORDER BY seq`;
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = query.limit === undefined ? -1 : Math.max(0, Math.floor(query.limit));
  const filter = query.filter;
  const filtering = filter !== undefined && (filter.categories.length > 0 || Object.keys(filter.attributes).length > 0);

  if (!filtering && query.detail === 'locations') {
    const locations = store.adhoc(`SELECT location ${sql} LIMIT ? OFFSET ?`, true).all(...params, limit, offset) as string[];
    return { locations };
  }
  let entities: Entity[];
  if (filtering) {
    const rows = store.adhoc(`SELECT * ${sql}`).all(...params) as EntityRow[];
    entities = rows.map(rowToEntity).filter((e) => matchesFilter(model, e, filter!));
    entities = entities.slice(offset, limit < 0 ? undefined : offset + limit);
  } else {
    if (cache) return cachedPage(store, cache, sql, [...params, limit, offset]);
    const rows = store.adhoc(`SELECT * ${sql} LIMIT ? OFFSET ?`).all(...params, limit, offset) as EntityRow[];
    entities = rows.map(rowToEntity);
  }
  const locations = entities.map((e) => e.location);
  return query.detail === 'entities' ? { locations, entities: store.withLinks(entities) } : { locations };
}

/** The FROM and WHERE of a listing (owner, kinds, mixin, union, cursor), or undefined when it selects nothing. */
function selection(model: Model, ctx: RequestContext, query: ListQuery): { from: string; params: unknown[] } | undefined {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(query.cursor)) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `marker "${query.cursor}" is not one this server gave`);
    where.push('seq > ?');
    params.push(Number(query.cursor));
  }
  // A union's parts are each limited to the owner (below).
  if (!ctx.admin && query.union === undefined) {
    where.push('owner = ?');
    params.push(ctx.owner);
  }
  if (query.kinds !== undefined) {
    if (query.kinds.length === 0) return undefined;
    // The model's kinds: a handful, fixed at start.
    where.push(`kind IN (${query.kinds.map(() => '?').join(', ')})`);
    params.push(...query.kinds);
  }
  if (query.mixin !== undefined) {
    // A mixin's family travels as one JSON array: 40,000 user mixins depending on os_tpl are
    // one bound value, not 40,000 (SQLite allows 32,766 variables in a statement).
    const ids = mixinFamily(model, query.mixin);
    where.push(ids.length === 1 ? 'location IN (SELECT location FROM memberships WHERE mixin = ?)' : 'location IN (SELECT location FROM memberships WHERE mixin IN (SELECT value FROM json_each(?)))');
    params.push(ids.length === 1 ? ids[0] : JSON.stringify(ids));
  }
  if (query.union !== undefined) {
    // One statement for every collection below the path, each part limited to the owner: the work
    // follows the owner's entities (their index), never another owner's, whatever the number of mixins.
    const own = ctx.admin ? '' : ' AND owner = ?';
    const parts: string[] = [];
    if (query.union.kinds.length > 0) {
      parts.push(`SELECT seq FROM entities WHERE kind IN (${query.union.kinds.map(() => '?').join(', ')})${own}`);
      params.push(...query.union.kinds);
      if (!ctx.admin) params.push(ctx.owner);
    }
    if (query.union.mixins.length > 0) {
      parts.push(`SELECT e.seq FROM memberships m JOIN entities e ON e.location = m.location WHERE m.mixin IN (SELECT value FROM json_each(?))${own.replace('owner', 'e.owner')}`);
      params.push(JSON.stringify(query.union.mixins));
      if (!ctx.admin) params.push(ctx.owner);
    }
    if (parts.length === 0) return undefined;
    where.push(`seq IN (${parts.join(' UNION ')})`);
  }
  return { from: `FROM entities${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`, params };
}

/**
 * A page of full entities through the read cache: the locations alone when
 * every entity is cached (a listing polled again), else the rows, keeping
 * and reusing cached entities.
 */
function cachedPage(store: Store, cache: EntityCache, sql: string, params: unknown[]): ListResult {
  const locations = store.adhoc(`SELECT location ${sql} LIMIT ? OFFSET ?`, true).all(...params) as string[];
  const hits: Entity[] = [];
  for (const l of locations) {
    const e = cache.get(l);
    if (!e) break;
    hits.push(e);
  }
  if (hits.length === locations.length) return { locations, entities: hits };
  const rows = store.adhoc(`SELECT * ${sql} LIMIT ? OFFSET ?`).all(...params) as EntityRow[];
  const read: Entity[] = [];
  const entities = rows.map((row) => {
    const e = cache.get(row.location);
    if (e) return e;
    const fresh = rowToEntity(row);
    read.push(fresh);
    return fresh;
  });
  store.withLinks(read);
  for (const e of read) cache.add(e);
  return { locations: entities.map((e) => e.location), entities };
}

/**
 * A mixin's collection holds the entities associated with it or with a mixin
 * that depends on it (Core §7: B depending on A brings A's capabilities), so
 * `/mixin/os_tpl/` lists every compute that has an OS image.
 */
function mixinFamily(model: Model, id: string): string[] {
  const mixin = model.findMixin(id);
  return mixin ? model.family(mixin).map((m) => m.id) : [id];
}
