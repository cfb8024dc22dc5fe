import { ValidationError } from '../../errors.js';
import {
  COMPUTE, NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, isResource, type Entity, type Model,
} from '../../model/index.js';
import type { ListQuery, ListResult } from '../backend.js';
import { selectPage } from '../select.js';
import { parseLocation, type Place } from './mapping.js';

/**
 * The part of list() that needs no oned: which pools a query needs, and
 * the selection, order and page of what they gave. Entities are ordered by
 * kind (compute, network, storage, networkinterface, storagelink), then by
 * oned ID: VMs, networks and images are numbered by separate counters, so
 * there is no creation order across kinds. The cursor (`next`) is the last
 * entity's location without its leading slash (`compute/41`).
 */

export const KIND_ORDER = [COMPUTE.id, NETWORK.id, STORAGE.id, NETWORKINTERFACE.id, STORAGELINK.id] as const;

/** Which pools a query needs: VMs (computes and their links), virtual networks, images. */
export function poolsFor(query: ListQuery): { vms: boolean; vnets: boolean; images: boolean; kinds: Set<string> } {
  const kinds = new Set<string>(query.kinds === undefined ? KIND_ORDER : query.kinds.filter((k) => (KIND_ORDER as readonly string[]).includes(k)));
  return {
    vms: kinds.has(COMPUTE.id) || kinds.has(NETWORKINTERFACE.id) || kinds.has(STORAGELINK.id),
    vnets: kinds.has(NETWORK.id),
    images: kinds.has(STORAGE.id),
    kinds,
  };
}

/** The cursor as a place; ValidationError for one this backend did not give. */
export function parseCursor(cursor: string): Place {
  const place = parseLocation(`/${cursor}`);
  if (!place) throw new ValidationError('OCCI_ERR_VALIDATION_QUERY', `marker "${cursor}" is not one this server gave`);
  return place;
}

function orderKey(place: Place): number[] {
  const kind = KIND_ORDER.findIndex((k) => k.endsWith(`#${place.kind}`));
  return 'id' in place ? [kind, place.id, -1] : [kind, place.vm, place.sub];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Computes and, when asked for, their links as entities of their own, plus networks and storages, in order. */
export function flatten(computes: readonly Entity[], others: readonly Entity[], kinds: ReadonlySet<string>): Entity[] {
  const out: Entity[] = [];
  const links = computes.flatMap((c) => (isResource(c) ? c.links : []));
  if (kinds.has(COMPUTE.id)) out.push(...computes);
  out.push(...others.filter((e) => kinds.has(e.kind)));
  out.push(...links.filter((l) => kinds.has(l.kind)));
  const key = new Map(out.map((e) => [e, orderKey(parseLocation(e.location)!)]));
  return out.sort((a, b) => compare(key.get(a)!, key.get(b)!));
}

/** Mixin collection, filter, cursor and page over entities in order; the cursor is a location, so it survives the entity's deletion. */
export function select(model: Model, entities: readonly Entity[], query: ListQuery): ListResult {
  return selectPage(model, entities, query, {
    after: (list, cursor) => {
      const after = orderKey(parseCursor(cursor));
      return list.filter((e) => compare(orderKey(parseLocation(e.location)!), after) > 0);
    },
    marker: (last) => last.location.slice(1),
  });
}
