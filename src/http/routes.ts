import { ENTITY_JSON_LOCATION, type Kind, type Mixin, type Model } from '../model/index.js';

/** What a path names (HTTP Protocol §2): the query interface, a collection, an entity, or nothing. */
export type Route =
  | { readonly type: 'query' }
  | { readonly type: 'kind'; readonly kind: Kind }
  | { readonly type: 'mixin'; readonly mixin: Mixin }
  | { readonly type: 'entity'; readonly kind: Kind }
  | { readonly type: 'unbound' };

export const QUERY_PATHS = new Set(['/-/', '/.well-known/org/ogf/occi/-/']);

/** Methods each kind of path answers; anything else is 405 with this list in `Allow`. */
export const ALLOWED: Readonly<Record<Route['type'], readonly string[]>> = {
  query: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
  kind: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
  mixin: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  entity: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  unbound: ['GET', 'HEAD', 'OPTIONS'],
};

/** Classifies a (decoded, checked) path; undefined when nothing can live there. */
export function route(model: Model, path: string): Route | undefined {
  if (QUERY_PATHS.has(path)) return { type: 'query' };
  if (path.endsWith('/')) {
    const c = model.findByLocation(path);
    if (c?.class === 'kind') return { type: 'kind', kind: c };
    if (c?.class === 'mixin') return { type: 'mixin', mixin: c };
    // Named only in JSON discovery, for rOCCI-core (core.ts): it lists everything, read-only like `/`.
    if (path === ENTITY_JSON_LOCATION) return { type: 'unbound' };
    // An unbound path is the union of the collections below it (HTTP Protocol §2);
    // one with no collection below it names nothing.
    if (path === '/' || model.kinds.some((k) => k.location?.startsWith(path)) || model.mixins.some((m) => m.location.startsWith(path))) {
      return { type: 'unbound' };
    }
    return undefined;
  }
  const kind = model.findKindForEntityPath(path);
  return kind ? { type: 'entity', kind } : undefined;
}
