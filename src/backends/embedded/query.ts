import { ValidationError } from '../../errors.js';
import { matchesFilter, type Entity, type Model } from '../../model/index.js';
import type { ListQuery, ListResult, RequestContext } from '../backend.js';
import type { EntityCache } from './cache.js';
import type { Op } from './op.js';
import { rowToEntity, type Dialect, type EntityRow, type Store } from './store.js';

/**
 * A collection listing in creation order. Kind, mixin and owner are
 * SQL on indexed columns; the category and attribute filter (HTTP Protocol
 * §9) needs the model's typed comparison and runs on the parsed rows. A
 * full page carries `next`, the creation sequence number of its last entity;
 * every answer carries `total` (a count query when the listing is paged).
 */
export function* listEntities(store: Store, base: Model, ctx: RequestContext, query: ListQuery, cache?: EntityCache): Op<ListResult> {
  // Mixin ids and families as the requester names them: public mixins and their own.
  const model = base.visibleTo(ctx.owner);
  const { lastSeq, ...result } = yield* listPage(store, model, ctx, query, cache);
  const paged = query.limit !== undefined || query.cursor !== undefined || (query.offset ?? 0) > 0;
  const total = paged ? yield* countAll(store, model, ctx, query) : result.locations.length;
  if (query.limit === undefined || result.locations.length < query.limit || result.locations.length === 0 || lastSeq === undefined) return { ...result, total };
  return { ...result, next: String(lastSeq), total };
}

type Page = ListResult & { lastSeq?: number };
type SeqRow = { seq: number; owner: string; location: string };

/** Every page of a listing, counted: SQL's count where no filter applies, else the filtered rows. */
function* countAll(store: Store, model: Model, ctx: RequestContext, query: ListQuery): Op<number> {
  const whole = selection(store.dialect, model, ctx, { ...query, cursor: undefined });
  if (whole === undefined) return 0;
  const filter = query.filter;
  if (filter === undefined || (filter.categories.length === 0 && Object.keys(filter.attributes).length === 0)) {
    return Number(yield* store.value(`SELECT count(*) ${whole.from}`, whole.params));
  }
  const rows = yield* store.rows<EntityRow>(`SELECT * ${whole.from}`, whole.params);
  return rows.reduce((n, row) => n + (matchesFilter(ctx.admin ? model.visibleTo(row.owner) : model, rowToEntity(row), filter) ? 1 : 0), 0);
}

