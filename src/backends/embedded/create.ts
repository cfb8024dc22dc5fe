import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../../errors.js';
import {
  CLIENT_ID, LINK, type Entity, type EntityDraft, type Kind, type Link, type Model,
} from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import { completeLink, completeResource } from './assign.js';
import { rowToEntity, type Store } from './store.js';

/** What creation needs besides the request; runs inside the caller's write transaction. */
export interface Creator {
  readonly store: Store;
  readonly model: Model;
  /** Type id of the default OS template, if any. */
  readonly defaultOs: string | undefined;
}

/** Absolute URIs a link may point to outside this provider (Core 1.2 §12: the target is any URI). */
const EXTERNAL = /^(https?:\/\/|urn:)/i;

export function createEntities(c: Creator, ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Entity[] {
  if (at !== undefined && drafts.length !== 1) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', 'a location can be chosen for one entity at a time');
  }
  const created: string[] = [];
  for (const draft of drafts) {
    const kind = draft.kind;
    const location = at === undefined ? undefined : checkAt(c, kind, at);
    if (kind.isA(LINK)) {
      if (draft.source === undefined || draft.target === undefined) {
        throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link needs a source and a target');
      }
      created.push(insertLink(c, ctx, draft, draft.source, draft.target, location));
    } else {
      created.push(insertResource(c, ctx, draft, location));
    }
  }
  return c.store.withLinks(created.map((l) => rowToEntity(c.store.find(ctx, l)!)));
}

/** Adds a resource's inline links (creation, or a partial update that carries links). */
export function insertLinks(c: Creator, ctx: RequestContext, source: string, drafts: readonly EntityDraft[]): void {
  for (const d of drafts) insertLink(c, ctx, d, source, d.target ?? '', undefined);
}

function insertResource(c: Creator, ctx: RequestContext, draft: EntityDraft, at: string | undefined): string {
  const { kind } = draft;
  const location = at ?? newLocation(c, kind, draft.requestedId);
  const { mixins, attributes } = completeResource(c.model, kind, draft.mixins, draft.attributes, c.defaultOs);
  c.store.insert({
    id: idOf(kind, location), kind: kind.id, mixins: mixins.map((m) => m.id), attributes, location, version: '1', owner: ctx.owner,
  });
  insertLinks(c, ctx, location, draft.links);
  return location;
}

function insertLink(c: Creator, ctx: RequestContext, draft: EntityDraft, source: string, target: string, at: string | undefined): string {
  const { kind } = draft;
  // An invisible source is reported like an absent one: isolation must not leak existence.
  const from = c.store.find(ctx, source);
  if (!from || from.source !== null) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the source ${source} is not a resource of this provider`);
  }
  let targetKind = draft.targetKind;
  if (target.startsWith('/')) {
    const to = c.store.find(ctx, target);
    if (!to) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the target ${target} does not exist`);
    targetKind = to.kind;
  } else if (!EXTERNAL.test(target)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the target ${target} is neither a path of this provider nor an absolute URI`);
  }
  const location = at ?? newLocation(c, kind, draft.requestedId);
  const siblings = c.store.linksOf(source);
  const attributes = completeLink(kind, draft.attributes, siblings, (l) => c.model.findKind(l.kind));
  const link: Link = {
    id: idOf(kind, location), kind: kind.id, mixins: draft.mixins.map((m) => m.id), attributes, location, version: '1',
    // A link is part of its source resource (Core §12, composition), so it has the source's owner.
    owner: from.owner, source, target, sourceKind: from.kind,
  };
  if (targetKind !== undefined) link.targetKind = targetKind;
  c.store.insert(link);
  return location;
}

/** `<kind location><id>`: the requested id when it is free, else a fresh UUID. */
function newLocation(c: Creator, kind: Kind, requested: string | undefined): string {
  const base = kindLocation(kind);
  if (requested !== undefined && CLIENT_ID.test(requested) && !c.store.idTaken(requested) && !c.store.locationTaken(base + requested)) {
    return base + requested;
  }
  return base + newId();
}

/**
 * A time-ordered UUID (RFC 9562 version 7: 48 bits of milliseconds, 74
 * random bits). New ids sort after older ones, so the unique indexes on id
 * and location grow at their right edge: a group of creations touches a few
 * index pages instead of one random page per index each, and every commit
 * writes that much less to the WAL.
 */
export function newId(): string {
  // randomUUID draws from a buffered pool; its random part (after the version digit) is kept.
  const random = randomUUID();
  const ms = Date.now().toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
}

/** A PUT to a new path (HTTP Protocol §5.2): `<kind location><token>`, and free. */
function checkAt(c: Creator, kind: Kind, at: string): string {
  const base = kindLocation(kind);
  const token = at.startsWith(base) ? at.slice(base.length) : '';
  if (!CLIENT_ID.test(token)) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_LOCATION',
      `${at} is not a location for a new ${kind.term}: use ${base}<id>, the id made of letters, digits, "-" and "_"`,
    );
  }
  if (c.store.locationTaken(at) || c.store.idTaken(token)) {
    throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `${at} is taken`);
  }
  return at;
}

function kindLocation(kind: Kind): string {
  if (kind.location === undefined) {
    throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `${kind.id} has no location; its instances cannot be created`);
  }
  return kind.location;
}

function idOf(kind: Kind, location: string): string {
  return location.slice(kindLocation(kind).length);
}
