import { randomUUID } from 'node:crypto';
import { ConflictError, QuotaError, ValidationError } from '../../errors.js';
import {
  CLIENT_ID, LINK, type Attributes, type Entity, type EntityDraft, type Kind, type Link, type Model,
} from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import { DeviceNames, completeResource } from './assign.js';
import { checkAttach } from './attachments.js';
import type { Op } from './op.js';
import { rowToEntity, type EntityRow, type Store } from './store.js';

/** What creation needs besides the request; runs inside the caller's write transaction. */
export interface Creator {
  readonly store: Store;
  readonly model: Model;
  /** Type id of the default OS template, if any. */
  readonly defaultOs: string | undefined;
  /** Most links one resource may have (beyond: 403 OCCI_ERR_FORBIDDEN_QUOTA); unlimited when undefined. */
  readonly maxLinksPerResource?: number;
  /** Type id of the `shareable` mixin (attachments.ts); attachments are not checked without it. */
  readonly shareable?: string;
  /** Device names per owner and source resource, read once per write (see DeviceNames). */
  readonly names?: Map<string, DeviceNames>;
}

/** Absolute URIs a link may point to outside this provider (Core 1.2 §12: the target is any URI). */
const EXTERNAL = /^(https?:\/\/|urn:)/i;

export function* createEntities(c: Creator, ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Op<Entity[]> {
  if (at !== undefined && drafts.length !== 1) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', 'a location can be chosen for one entity at a time');
  }
  const w: Creator = c.names ? c : { ...c, names: new Map() };
  const created: Array<[owner: string, location: string]> = [];
  for (const draft of drafts) {
    const kind = draft.kind;
    if (kind.isA(LINK)) {
      if (draft.source === undefined || draft.target === undefined) {
        throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link needs a source and a target');
      }
      const from = yield* sourceRow(w, ctx, draft.source);
      const location = at === undefined ? undefined : yield* checkAt(w, from.owner, kind, at);
      created.push([from.owner, yield* insertLink(w, draft, from, draft.target, location)]);
    } else {
      // A new resource is the requester's, in their own space (an administrator's too).
      const location = at === undefined ? undefined : yield* checkAt(w, ctx.owner, kind, at);
      created.push([ctx.owner, yield* insertResource(w, ctx, draft, location)]);
    }
  }
  const entities: Entity[] = [];
  for (const [owner, l] of created) entities.push(rowToEntity((yield* w.store.findOwned(owner, l))!));
  return yield* w.store.withLinks(entities);
}

/** Adds a resource's inline links (creation, or a partial update that carries links); `from` is the resource's row. */
export function* insertLinks(c: Creator, from: EntityRow, drafts: readonly EntityDraft[]): Op<void> {
  if (drafts.length === 0) return;
  const w: Creator = c.names ? c : { ...c, names: new Map() };
  // One source, read once; each distinct target once (a request may name the same network a thousand times).
  const targets = new Map<string, string>();
  for (const d of drafts) yield* insertLink(w, d, from, d.target ?? '', undefined, targets);
}

/** The source of a new link: a visible resource (an invisible one is reported like an absent one: isolation must not leak existence). */
function* sourceRow(c: Creator, ctx: RequestContext, source: string): Op<EntityRow> {
  const from = yield* c.store.find(ctx, source);
  if (!from || from.source !== null) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the source ${source} is not a resource of this provider`);
  }
  return from;
}

function* insertResource(c: Creator, ctx: RequestContext, draft: EntityDraft, at: string | undefined): Op<string> {
  const { kind } = draft;
  const location = at ?? (yield* newLocation(c, ctx.owner, kind, draft.requestedId));
  const { mixins, attributes } = completeResource(c.model, kind, draft.mixins, draft.attributes, c.defaultOs);
  yield* c.store.insert({
    id: idOf(kind, location), kind: kind.id, mixins: mixins.map((m) => m.id), attributes, location, version: '1', owner: ctx.owner,
  });
  yield* insertLinks(c, (yield* c.store.findOwned(ctx.owner, location))!, draft.links);
  return location;
}

/** A link of `from`'s owner (Core §12: a link is part of its source), its target resolved in that owner's space. */
function* insertLink(
  c: Creator, draft: EntityDraft, from: EntityRow, target: string, at: string | undefined, targets?: Map<string, string>,
): Op<string> {
  const { kind } = draft;
  const source = from.location;
  const owner = from.owner;
  let targetKind = draft.targetKind;
  if (target.startsWith('/')) {
    targetKind = targets?.get(target);
    if (targetKind === undefined) {
      targetKind = yield* localTargetKind(c, owner, target);
      targets?.set(target, targetKind);
    }
  } else {
    checkExternal(target);
  }
  if (c.shareable !== undefined && target.startsWith('/')) yield* checkAttach(c.store, c.model, c.shareable, owner, source, target, targetKind);
  const location = at ?? (yield* newLocation(c, owner, kind, draft.requestedId));
  const attributes = (yield* deviceNames(c, owner, source)).complete(kind, draft.attributes);
  const link: Link = {
    id: idOf(kind, location), kind: kind.id, mixins: draft.mixins.map((m) => m.id), attributes, location, version: '1',
    // A link is part of its source resource (Core §12, composition), so it has the source's owner.
    owner, source, target, sourceKind: from.kind,
  };
  if (targetKind !== undefined) link.targetKind = targetKind;
  yield* c.store.insert(link);
  return location;
}

/** The Kind of a link's target in this provider: an existing entity of the link's owner. */
function* localTargetKind(c: Creator, owner: string, target: string): Op<string> {
  const to = yield* c.store.findOwned(owner, target);
  if (!to) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the target ${target} does not exist`);
  return to.kind;
}

