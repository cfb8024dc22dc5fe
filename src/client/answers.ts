import type { CategoryInput, EntityInput } from '../model/index.js';
import { essence } from '../rendering/index.js';
import type { Catalog } from './catalog.js';
import type { Entity } from './types.js';
import { toEntity } from './entities.js';
import { ResponseError } from './errors.js';
import type { HttpResponse } from './transport.js';
import { entitiesOf, locationsOf, parsed } from './wire.js';

/**
 * What a server's answer to a write says: where a creation put the entity,
 * the entity after an update or action (when the answer shows it), the
 * categories an action made (`save`). `toUrl` makes a server path a URL.
 */

/** `Location`, else the listing or the JSON entity in the answer (HTTP Protocol §6.2: 201 with the new location). */
export function createdUrl(res: HttpResponse, url: URL, catalog: Catalog, toUrl: (path: string) => URL): string {
  if (res.headers.location) return new URL(res.headers.location, url).href;
  const req = { method: 'POST', url };
  if (essence(res.headers['content-type'] ?? '').endsWith('json') && res.body.trim() !== '') {
    const [e] = entitiesOf(res, req, catalog.model);
    if (e) return entityUrl(e, catalog, url, toUrl);
  }
  const [first] = locationsOf(res, req, catalog.model);
  if (first === undefined) throw new ResponseError(`POST ${url.href}: the server created something but did not say where (no Location)`);
  return first;
}

/** The entity an answer shows, or undefined when it shows none (204, an empty body, text/occi's `OK` alone). */
export function entityAnswer(res: HttpResponse, url: URL, catalog: Catalog): Entity | undefined {
  const type = essence(res.headers['content-type'] ?? '');
  const occiHeaders = res.headers.category !== undefined || res.headers['x-occi-attribute'] !== undefined;
  if (res.body.trim() === '' && !occiHeaders) return undefined;
  if (type === 'text/occi' && !occiHeaders) return undefined;
  const [input] = entitiesOf(res, { method: 'GET', url }, catalog.model);
  return input ? toEntity(input, url, catalog, res.headers.etag) : undefined;
}

/** A JSON entity's URL: its Kind's collection and its id. */
export function entityUrl(e: EntityInput, catalog: Catalog, base: URL, toUrl: (path: string) => URL): string {
  const id = String(e.attributes['occi.core.id'] ?? '');
  const location = e.kind ? catalog.location(e.kind) : undefined;
  if (location === undefined || id === '') throw new ResponseError(`GET ${base.href}: an entity of ${e.kind ?? 'no kind'} without a location or id`);
  return toUrl(location + encodeURIComponent(id)).href;
}

/** The categories an action answered with (`save` gives the new template), if that is what it answered. */
export function categoriesAnswer(res: HttpResponse, url: URL, catalog: Catalog): CategoryInput[] | undefined {
  const type = essence(res.headers['content-type'] ?? '');
  const body = res.body.trim();
  let categories: boolean;
  if (type.endsWith('json')) categories = /^\{\s*"(mixins|kinds|actions)"/.test(body);
  else if (type === 'text/occi') categories = /class="?mixin"?/.test(res.headers.category ?? '') && res.headers['x-occi-attribute'] === undefined;
  else categories = /^Category:.*class="?mixin"?/im.test(body) && !/^X-OCCI-Attribute:/im.test(body);
  if (!categories) return undefined;
  return parsed(res, { method: 'POST', url }, (p, i) => p.parseCategories(i, catalog.model));
}
