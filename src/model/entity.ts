import type { Attributes } from './attribute.js';

/**
 * An entity instance as data (OCCI Core §12): what backends store and
 * renderings draw. Categories are referenced by type id (`scheme + term`) and
 * resolved against the Model. `attributes` holds every attribute value except
 * the ones the fields below carry: `occi.core.id` is `id`, and for links
 * `occi.core.source`/`target`/`target.kind` are `source`/`target`/`targetKind`.
 */
export interface Entity {
  /** `occi.core.id`. A bare token (UUID or client-chosen), never with `:` (rOCCI clients reject it). */
  id: string;
  /** Type id of the entity's Kind; never changes. */
  kind: string;
  /** Type ids of associated mixins, in association order. */
  mixins: string[];
  attributes: Attributes;
  /** Absolute path where the entity lives, e.g. `/compute/<id>`; never ends in `/`. */
  location: string;
  /**
   * Opaque version, the ETag: it changes whenever the entity changes. A
   * counter in the embedded store; what the cloud offers (an `updated`
   * stamp, a digest of the content) in a remote backend.
   */
  version: string;
  /**
   * Type ids of the actions valid on the entity now, when its backend knows
   * better than the model's state machine (a cloud in a transitional state:
   * Nova `BUILD`, OpenNebula `PROLOG`). Absent: the state machine decides.
   */
  actions?: readonly string[];
  /** Who owns it (user or group); isolation arrives with authentication. */
  owner?: string;
}

export interface Resource extends Entity {
  /** Outgoing links, fully populated (composition: they go when the resource goes). */
  links: Link[];
}

export interface Link extends Entity {
  /** Location (path) of the source resource, inside this provider. */
  source: string;
  /** Location of the target: a path inside this provider, or any URI (1.2). */
  target: string;
  /** Type id of the target's Kind, when known. */
  targetKind?: string;
  /** Type id of the source's Kind. */
  sourceKind?: string;
}

/**
 * The `occi.core.*` attributes an Entity carries in fields rather than in
 * `attributes` (Text Rendering §3 mapping table): `id`, and for links
 * `source`, `target`, `targetKind`, `sourceKind`.
 */
export const FIELD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'occi.core.id', 'occi.core.source', 'occi.core.target', 'occi.core.target.kind', 'occi.core.source.kind',
]);

export function isLink(e: Entity): e is Link {
  return typeof (e as Link).source === 'string';
}

export function isResource(e: Entity): e is Resource {
  return Array.isArray((e as Resource).links);
}