function checkExternal(target: string): void {
  if (!EXTERNAL.test(target)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the target ${target} is neither a path of this provider nor an absolute URI`);
  }
}

/**
 * Moves a stored link to the ends `after` names (Core 1.2 §5.4.2: source and
 * target are mutable), inside the caller's write: the new source a visible
 * resource of the link's owner, the new target checked as at creation, the
 * attachment rules checked once it has moved. A link moved to another
 * resource gets device names free there.
 */
export function* relink(c: Creator, link: Link, after: Link, attributes: Attributes): Op<Link> {
  const w: Creator = c.names ? c : { ...c, names: new Map() };
  const owner = link.owner ?? '';
  const moved: Link = { ...link, attributes, source: after.source, target: after.target };
  if (after.source !== link.source) {
    // The new ends are in the link's owner's space, as at creation.
    const from = yield* w.store.findOwned(owner, after.source);
    if (!from || from.source !== null) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the source ${after.source} is not a resource of this provider`);
    moved.sourceKind = from.kind;
    const kind = c.model.findKind(link.kind);
    if (kind) moved.attributes = (yield* deviceNames(w, owner, after.source)).complete(kind, attributes);
  }
  let targetKind = after.targetKind;
  if (!after.target.startsWith('/')) checkExternal(after.target);
  else targetKind = after.target === link.target ? link.targetKind : yield* localTargetKind(w, owner, after.target);
  if (targetKind === undefined) delete moved.targetKind;
  else moved.targetKind = targetKind;
  yield* c.store.moveLink(moved);
  if (c.shareable !== undefined && moved.target.startsWith('/')) yield* checkAttach(c.store, c.model, c.shareable, owner, moved.source, moved.target, targetKind);
  return moved;
}

/**
 * The device names of `source`'s links, read from the store on the first
 * link a write adds to it and kept for the rest of the write; refuses a link
 * past the most a resource may have.
 */
function* deviceNames(c: Creator, owner: string, source: string): Op<DeviceNames> {
  const key = `${owner}\u0000${source}`;
  let names = c.names?.get(key);
  if (!names) {
    names = new DeviceNames(yield* c.store.linksOf(owner, source), (l) => c.model.findKind(l.kind));
    c.names?.set(key, names);
  }
  if (c.maxLinksPerResource !== undefined && names.count >= c.maxLinksPerResource) {
    throw new QuotaError(`${source} has ${names.count} links, the most a resource may have (--max-links-per-resource ${c.maxLinksPerResource})`);
  }
  return names;
}

/** `<kind location><id>`: the requested id when `owner` does not use it yet (ids are per owner), else a fresh UUID. */
function* newLocation(c: Creator, owner: string, kind: Kind, requested: string | undefined): Op<string> {
  const base = kindLocation(kind);
  if (requested !== undefined && CLIENT_ID.test(requested) && !(yield* c.store.idTaken(owner, requested)) && !(yield* c.store.locationTaken(owner, base + requested))) {
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

/** A PUT to a new path (HTTP Protocol §5.2): `<kind location><token>`, and free in `owner`'s space (another owner's entities are never in the way). */
function* checkAt(c: Creator, owner: string, kind: Kind, at: string): Op<string> {
  const base = kindLocation(kind);
  const token = at.startsWith(base) ? at.slice(base.length) : '';
  if (!CLIENT_ID.test(token)) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_LOCATION',
      `${at} is not a location for a new ${kind.term}: use ${base}<id>, the id made of letters, digits, "-" and "_"`,
    );
  }
  if ((yield* c.store.locationTaken(owner, at)) || (yield* c.store.idTaken(owner, token))) {
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
