import type { EntityChange, ListQuery } from '../backends/index.js';
import { NotFoundError, NotImplementedError, QuotaError, TooLargeError, ValidationError } from '../errors.js';
import { HEADER_RENDERING } from '../rendering/index.js';
import {
  ENTITY_JSON_LOCATION, applyUpdate, checkActionInput, dissociate, draftEntity, missingKind, type Action, type Entity, type FilterInput, type Kind, type Mixin, type Model,
} from '../model/index.js';
import type { Exchange, Outcome } from './app.js';
import { checkCreatable } from './capabilities.js';
import { readFilter } from './filter.js';
import type { Route } from './routes.js';

type CollectionRoute = Extract<Route, { type: 'kind' | 'mixin' | 'unbound' }>;

/** Kind collections, mixin collections and unbound paths (HTTP Protocol §6, §7). */
export async function handleCollection(x: Exchange, r: CollectionRoute, method: string): Promise<Outcome> {
  switch (method) {
    case 'GET':
      return list(x, r);
    case 'POST':
      if (x.action !== undefined) return runAction(x, r);
      if (r.type === 'kind') return create(x, r.kind);
      if (r.type === 'mixin') return associate(x, r.mixin, 'add');
      break;
    case 'PUT':
      if (r.type === 'mixin') return associate(x, r.mixin, 'replace');
      break;
    case 'DELETE':
      if (r.type === 'mixin') return associate(x, r.mixin, 'remove');
      if (r.type === 'kind') return deleteMembers(x, r.kind);
      break;
  }
  throw new NotImplementedError(`${method} on ${x.path}`);
}

/** The ListQuery that selects a collection's members. */
function membersOf(x: Exchange, r: CollectionRoute): Pick<ListQuery, 'kinds' | 'mixin'> {
  if (r.type === 'kind') return { kinds: x.model.kinds.filter((k) => k.isA(r.kind)).map((k) => k.id) };
  if (r.type === 'mixin') return { mixin: r.mixin.id };
  return {};
}

async function list(x: Exchange, r: CollectionRoute): Promise<Outcome> {
  const { rendering } = x.expect('collection');
  const filter = readFilter(x);
  const page = readPage(x);
  const detail = rendering.collectionDetail;
  if (r.type === 'unbound' && x.path !== '/' && x.path !== ENTITY_JSON_LOCATION) return listUnbound(x, filter, page, detail);
  const result = await x.backend.list(x.ctx, { ...membersOf(x, r), filter, ...page, detail });
  const headers: Array<[string, string]> = result.next === undefined ? [] : [['Link', nextLink(x, result.next)]];
  if (result.total !== undefined) headers.push([TOTAL_HEADER, String(result.total)]);
  return { status: 200, headers, value: { type: 'collection', locations: result.locations, entities: result.entities } };
}

/** How many entities every page of a listing holds together, when the backend knows (docs/guide.md, Paging). */
export const TOTAL_HEADER = 'X-Total-Count';

/**
 * RFC 8288 `Link: <…>; rel="next"` to the page after a full one: the same
 * query with the backend's marker instead of `page`, cheaper than an offset
 * for a cloud that pages by marker (Nova).
 */
function nextLink(x: Exchange, next: string): string {
  const query = new URLSearchParams(x.query);
  query.delete('page');
  query.set('marker', next);
  return `<${x.url(x.path)}?${query.toString()}>; rel="next"`;
}

/**
 * An unbound path is the union of the collections below it (HTTP Protocol 1.2
 * §2): `/mixin/` lists every entity associated with a mixin located under it
 * (or with a mixin depending on one), and every entity of a Kind located
 * under it. One listing, whatever the number of collections below: a backend
 * with `unionListing` answers it from its indexes, paged; for another the
 * owner's entities are listed once and kept by sets.
 * `/` is every entity, listed by the backend directly.
 */
async function listUnbound(x: Exchange, filter: FilterInput, page: Page, detail: 'locations' | 'entities'): Promise<Outcome> {
  if (page.cursor !== undefined) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `${x.path} pages with page and number, not marker`);
  const kinds = x.model.kinds.filter((k) => k.location?.startsWith(x.path)).map((k) => k.id);
  const below = x.model.mixins.filter((m) => m.location.startsWith(x.path));
  const mixins = below.length === 0 ? [] : x.model.family(...below).map((m) => m.id);
  if (x.backend.capabilities.unionListing) {
    const result = await x.backend.list(x.ctx, { union: { kinds, mixins }, filter, ...page, detail });
    const headers: Array<[string, string]> = result.total === undefined ? [] : [[TOTAL_HEADER, String(result.total)]];
    return { status: 200, headers, value: { type: 'collection', locations: result.locations, entities: result.entities } };
  }
  const kindSet = new Set(kinds);
  const mixinSet = new Set(mixins);
  const all = (await x.backend.list(x.ctx, { filter, detail: 'entities' })).entities ?? [];
  const entities = all.filter((e) => kindSet.has(e.kind) || e.mixins.some((id) => mixinSet.has(id)));
  const from = page.offset ?? 0;
  const shown = entities.slice(from, page.limit === undefined ? undefined : from + page.limit);
  return {
    status: 200,
    headers: [[TOTAL_HEADER, String(entities.length)]],
    value: { type: 'collection', locations: shown.map((e) => e.location), entities: detail === 'entities' ? shown : undefined },
  };
}

