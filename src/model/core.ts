import { attr } from './attribute.js';
import { Kind } from './kind.js';

/** OCCI Core 1.2 §12: the three core Kinds, as data. */
export const CORE_SCHEME = 'http://schemas.ogf.org/occi/core#';

export const ENTITY = new Kind({
  scheme: CORE_SCHEME,
  term: 'entity',
  title: 'Entity',
  attributes: [
    attr('occi.core.id', 'string', { mutable: false, required: true, description: 'Unique identifier of the entity' }),
    attr('occi.core.title', 'string', { description: 'Display name of the entity' }),
  ],
});

export const RESOURCE = new Kind({
  scheme: CORE_SCHEME,
  term: 'resource',
  title: 'Resource',
  parent: ENTITY,
  location: '/resource/',
  attributes: [attr('occi.core.summary', 'string', { description: 'Short description of the resource' })],
});

export const LINK = new Kind({
  scheme: CORE_SCHEME,
  term: 'link',
  title: 'Link',
  parent: ENTITY,
  location: '/link/',
  attributes: [
    attr('occi.core.source', 'string', { required: true, description: 'Location of the source resource' }),
    attr('occi.core.target', 'string', { required: true, description: 'URI of the target' }),
    attr('occi.core.target.kind', 'string', { description: 'Kind of the target, when known' }),
    attr('occi.core.source.kind', 'string', { mutable: false, description: 'Kind of the source resource' }),
  ],
});

export const CORE_KINDS = [ENTITY, RESOURCE, LINK] as const;

/**
 * The collection of core#entity in JSON discovery. Core 1.2 binds the
 * abstract Kind to no path (and the text renderings name none), but
 * rOCCI-core 5's JSON schema requires a location on every Kind and rejects a
 * discovery document without one; it names this one. GET there lists every
 * entity, as GET on `/` does; nothing else is allowed there.
 */
export const ENTITY_JSON_LOCATION = '/entity/';
