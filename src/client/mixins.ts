import type { CategoryInput, Mixin } from '../model/index.js';
import type { OcciClient } from './client.js';
import type { Ref } from './types.js';
import { pathOf } from './entities.js';
import { LookupError, ResponseError, UsageError } from './errors.js';

/**
 * Mixins as tags (HTTP Protocol §3.2-3.3, §7): entities associated and
 * dissociated through the mixin's collection, user mixins defined and
 * removed at the query interface.
 */

/** POST (associate) or DELETE (dissociate) the entities' locations to the mixin's collection. */
export async function membership(client: OcciClient, method: 'POST' | 'DELETE', mixin: string, refs: readonly Ref[]): Promise<void> {
  // An empty list would mean "every member" to DELETE (HTTP Protocol 1.2 §7): never sent by accident.
  if (refs.length === 0) throw new UsageError('name at least one entity');
  const catalog = await client.discover();
  const m = catalog.resolveMixin(mixin);
  const urls = await Promise.all(refs.map((r) => client.resolve(r)));
  const location = catalog.location(m);
  if (location === undefined) {
    // No collection: tag each entity through its own rendering (1.1 servers without mixin locations).
    if (method === 'DELETE') throw new LookupError(`${m.id} has no collection on this server to remove entities from`);
    for (const u of urls) await client.update(u.href, { mixins: [m.id] });
    return;
  }
  await client.request(method, client.url(location), { content: { type: 'locations', locations: urls.map((u) => u.href) } });
}

export interface MixinDefinition {
  readonly term: string;
  /** Default `<endpoint>/occi/tags#`. */
  readonly scheme?: string;
  readonly title?: string;
  /** Default `/tags/<term>/` under the endpoint. */
  readonly location?: string;
  readonly depends?: readonly string[];
  readonly applies?: readonly string[];
}

/** Defines a user mixin; the mixin as the server now lists it. */
export async function defineMixin(client: OcciClient, def: MixinDefinition): Promise<Mixin> {
  const catalog = await client.discover();
  const scheme = def.scheme ?? new URL('occi/tags#', client.endpoint).href;
  const input: CategoryInput = {
    class: 'mixin', scheme, term: def.term, location: def.location ?? pathOf(new URL(`tags/${def.term}/`, client.endpoint).href, client.endpoint),
    depends: (def.depends ?? []).map((d) => catalog.resolveMixin(d).id), applies: (def.applies ?? []).map((k) => catalog.resolveKind(k).id),
    attributes: [], actions: [],
    ...(def.title !== undefined ? { title: def.title } : {}),
  };
  await client.request('POST', client.queryInterface, { content: { type: 'categories', categories: [input] } });
  const after = await client.discover({ refresh: true });
  const made = after.find(scheme + def.term);
  if (made?.class !== 'mixin') throw new ResponseError(`the server accepted the mixin ${scheme}${def.term} but does not list it`);
  return made as Mixin;
}

/** Removes a user mixin (the server keeps provider mixins: 403). */
export async function undefineMixin(client: OcciClient, mixin: string): Promise<void> {
  const m = (await client.discover()).resolveMixin(mixin);
  const input: CategoryInput = { class: 'mixin', scheme: m.scheme, term: m.term, depends: [], applies: [], attributes: [], actions: [] };
  await client.request('DELETE', client.queryInterface, { content: { type: 'categories', categories: [input] } });
  await client.discover({ refresh: true });
}
