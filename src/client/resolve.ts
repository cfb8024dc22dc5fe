import { LINK, type Kind } from '../model/index.js';
import type { Catalog } from './catalog.js';
import type { OcciClient } from './client.js';
import { HttpError, LookupError, UsageError } from './errors.js';

const KNOWN = new WeakMap<OcciClient, Map<string, string>>();

/** Kinds whose instances an id is looked for in, the common ones first. */
const FIRST = ['compute', 'storage', 'network'];

/**
 * The URL of an entity named by a URL, a path, `kind/id` (`compute/4f1…`),
 * a bare id (looked for in each resource collection, then each link
 * collection) or a title (`occi.core.title`, found through a filtered
 * listing). Several entities with one title are an error naming them.
 */
export async function resolveEntity(client: OcciClient, catalog: Catalog, ref: string): Promise<URL> {
  const r = ref.trim();
  if (r === '') throw new UsageError('name an entity: a URL, a path, kind/id, an id or a title');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r) || r.startsWith('/')) return client.url(r);
  let known = KNOWN.get(client);
  if (!known) KNOWN.set(client, (known = new Map()));
  const hit = known.get(r);
  if (hit) return new URL(hit);
  const slash = r.indexOf('/');
  if (slash > 0) {
    const kind = catalog.resolveKind(r.slice(0, slash));
    const location = catalog.location(kind);
    if (location === undefined) throw new LookupError(`${kind.id} has no collection on this server`);
    return client.url(location + r.slice(slash + 1));
  }
  const kinds = [...catalog.resourceKinds()].sort((a, b) => rank(a) - rank(b));
  const linkKinds = catalog.kinds.filter((k) => catalog.isLinkKind(k) && catalog.location(k) !== undefined && k.id !== LINK.id);
  for (const kind of [...kinds, ...linkKinds]) {
    const url = client.url(catalog.location(kind)! + encodeURIComponent(r));
    try {
      const res = await client.request('GET', url, { ok404: true });
      if (res.status < 300) {
        known.set(r, url.href);
        return url;
      }
    } catch (err) {
      // Not an id of this collection (some servers answer 400 or 500 for a foreign id); credentials refused is final.
      if (!(err instanceof HttpError) || err.status === 401 || err.status === 403) throw err;
    }
  }
  const matches: string[] = [];
  for (const kind of kinds) {
    const entities = await client.listEntities(catalog.location(kind)!, { filter: { attributes: { 'occi.core.title': r } } });
    for (const e of entities) if (e.attributes['occi.core.title'] === r && !matches.includes(client.url(e.location).href)) matches.push(client.url(e.location).href);
  }
  if (matches.length === 1) {
    known.set(r, matches[0]);
    return new URL(matches[0]);
  }
  if (matches.length > 1) throw new LookupError(`${matches.length} entities are titled "${r}"; name one by URL: ${matches.join(', ')}`, matches);
  throw new LookupError(`no entity with the id or title "${r}" in ${kinds.map((k) => catalog.location(k)).join(', ')}`);
}

function rank(kind: Kind): number {
  const i = FIRST.indexOf(kind.term);
  return i < 0 ? FIRST.length : i;
}