type Page = { offset?: number; limit?: number; cursor?: string };

/**
 * HTTP Protocol §10: `page` (1-based) and `number` go together; a page over
 * the limit is 413. `marker` (from a `Link: rel="next"`) may stand for `page`.
 */
function readPage(x: Exchange): Page {
  const page = x.query.get('page');
  const number = x.query.get('number');
  const marker = x.query.get('marker');
  if (page === null && number === null && marker === null) return {};
  if (page !== null && marker !== null) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', 'give page or marker, not both');
  if (number === null || (page === null && marker === null)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', 'page and number must be given together, e.g. ?page=1&number=50');
  }
  if (!/^[1-9]\d*$/.test(number)) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `number must be a positive integer, got "${number}"`);
  // A positive integer of any length above the limit is the documented 413, not a malformed value.
  if (number.length > 9 || Number(number) > x.app.maxPageSize) {
    throw new TooLargeError(`number ${number} is larger than the largest page, ${x.app.maxPageSize} (--max-page-size)`);
  }
  const limit = Number(number);
  if (marker !== null) return { limit, cursor: marker };
  if (!/^[1-9]\d{0,8}$/.test(page!)) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `page must be a positive integer (pages count from 1), got "${page}"`);
  return { offset: (Number(page) - 1) * limit, limit };
}

/** POST to a Kind location (HTTP Protocol §6.2): one entity, or a JSON collection of them, atomically. */
async function create(x: Exchange, kind: Kind): Promise<Outcome> {
  const { rendering } = x.expect('collection');
  const inputs = x.parser().parseEntities(x.parseInput(), x.model);
  if (inputs.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `nothing to create: name the kind ${kind.id}`);
  x.checkItems(inputs.reduce((n, i) => n + 1 + i.links.length, 0), 'entities and inline links');
  for (const input of inputs) {
    if (input.kind === undefined) throw missingKind(x.model, kind, input);
  }
  const drafts = inputs.map((input) => draftEntity(x.model, kind, input, x.resolve));
  checkCreatable(x, drafts);
  const created = await x.backend.create(x.ctx, drafts);
  const locations = created.map((e) => e.location);
  const headers: Array<[string, string]> = [['Location', x.url(locations[0])]];
  if (rendering.collectionDetail === 'entities' && created.length === 1) {
    return { status: 201, headers, value: { type: 'entity', entity: created[0] } };
  }
  return { status: 201, headers, value: { type: 'collection', locations, entities: created } };
}

/** POST `?action=` on a collection (HTTP Protocol §6.3): every member not already there, all or nothing. */
async function runAction(x: Exchange, r: CollectionRoute): Promise<Outcome> {
  const { rendering } = x.expect('collection');
  const input = x.parser().parseAction(x.parseInput(), x.model);
  const members = await x.backend.list(x.ctx, { ...membersOf(x, r), filter: readFilter(x), detail: 'entities' });
  const entities = members.entities ?? [];
  let checked: ReturnType<typeof checkActionInput> | undefined;
  for (const e of entities) {
    // The action must be defined for every member (OCCI Core §8).
    checked = checkActionInput(x.model, x.model.getKind(e.kind), x.model.resolveMixins(e.mixins, e.owner), x.action!, input);
  }
  if (!checked) {
    if (r.type === 'kind') checkActionInput(x.model, r.kind, [], x.action!, input);
    return { status: 200, value: { type: 'collection', locations: [], entities: [] } };
  }
  const max = x.app.maxUserMixins;
  if (checked.action.term === 'save' && max !== undefined && x.model.ownedBy(x.ctx.owner) + entities.length > max) {
    throw new QuotaError(`you define ${x.model.ownedBy(x.ctx.owner)} mixins and templates, and save would make ${entities.length} more; at most ${max} (--max-user-mixins)`);
  }
  // Members already where the action leads are left as they are, as a cloud does: one running VM does not fail `start` for all.
  const skipped = new Set(entities.filter((e) => alreadyThere(x.model, e, checked.action)).map((e) => e.location));
  const pending = members.locations.filter((l) => !skipped.has(l));
  const results = pending.length === 0 ? [] : await x.backend.invoke(x.ctx, pending, checked.action, checked.parameters);
  const acted = new Map(results.flatMap((res) => (res.type === 'entity' ? [[res.entity.location, res.entity] as const] : [])));
  const done = entities.flatMap((e) => (skipped.has(e.location) ? [e] : acted.has(e.location) ? [acted.get(e.location)!] : []));
  return {
    status: 200,
    value: { type: 'collection', locations: done.map((e) => e.location), entities: rendering.collectionDetail === 'entities' ? done : undefined },
  };
}

