/** The embedded backend: entities, user mixins and saved templates in SQLite (one file) or PostgreSQL (shared by several instances). */
import { ConflictError, InternalError, NotFoundError, PreconditionFailedError, QuotaError, ValidationError } from '../../errors.js';
import {
  COMPUTE, LINK, Mixin, NETWORK, NETWORKINTERFACE, RESOURCE, STORAGE, STORAGELINK, isLink,
  type Action, type Attributes, type Entity, type EntityDraft, type Model,
} from '../../model/index.js';
import { checkDeadline, type ActionResult, type Backend, type Capabilities, type EntityChange, type Health, type ListQuery, type ListResult, type RequestContext } from '../backend.js';
import { invokeAction, savedMixin } from './actions.js';
import { checkDetached, checkUnshare, shareableMixin } from './attachments.js';
import { createEntities, insertLinks, relink, type Creator } from './create.js';
import type { StoreEngine } from './engine.js';
import type { Op } from './op.js';
import { PostgresEngine } from './postgres-engine.js';
import { listEntities } from './query.js';
import type { Synchronous } from './schema.js';
import { SqliteEngine } from './sqlite-engine.js';
import { nextVersion, rowToEntity, visible, type EntityRow, type MixinData, type MixinRow, type Store } from './store.js';
import { checkTemplateScheme } from './template-scheme.js';
import { alignModel, changingModel, mixinData, mixinKey, userMixin } from './user-mixin.js';
import { defaultOsId, templateMixins, type TemplatesConfig } from '../templates.js';
import type { BackendLimits } from '../registry.js';

export { DEFAULT_TEMPLATES, templateMixins, type TemplatesConfig } from '../templates.js';
export { SCHEMA_VERSION } from './schema.js';
export { STORE_SETTINGS } from './store-settings.js';
export { TagStore, openTagStore, startTagStore, type TagStoreOptions } from './tag-store.js';

/** Which store holds the state: SQLite (the default, one machine) or PostgreSQL (several instances). */
export type StoreKind = 'sqlite' | 'postgres';

export interface EmbeddedOptions {
  /** Directory of `occi.sqlite` (created when absent), or `:memory:` for tests. */
  dataDir: string | ':memory:';
  templates: TemplatesConfig;
  /** NORMAL (default) survives a killed process; FULL also a power loss (see schema.ts). */
  synchronous?: Synchronous;
  /** The scheme that signed in the owners of a database from before owners were qualified by scheme (see schema.ts, migration 3). */
  legacyOwnerScheme?: string;
  /** Per-user limits, checked inside the write transaction (a refused write stores nothing); none when absent. */
  limits?: BackendLimits;
  /** `sqlite` (default) or `postgres` (then `databaseUrl` is needed). */
  store?: StoreKind;
  /** `postgres://user@host:port/db` of the PostgreSQL store. */
  databaseUrl?: string;
}

/**
 * The reference backend: state lives in SQLite or PostgreSQL, states move
 * along the model's state machines. Each write is one transaction (see the
 * engines), so a write that throws leaves nothing behind, and an
 * acknowledged write is committed.
 */
export class EmbeddedBackend implements Backend {
  readonly name = 'embedded';
  readonly capabilities: Capabilities = {
    creatableKinds: [RESOURCE, LINK, COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK].map((k) => k.id),
    userMixins: 'backend',
    putCreate: true,
    clientIds: true,
    atomicBatches: true,
    state: 'immediate',
    externalTargets: true,
    conditionalWrites: true,
    unionListing: true,
    relink: true,
    multiAttach: true,
    ownerNamespaces: true,
  };
  readonly #options: EmbeddedOptions;
  #engine: StoreEngine | undefined;
  #model: Model | undefined;
  /** Type id of the `shareable` storage mixin (attachments.ts). */
  #shareable: string | undefined;
  /** User mixins this instance is defining or removing: a refresh meanwhile leaves them as the request has them. */
  readonly #inFlight = new Set<string>();

  constructor(options: EmbeddedOptions) {
    this.#options = options;
  }

