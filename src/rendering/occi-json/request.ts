import type { AttributeValue, Attributes, CategoryInput, EntityInput, LinkInput } from '../../model/index.js';
import type { Rendered, RequestContent } from '../rendering.js';

/**
 * A client's request as `application/occi+json` (OCCI JSON Rendering 1.2):
 * what `parse.ts` reads back. No null and no empty array goes out
 * (rOCCI-core 5 refuses both, json-rendering.md §11).
 */

type Json = AttributeValue;
type JsonObject = { [key: string]: Json };

/** The link members JSON carries outside `attributes` (§2). */
const LINK_FIELDS = ['occi.core.source', 'occi.core.target', 'occi.core.target.kind', 'occi.core.source.kind'];

export function renderJsonRequest(content: RequestContent): Rendered {
  return { headers: [], body: JSON.stringify(requestJson(content)) };
}

function requestJson(content: RequestContent): Json {
  switch (content.type) {
    case 'entity':
      return isLinkInput(content.entity) ? linkJson(content.entity) : resourceJson(content.entity);
    case 'action': {
      // §3: `attributes` only when there are parameters.
      const out: JsonObject = { action: content.action.action };
      setObject(out, 'attributes', content.action.attributes);
      return out;
    }
    case 'categories':
      return categoriesJson(content.categories);
    case 'locations':
      // A JSON array of locations ([impl] erocci, rOCCI-core's locations.json).
      return [...content.locations];
    case 'filter':
      // JSON bodies carry no filter (json-rendering.md §10): HTTP filters travel in headers.
      return {};
  }
}

function isLinkInput(input: EntityInput): boolean {
  return input.attributes['occi.core.source'] !== undefined || input.attributes['occi.core.target'] !== undefined;
}

/** §1. */
function resourceJson(input: EntityInput): JsonObject {
  const out: JsonObject = {};
  if (input.kind !== undefined) out.kind = input.kind;
  setArray(out, 'mixins', input.mixins);
  out.attributes = { ...input.attributes };
  setArray(out, 'links', input.links.map(inlineLinkJson));
  return out;
}

/** §2: source and target as objects, the other attributes inside. */
function linkJson(input: EntityInput): JsonObject {
  const out: JsonObject = {};
  if (input.kind !== undefined) out.kind = input.kind;
  setArray(out, 'mixins', input.mixins);
  out.attributes = withoutFields(input.attributes);
  const a = input.attributes;
  if (typeof a['occi.core.source'] === 'string') out.source = kinded(a['occi.core.source'], a['occi.core.source.kind']);
  if (typeof a['occi.core.target'] === 'string') out.target = kinded(a['occi.core.target'], a['occi.core.target.kind']);
  return out;
}

/** A link inside a resource (§1 `links`): its Kind may be left out, the server infers it from the target. */
function inlineLinkJson(link: LinkInput): JsonObject {
  const out: JsonObject = {};
  if (link.kind !== undefined) out.kind = link.kind;
  setArray(out, 'mixins', link.mixins);
  out.attributes = withoutFields(link.attributes);
  // An echoed link names itself by id, the last segment of its location.
  const id = link.attributes['occi.core.id'] ?? (link.self === undefined ? undefined : link.self.slice(link.self.lastIndexOf('/') + 1));
  if (typeof id === 'string' && id !== '') out.id = id;
  const target = link.target ?? link.attributes['occi.core.target'];
  if (typeof target === 'string') out.target = kinded(target, link.targetKind ?? link.attributes['occi.core.target.kind']);
  return out;
}

/** §8: mixins (and kinds and actions, by class) as full category objects. */
function categoriesJson(categories: readonly CategoryInput[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, cls] of [['kinds', 'kind'], ['mixins', 'mixin'], ['actions', 'action']] as const) {
    setArray(out, key, categories.filter((c) => c.class === cls).map((c) => {
      const o: JsonObject = { term: c.term, scheme: c.scheme };
      if (c.title !== undefined) o.title = c.title;
      if (cls === 'kind' && c.depends.length > 0) o.parent = c.depends[0];
      if (cls === 'mixin') {
        setArray(o, 'depends', c.depends);
        setArray(o, 'applies', c.applies);
      }
      if (cls !== 'action' && c.location !== undefined) o.location = c.location;
      return o;
    }));
  }
  return out;
}

function kinded(location: string, kind: AttributeValue | undefined): JsonObject {
  return typeof kind === 'string' ? { location, kind } : { location };
}

function withoutFields(attributes: Attributes): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(attributes)) if (!LINK_FIELDS.includes(name)) out[name] = value;
  return out;
}

function setArray(out: JsonObject, key: string, items: readonly Json[]): void {
  if (items.length > 0) out[key] = [...items];
}

function setObject(out: JsonObject, key: string, value: Attributes): void {
  if (Object.keys(value).length > 0) out[key] = { ...value };
}