/**
 * True when `entity` is already in the state `action` leads to and the
 * action is not valid there (start on an active compute; restart on one is
 * still done): its state machine (Infrastructure 1.2 §2.3, §3, §4).
 */
function alreadyThere(model: Model, entity: Entity, action: Action): boolean {
  const kind = model.findKind(entity.kind);
  const machine = kind && model.stateMachine(kind);
  const transition = machine?.transitions.get(action.id);
  if (!machine || transition?.to === undefined) return false;
  const state = entity.attributes[machine.attribute];
  return state === transition.to && !transition.from.includes(state);
}

/** Mixin collections (HTTP Protocol §7): POST adds members, PUT replaces the set, DELETE removes members. */
async function associate(x: Exchange, mixin: Mixin, mode: 'add' | 'replace' | 'remove'): Promise<Outcome> {
  const { rendering } = x.expect('collection');
  const listed = readLocations(x);
  x.checkItems(listed.length, 'locations');
  const current = await x.backend.list(x.ctx, { mixin: mixin.id, detail: 'entities' });
  const members = new Map((current.entities ?? []).map((e) => [e.location, e]));
  const currentSet = new Set(current.locations);
  const changes: EntityChange[] = [];
  const toAdd = mode === 'remove' ? [] : listed.filter((l) => !currentSet.has(l));
  for (const location of new Set(toAdd)) {
    const entity = await getOr404(x, location);
    const { entity: updated } = applyUpdate(x.model, entity, { mixins: [mixin.id], attributes: {}, links: [], actionLinks: 0 }, x.resolve);
    changes.push({ before: entity, after: updated });
  }
  let toRemove: Entity[] = [];
  if (mode === 'replace') {
    const keep = new Set(listed);
    toRemove = (current.entities ?? []).filter((e) => !keep.has(e.location));
  } else if (mode === 'remove') {
    // HTTP Protocol 1.2 §7: without a list, every member is removed.
    if (listed.length === 0) toRemove = current.entities ?? [];
    else {
      for (const location of new Set(listed)) {
        const e = members.get(location);
        if (!e) throw new NotFoundError(`${location} is not a member of ${mixin.location}`);
        toRemove.push(e);
      }
    }
  }
  x.checkItems(toAdd.length + toRemove.length, `changes to the members of ${mixin.location}`);
  for (const e of toRemove) changes.push({ before: e, after: dissociate(x.model, e, mixin) });
  if (changes.length > 0) await x.backend.update(x.ctx, changes);
  const after = await x.backend.list(x.ctx, { mixin: mixin.id, detail: rendering.collectionDetail });
  return { status: 200, value: { type: 'collection', locations: after.locations, entities: after.entities } };
}

/** DELETE on a Kind collection: the listed members (1.1), or all of them (1.2 §6.5). */
async function deleteMembers(x: Exchange, kind: Kind): Promise<Outcome> {
  x.expect('empty');
  const listed = readLocations(x);
  x.checkItems(listed.length, 'locations');
  let locations: string[];
  if (listed.length > 0) {
    for (const l of listed) {
      if (x.model.findKindForEntityPath(l)?.isA(kind) !== true) throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', `${l} is not in ${kind.location}`);
    }
    locations = [...new Set(listed)];
  } else {
    locations = (await x.backend.list(x.ctx, { ...membersOf(x, { type: 'kind', kind }), detail: 'locations' })).locations;
  }
  if (locations.length > 0) await x.backend.delete(x.ctx, locations);
  return { status: 200, value: { type: 'empty' } };
}

async function getOr404(x: Exchange, location: string): Promise<Entity> {
  const e = await x.backend.get(x.ctx, location);
  if (!e) throw new NotFoundError(`no entity at ${location}`);
  return e;
}

/**
 * The entity locations a request lists: `X-OCCI-Location` headers (whatever
 * the Content-Type: a client may send them beside a text/plain type) and the
 * body in its own media type. An empty list means "every member", so a list
 * must never be lost because it came in the other place.
 */
function readLocations(x: Exchange): string[] {
  const fromHeaders = x.req.headers['x-occi-location'] !== undefined
    ? HEADER_RENDERING.parser!.parseLocations({ body: '', headers: { 'x-occi-location': x.req.headers['x-occi-location'] } }, x.model)
    : [];
  const fromBody = x.req.body.trim() !== '' ? x.parser().parseLocations(x.parseInput(), x.model) : [];
  // Counted as sent: ten thousand copies of one location are ten thousand items to read.
  x.checkItems(fromHeaders.length + fromBody.length, 'locations');
  return [...new Set([...fromHeaders, ...fromBody].map(x.resolve))];
}