  async start(model: Model): Promise<void> {
    if (this.#engine) throw new InternalError('the embedded backend is already started');
    // Configuration first: a bad template must not leave a database open.
    const templates = templateMixins(this.#options.templates, model);
    const postgres = this.#options.store === 'postgres';
    if (postgres && !this.#options.databaseUrl) throw new Error('--store postgres needs --database-url postgres://USER@HOST:PORT/DB');
    const engine: StoreEngine = postgres
      ? await PostgresEngine.open(this.#options.databaseUrl!)
      : SqliteEngine.open(this.#options.dataDir, this.#options.synchronous, this.#options.legacyOwnerScheme);
    try {
      for (const m of templates) model.addMixin(m);
      const shareable = shareableMixin(model);
      model.addMixin(shareable);
      for (const row of await engine.read((store) => store.mixinRows())) {
        const data = JSON.parse(row.data) as MixinData;
        if (row.origin === 'saved') model.addMixin(savedMixin(model, data, row.owner));
        else model.addUserMixin(userMixin(model, row.id, row.location, row.owner, data));
      }
      const where = postgres ? 'the PostgreSQL database' : this.#options.dataDir;
      await engine.read((store) => checkTemplateScheme(store, model, this.#options.templates.scheme, where));
      this.#model = model;
      this.#shareable = shareable.id;
      this.#engine = engine;
      // Another instance defined or removed a user mixin or saved a template: the model follows at once, not at the next request.
      engine.onModelChange(() => void this.refresh(model).catch(() => undefined));
    } catch (err) {
      await engine.stop();
      throw err;
    }
  }

  /**
   * Aligns the model with user mixins and saved templates that another
   * process (a cluster worker, another instance on PostgreSQL) defined or
   * removed. Cheap when nothing changed: SQLite's data_version, or
   * PostgreSQL's notifications, say when to read the rows again.
   */
  async refresh(model: Model): Promise<void> {
    const engine = this.#running().engine;
    if (!engine.modelMaybeChanged()) return;
    alignModel(model, await engine.read((store) => store.mixinRows()), this.#inFlight);
  }

  async stop(): Promise<void> {
    // Pending writes are finished first (Backend.stop).
    const engine = this.#engine;
    this.#engine = undefined;
    await engine?.stop();
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    checkDeadline(ctx, DATABASE);
    const { engine } = this.#running();
    engine.checkCache();
    const cache = engine.cache;
    // The requester's own space first; an administrator may be given another owner's entity (store.find).
    const cached = cache?.get(ctx.owner, location);
    if (cached) return cached;
    return engine.read(function* (store): Op<Entity | undefined> {
      const row = yield* store.find(ctx, location);
      if (!row) return undefined;
      const hit = cache?.get(row.owner, row.location);
      if (hit) return hit;
      const [entity] = yield* store.withLinks([rowToEntity(row)]);
      return cache ? cache.add(entity) : entity;
    });
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    checkDeadline(ctx, DATABASE);
    const { engine, model } = this.#running();
    engine.checkCache();
    return engine.read((store) => listEntities(store, model, ctx, query, engine.cache));
  }

  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    checkDeadline(ctx, DATABASE);
    const self = this;
    return this.#write(function* (store, model): Op<Entity[]> {
      const created = yield* createEntities(self.#creator(store, model), ctx, drafts, at);
      yield* self.#checkOwned(store, ctx, created);
      return created;
    }, same);
  }

  async health(): Promise<Health> {
    if (!this.#engine) return { ok: false, detail: 'embedded database: not started' };
    return this.#engine.health();
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    checkDeadline(ctx, DATABASE);
    const self = this;
    return this.#write(function* (store, model): Op<Entity[]> {
      const creator = self.#creator(store, model);
      const written: Array<[owner: string, location: string]> = [];
      for (const { before, after: entity, links } of changes) {
        const row = yield* rowOf(store, ctx, before);
        if (!row) throw new NotFoundError(`no entity at ${before.location}`);
        if (String(row.version) !== before.version) {
          throw new ConflictError(
            'OCCI_ERR_CONFLICT_STATE',
            `${before.location} changed since it was read (version ${before.version}, now ${row.version}); read it again`,
          );
        }
        const stored = rowToEntity(row);
        const attributes: Attributes = { ...entity.attributes };
        // The state is the backend's to move (by actions), whatever the change says.
        const kind = model.findKind(row.kind);
        const sm = kind && model.stateMachine(kind);
        if (sm && stored.attributes[sm.attribute] !== undefined) attributes[sm.attribute] = stored.attributes[sm.attribute];
        checkOwnersMixins(model, row.owner, stored.mixins, entity.mixins);
        if (self.#shareable) yield* checkUnshare(store, self.#shareable, row.owner, row.location, stored.mixins, entity.mixins);
        // Identity, kind and owner are not the client's to change; a link's ends are (Core 1.2 §5.4.2).
        const moved = isLink(stored) && isLink(entity) && (entity.source !== stored.source || entity.target !== stored.target || entity.targetKind !== stored.targetKind);
        const kept = moved ? yield* relink(creator, stored, entity, attributes) : { ...stored, attributes };
        yield* store.update({ ...kept, mixins: [...entity.mixins], version: nextVersion(stored.version) });
        if (links && links.length > 0) {
          if (row.source !== null) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
          yield* insertLinks(creator, row, links);
        }
        written.push([row.owner, row.location]);
      }
      const entities: Entity[] = [];
      for (const [owner, l] of written) entities.push(rowToEntity((yield* store.findOwned(owner, l))!));
      const stored = yield* store.withLinks(entities);
      if (changes.some((c) => c.links && c.links.length > 0)) yield* self.#checkOwned(store, ctx, stored);
      return stored;
    }, same);
  }

  async delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await this.#write(function* (store, model): Op<void> {
      // Every location must exist before anything goes: all or nothing.
      const rows = new Map<string, EntityRow>();
      for (const l of locations) {
        const row = yield* store.find(ctx, l);
        if (!row) throw new NotFoundError(`no entity at ${l}`);
        rows.set(`${row.owner}\u0000${row.location}`, row);
      }
      yield* checkVersion(store, ctx, locations, ifVersion);
      yield* checkDetached(store, model, [...rows.values()]);
      for (const row of rows.values()) yield* store.delete(row.owner, row.location);
    });
  }

  async invoke(
    ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: string,
  ): Promise<ActionResult[]> {
    checkDeadline(ctx, DATABASE);
    const templates = this.#options.templates;
    const { results, saved } = await this.#write(function* (store, model) {
      yield* checkVersion(store, ctx, locations, ifVersion);
      return yield* invokeAction({ store, model, templates }, ctx, locations, action, parameters);
    }, ({ results }) => results.flatMap((r) => (r.type === 'entity' ? [r.entity] : [])));
    // The model only learns of the new templates once they are durable.
    for (const m of saved) this.#model!.addMixin(m);
    return results;
  }

  async defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await changingModel(this.#inFlight, mixinKey(mixin.owner ?? ctx.owner, mixin.id), () => this.#write(function* (store): Op<void> {
      // In the owner's space: another owner's mixins are never in the way (issue 13 §7).
      const owner = mixin.owner ?? ctx.owner;
      const existing = yield* store.findMixin(owner, mixin.id);
      if (existing?.location === mixin.location && existing.origin === 'user') return;
      const holder = yield* store.mixinAt(owner, mixin.location);
      if (existing || holder) {
        throw new ConflictError(
          existing ? 'OCCI_ERR_CONFLICT_CATEGORY' : 'OCCI_ERR_CONFLICT_LOCATION',
          existing ? `mixin ${mixin.id} is already defined` : `location ${mixin.location} is already taken by ${holder!.id}`,
        );
      }
      yield* store.insertMixin({ id: mixin.id, origin: 'user', owner, location: mixin.location, data: JSON.stringify(mixinData(mixin)) });
      yield* store.modelChanged();
    }));
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await changingModel(this.#inFlight, mixinKey(mixin.owner ?? ctx.owner, mixin.id), () => this.#write(function* (store): Op<void> {
      const owner = mixin.owner ?? ctx.owner;
      const row = yield* store.findMixin(owner, mixin.id);
      // Another user's tag is as absent as their entities.
      if ((row && row.origin !== 'user') || !visible(ctx, owner)) throw new NotFoundError(`no user mixin ${mixin.id}`);
      // Its members are its owner's entities (memberships join an owner's mixins to that owner's entities only).
      for (const location of yield* store.membersOf(owner, mixin.id)) {
        const entity = rowToEntity((yield* store.findOwned(owner, location))!);
        yield* store.update({ ...entity, mixins: entity.mixins.filter((m) => m !== mixin.id), version: nextVersion(entity.version) });
      }
      yield* store.removeMemberships(owner, mixin.id);
      yield* store.deleteMixin(owner, mixin.id);
      yield* store.modelChanged();
    }));
  }

  #creator(store: Store, model: Model): Creator {
    return {
      store, model, defaultOs: defaultOsId(this.#options.templates), names: new Map(), maxLinksPerResource: this.#options.limits?.maxLinksPerResource,
      shareable: this.#shareable,
    };
  }

  /**
   * --max-entities-per-user, checked after the write's inserts, inside its
   * transaction: throwing here rolls them all back. `written` are the
   * entities the write made or changed; their owners (a link has its
   * source's) are the ones whose count grew.
   */
  *#checkOwned(store: Store, ctx: RequestContext, written: readonly Entity[]): Op<void> {
    const max = this.#options.limits?.maxEntitiesPerUser;
    if (max === undefined) return;
    const owners = new Set(written.map((e) => e.owner ?? ctx.owner));
    for (const owner of owners) {
      const held = yield* store.ownedBy(owner);
      if (held > max) {
        throw new QuotaError(`${owner === ctx.owner ? 'you' : owner} would hold ${held} entities; at most ${max} (--max-entities-per-user)`);
      }
    }
  }

  #running(): { engine: StoreEngine; model: Model } {
    if (!this.#engine || !this.#model) throw new InternalError('the embedded backend is not started');
    return { engine: this.#engine, model: this.#model };
  }

  /** One write transaction (the engine's: group commit on SQLite, row locks on PostgreSQL); settles after COMMIT. */
  #write<T>(fn: (store: Store, model: Model) => Op<T>, fresh?: (result: T) => readonly Entity[]): Promise<T> {
    const { engine, model } = this.#running();
    return engine.write((store) => fn(store, model), fresh);
  }
}