function* listPage(store: Store, model: Model, ctx: RequestContext, query: ListQuery, cache?: EntityCache): Op<Page> {
  const selected = selection(store.dialect, model, ctx, query);
  if (selected === undefined) return query.detail === 'entities' ? { locations: [], entities: [] } : { locations: [] };
  const { params } = selected;
  const sql = `${selected.from} ORDER BY seq`;
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = query.limit === undefined ? store.dialect.noLimit : Math.max(0, Math.floor(query.limit));
  const filter = query.filter;
  const filtering = filter !== undefined && (filter.categories.length > 0 || Object.keys(filter.attributes).length > 0);

  if (!filtering && query.detail === 'locations') {
    const rows = yield* store.rows<SeqRow>(`SELECT seq, owner, location ${sql} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    return { locations: rows.map((r) => r.location), lastSeq: lastSeqOf(rows) };
  }
  let rows: EntityRow[];
  if (filtering) {
    // The filter reads each entity's mixins as its owner named them.
    const all = yield* store.rows<EntityRow>(`SELECT * ${sql}`, params);
    rows = all.filter((r) => matchesFilter(ctx.admin ? model.visibleTo(r.owner) : model, rowToEntity(r), filter!));
    rows = rows.slice(offset, limit === null || limit < 0 ? undefined : offset + limit);
  } else {
    if (cache) return yield* cachedPage(store, cache, sql, [...params, limit, offset]);
    rows = yield* store.rows<EntityRow>(`SELECT * ${sql} LIMIT ? OFFSET ?`, [...params, limit, offset]);
  }
  const entities = rows.map(rowToEntity);
  const locations = entities.map((e) => e.location);
  const lastSeq = lastSeqOf(rows);
  return query.detail === 'entities' ? { locations, entities: yield* store.withLinks(entities), lastSeq } : { locations, lastSeq };
}

/** The FROM and WHERE of a listing (owner, kinds, mixin, union, cursor), or undefined when it selects nothing. */
function selection(dialect: Dialect, model: Model, ctx: RequestContext, query: ListQuery): { from: string; params: unknown[] } | undefined {
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
    where.push(members(dialect, model, ctx, mixinFamily(model, query.mixin), params));
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
      parts.push(`SELECT seq FROM entities WHERE ${members(dialect, model, ctx, query.union.mixins, params)}`);
    }
    if (parts.length === 0) return undefined;
    where.push(`seq IN (${parts.join(' UNION ')})`);
  }
  return { from: `FROM entities${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`, params };
}

/**
 * The WHERE term for entities associated with one of `ids` (pushing its
 * parameters): a membership joins an owner's entity to a public mixin or to
 * that owner's own. A requester sees their own memberships; an
 * administrator, for public mixins, everyone's, and for owned ids their own
 * only (another owner's mixin of the same id is another mixin).
 */
function members(dialect: Dialect, model: Model, ctx: RequestContext, ids: readonly string[], params: unknown[]): string {
  const any = (list: readonly string[], owner: boolean) => {
    params.push(JSON.stringify(list));
    if (owner) params.push(ctx.owner);
    return `(owner, location) IN (SELECT owner, location FROM memberships WHERE mixin IN (${dialect.jsonList('?')})${owner ? ' AND owner = ?' : ''})`;
  };
  if (!ctx.admin) return any(ids, true);
  const publicIds = ids.filter((id) => model.findMixin(id)?.owner === undefined);
  const ownIds = ids.filter((id) => model.findMixin(id)?.owner !== undefined);
  const terms = [...(publicIds.length > 0 ? [any(publicIds, false)] : []), ...(ownIds.length > 0 ? [any(ownIds, true)] : [])];
  return terms.length === 0 ? 'FALSE' : `(${terms.join(' OR ')})`;
}

/**
 * A page of full entities through the read cache: the locations alone when
 * every entity is cached (a listing polled again), else the rows, keeping
 * and reusing cached entities.
 */
function* cachedPage(store: Store, cache: EntityCache, sql: string, params: unknown[]): Op<Page> {
  const keys = yield* store.rows<SeqRow>(`SELECT seq, owner, location ${sql} LIMIT ? OFFSET ?`, params);
  const locations = keys.map((k) => k.location);
  const lastSeq = lastSeqOf(keys);
  const hits: Entity[] = [];
  for (const k of keys) {
    const e = cache.get(k.owner, k.location);
    if (!e) break;
    hits.push(e);
  }
  if (hits.length === keys.length) return { locations, entities: hits, lastSeq };
  // Only the entities the cache lacks are read (after a write: the few it changed), in the same snapshot.
  // (Only the SQLite engine keeps a cache: json_each is SQLite's.)
  const entities: Array<Entity | undefined> = keys.map((k) => cache.get(k.owner, k.location));
  const missing = keys.filter((_, i) => entities[i] === undefined).map((k) => Number(k.seq));
  const bySeq = new Map<number, Entity>();
  const rows = yield* store.rows<EntityRow>('SELECT * FROM entities WHERE seq IN (SELECT value FROM json_each(?))', [JSON.stringify(missing)]);
  const read = rows.map((row) => {
    const fresh = rowToEntity(row);
    bySeq.set(Number(row.seq), fresh);
    return fresh;
  });
  yield* store.withLinks(read);
  for (const e of read) cache.add(e);
  const page: Entity[] = [];
  keys.forEach((k, i) => {
    const e = entities[i] ?? bySeq.get(Number(k.seq));
    if (e) page.push(e);
  });
  return { locations: page.map((e) => e.location), entities: page, lastSeq };
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

/** The creation sequence number of a page's last row (PostgreSQL's bigint arrives as a string). */
function lastSeqOf(rows: ReadonlyArray<{ seq: number }>): number | undefined {
  const seq = rows.at(-1)?.seq;
  return seq === undefined ? undefined : Number(seq);
}
