import { ValidationError } from '../errors.js';
import { matchesFilter, type Entity, type Model } from '../model/index.js';
import type { ListQuery, ListResult } from './backend.js';

export interface SelectOptions {
  /** The entities after a cursor; default: those after the entity whose id is the cursor. */
  readonly after?: (list: readonly Entity[], cursor: string) => Entity[];
  /** The cursor a page ending at `last` hands out; default: its id. */
  readonly marker?: (last: Entity) => string;
}

/**
 * One page of a listing a cloud backend fetched whole, in its order: the
 * mixin collection (a mixin and those depending on it, Core §7), the
 * category and attribute filter, then the cursor or offset, and the limit.
 * A full page carries `next`; a listing without a cursor its `total`.
 */
export function selectPage(model: Model, entities: readonly Entity[], query: ListQuery, options: SelectOptions = {}): ListResult {
  let list = [...entities];
  if (query.mixin !== undefined) {
    const named = model.findMixin(query.mixin);
    const family = new Set([query.mixin, ...(named ? model.mixins.filter((m) => m.dependsOn(named)).map((m) => m.id) : [])]);
    list = list.filter((e) => e.mixins.some((m) => family.has(m)));
  }
  if (query.filter) list = list.filter((e) => matchesFilter(model, e, query.filter!));
  // Without a cursor `entities` is the whole collection; after one a backend may have fetched only what follows it.
  const total = query.cursor === undefined ? list.length : undefined;
  if (query.cursor !== undefined) list = (options.after ?? afterId)(list, query.cursor);
  const from = query.offset ?? 0;
  const page = list.slice(from, query.limit === undefined ? undefined : from + query.limit);
  const more = query.limit !== undefined && page.length === query.limit && list.length > from + page.length;
  return {
    locations: page.map((e) => e.location),
    ...(query.detail === 'entities' ? { entities: page } : {}),
    ...(more ? { next: (options.marker ?? ((e: Entity) => e.id))(page.at(-1)!) } : {}),
    ...(total === undefined ? {} : { total }),
  };
}

function afterId(list: readonly Entity[], cursor: string): Entity[] {
  const at = list.findIndex((e) => e.id === cursor);
  if (at < 0) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `marker "${cursor}" is not in this listing any more; start again from page 1`);
  return list.slice(at + 1);
}