/** A write's result is its entities, as they stand at its end (the cache may keep them). */
function same(entities: Entity[]): Entity[] {
  return entities;
}

/** What a passed deadline names (there is no remote service: the request waited too long before it got here). */
const DATABASE = 'the embedded database';

/**
 * The stored row of an entity the request read: an administrator's is
 * looked up in the space of the owner it was read from (several owners may
 * hold the location).
 */
function* rowOf(store: Store, ctx: RequestContext, entity: Entity): Op<EntityRow | undefined> {
  if (ctx.admin && entity.owner !== undefined) return yield* store.findOwned(entity.owner, entity.location);
  return yield* store.find(ctx, entity.location);
}

/**
 * An entity carries public mixins and its owner's own, never another
 * owner's (memberships join an owner's mixins to that owner's entities): an
 * administrator cannot tag a user's entity with the administrator's mixin.
 */
function checkOwnersMixins(model: Model, owner: string, before: readonly string[], after: readonly string[]): void {
  const view = model.visibleTo(owner);
  for (const id of after) {
    if (!before.includes(id) && !view.findMixin(id)) {
      throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `mixin ${id} is neither a provider mixin nor one of the entity owner's own`);
    }
  }
}

/** If-Match inside the write transaction: no other write can come between the check and the change. */
function* checkVersion(store: Store, ctx: RequestContext, locations: readonly string[], ifVersion: string | undefined): Op<void> {
  if (ifVersion === undefined) return;
  for (const l of locations) {
    const row = yield* store.find(ctx, l);
    if (row && String(row.version) !== ifVersion) {
      throw new PreconditionFailedError(`If-Match: ${l} is at version "${row.version}", not "${ifVersion}"; read it again`);
    }
  }
}
