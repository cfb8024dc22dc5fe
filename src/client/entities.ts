import { FIELD_ATTRIBUTES, type Attributes, type Entity, type EntityInput, type Link, type LinkInput, type Resource } from '../model/index.js';
import type { Catalog } from './catalog.js';

/**
 * A server's rendering of an entity, read by a parser as EntityInput, made
 * the model's own Resource or Link (Core §5): `id`, `source` and `target`
 * out of the attributes, locations as paths of the server, the actions it
 * offers now, its ETag as `version`.
 */
export function toEntity(input: EntityInput, url: URL, catalog: Catalog, etag?: string): Resource | Link {
  const location = url.pathname;
  const kindId = input.kind ?? catalog.kindOfPath(location)?.id ?? '';
  const kind = catalog.find(kindId);
  const a = input.attributes;
  const common: Entity = {
    id: idOf(a, location),
    kind: kindId,
    mixins: [...input.mixins],
    attributes: plain(a),
    location,
    version: etag === undefined ? '' : etag.replace(/^W\//, '').replace(/^"|"$/g, ''),
    ...(input.actions !== undefined ? { actions: [...input.actions] } : {}),
  };
  const isLink = (kind?.class === 'kind' && catalog.isLinkKind(kind as never)) || a['occi.core.source'] !== undefined;
  if (isLink) {
    const link: Link = { ...common, source: pathOf(String(a['occi.core.source'] ?? ''), url), target: pathOf(String(a['occi.core.target'] ?? ''), url) };
    if (typeof a['occi.core.target.kind'] === 'string') link.targetKind = a['occi.core.target.kind'];
    if (typeof a['occi.core.source.kind'] === 'string') link.sourceKind = a['occi.core.source.kind'];
    return link;
  }
  return { ...common, links: input.links.map((l) => toLink(l, location, url, catalog)) };
}

/** An outgoing link as a resource's rendering shows it (Text Rendering §2.3, JSON §1 `links`). */
function toLink(l: LinkInput, source: string, url: URL, catalog: Catalog): Link {
  const self = l.self === undefined ? undefined : pathOf(l.self, url);
  // `occi.core.target` when the link says it: ooi puts the link's own location between <…>.
  const said = l.attributes['occi.core.target'];
  const target = pathOf(typeof said === 'string' ? said : l.target ?? '', url);
  const targetKind = l.targetKind ?? (typeof l.attributes['occi.core.target.kind'] === 'string' ? l.attributes['occi.core.target.kind'] : undefined);
  const kind = l.kind ?? (self ? catalog.kindOfPath(self)?.id : undefined) ?? catalog.linkKindFor(catalog.kindOfPath(target))?.id ?? '';
  const link: Link = {
    id: idOf(l.attributes, self ?? ''),
    kind,
    mixins: [...l.mixins],
    attributes: plain(l.attributes),
    location: self ?? '',
    version: '',
    source,
    target,
  };
  if (targetKind !== undefined) link.targetKind = targetKind;
  return link;
}

function idOf(a: Attributes, location: string): string {
  const id = a['occi.core.id'];
  return id !== undefined ? String(id) : location.slice(location.lastIndexOf('/') + 1);
}

function plain(a: Attributes): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(a)) if (!FIELD_ATTRIBUTES.has(name)) out[name] = value;
  return out;
}

/** A location as the server's path when it is on the server (absolute URL of its origin, or a path); other URIs as they are. */
export function pathOf(uri: string, base: URL): string {
  if (uri === '') return uri;
  try {
    const u = new URL(uri, base);
    return u.origin === base.origin ? u.pathname + u.search : uri;
  } catch {
    return uri;
  }
}
