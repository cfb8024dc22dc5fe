/** The embedded backend: entities, user mixins and saved templates in one SQLite file. */
import type Database from 'better-sqlite3';
import { ConflictError, InternalError, NotFoundError, ValidationError } from '../../errors.js';
import {
  COMPUTE, LINK, Mixin, NETWORK, NETWORKINTERFACE, RESOURCE, STORAGE, STORAGELINK,
  type Action, type Attributes, type Entity, type EntityDraft, type Model,
} from '../../model/index.js';
import type { ActionResult, Backend, Capabilities, EntityChange, ListQuery, ListResult, RequestContext } from '../backend.js';
import { invokeAction, savedMixin } from './actions.js';
import { createEntities, insertLinks, type Creator } from './create.js';
import { isSqliteError, toBackendError } from './errors.js';
import { listEntities } from './query.js';
import { openDatabase, type Synchronous } from './schema.js';
import { Store, rowToEntity, visible, type MixinData } from './store.js';
import { defaultOsId, templateMixins, type TemplatesConfig } from './templates.js';

export { DEFAULT_TEMPLATES, templateMixins, type TemplatesConfig } from './templates.js';
export { SCHEMA_VERSION } from './schema.js';

export interface EmbeddedOptions {
  /** Directory of `occi.sqlite` (created when absent), or `:memory:` for tests. */
  dataDir: string | ':memory:';
  templates: TemplatesConfig;
  /** NORMAL (default) survives a killed process; FULL also a power loss (see schema.ts). */
  synchronous?: Synchronous;
}

/**
 * The reference backend: state lives in SQLite, states move along the
 * model's state machines. Each write is one IMMEDIATE transaction, so several
 * processes sharing the file serialise, and a write that throws leaves
 * nothing behind. The driver is synchronous; methods are async for the seam.
 */
export class EmbeddedBackend implements Backend {
  readonly name = 'embedded';
  readonly capabilities: Capabilities = {
    userMixins: true,
    putCreate: true,
    creatableKinds: [RESOURCE, LINK, COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK].map((k) => k.id),
  };
  readonly #options: EmbeddedOptions;
  #db: Database.Database | undefined;
  #store: Store | undefined;
  #model: Model | undefined;

  constructor(options: EmbeddedOptions) {
    this.#options = options;
  }

  async start(model: Model): Promise<void> {
    if (this.#db) throw new InternalError('the embedded backend is already started');
    // Configuration first: a bad template must not leave a database open.
    const templates = templateMixins(this.#options.templates, model);
    let db: Database.Database;
    try {
      db = openDatabase(this.#options.dataDir, this.#options.synchronous);
    } catch (err) {
      // A database from a newer server is a plain Error: the operator must act, retrying will not help.
      throw isSqliteError(err) ? toBackendError(err) : err;
    }
    try {
      const store = new Store(db);
      for (const m of templates) model.addMixin(m);
      for (const row of store.mixinRows()) {
        const data = JSON.parse(row.data) as MixinData;
        if (row.origin === 'saved') model.addMixin(savedMixin(model, data, row.owner));
        else model.addUserMixin(userMixin(model, row.id, row.location, row.owner, data));
      }
      this.#db = db;
      this.#store = store;
      this.#model = model;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const db = this.#db;
    this.#db = this.#store = undefined;
    if (db?.open) db.close();
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    return this.#read((store) => {
      const row = store.find(ctx, location);
      return row ? store.withLinks([rowToEntity(row)])[0] : undefined;
    });
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    return this.#read((store, model) => listEntities(store, model, ctx, query));
  }

  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    return this.#write((store, model) => createEntities(this.#creator(store, model), ctx, drafts, at));
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    return this.#write((store, model) => {
      const creator = this.#creator(store, model);
      const locations: string[] = [];
      for (const { entity, links } of changes) {
        const row = store.find(ctx, entity.location);
        if (!row) throw new NotFoundError(`no entity at ${entity.location}`);
        if (row.version !== entity.version) {
          throw new ConflictError(
            'OCCI_ERR_CONFLICT_STATE',
            `${entity.location} changed since it was read (version ${entity.version}, now ${row.version}); read it again`,
          );
        }
        const stored = rowToEntity(row);
        const attributes: Attributes = { ...entity.attributes };
        // The state is the backend's to move (by actions), whatever the change says.
        const kind = model.findKind(row.kind);
        const sm = kind && model.stateMachine(kind);
        if (sm && stored.attributes[sm.attribute] !== undefined) attributes[sm.attribute] = stored.attributes[sm.attribute];
        // Identity, kind, owner and a link's ends are not the client's to change.
        store.update({ ...stored, mixins: [...entity.mixins], attributes, version: row.version + 1 });
        if (links && links.length > 0) {
          if (row.source !== null) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
          insertLinks(creator, ctx, row.location, links);
        }
        locations.push(row.location);
      }
      return store.withLinks(locations.map((l) => rowToEntity(store.find(ctx, l)!)));
    });
  }

  async delete(ctx: RequestContext, locations: readonly string[]): Promise<void> {
    this.#write((store) => {
      // Every location must exist before anything goes: all or nothing.
      for (const l of locations) if (!store.find(ctx, l)) throw new NotFoundError(`no entity at ${l}`);
      for (const l of new Set(locations)) store.delete(l);
    });
  }

  async invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes): Promise<ActionResult[]> {
    const { results, saved } = this.#write((store, model) =>
      invokeAction({ store, model, templates: this.#options.templates }, ctx, locations, action, parameters),
    );
    // The model only learns of the new templates once they are durable.
    for (const m of saved) this.#model!.addMixin(m);
    return results;
  }

  async defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    this.#write((store) => {
      const existing = store.findMixin(mixin.id);
      if (existing?.location === mixin.location) return;
      const holder = store.mixinAt(mixin.location);
      if (existing || holder) {
        throw new ConflictError(
          existing ? 'OCCI_ERR_CONFLICT_CATEGORY' : 'OCCI_ERR_CONFLICT_LOCATION',
          existing ? `mixin ${mixin.id} is already defined` : `location ${mixin.location} is bound to ${holder!.id}`,
        );
      }
      const data: MixinData = {
        scheme: mixin.scheme, term: mixin.term, title: mixin.title,
        depends: mixin.depends.map((m) => m.id), applies: mixin.applies.map((k) => k.id),
      };
      store.insertMixin({ id: mixin.id, origin: 'user', owner: mixin.owner ?? ctx.owner, location: mixin.location, data: JSON.stringify(data) });
    });
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    this.#write((store) => {
      const row = store.findMixin(mixin.id);
      const owner = row?.owner ?? mixin.owner;
      // Another user's tag is as absent as their entities.
      if ((row && row.origin !== 'user') || (owner !== undefined && owner !== null && !visible(ctx, owner))) {
        throw new NotFoundError(`no user mixin ${mixin.id}`);
      }
      for (const location of store.membersOf(mixin.id)) {
        const entity = rowToEntity(store.find({ ...ctx, admin: true }, location)!);
        store.update({ ...entity, mixins: entity.mixins.filter((m) => m !== mixin.id), version: entity.version + 1 });
      }
      store.removeMemberships(mixin.id);
      store.deleteMixin(mixin.id);
    });
  }

  #creator(store: Store, model: Model): Creator {
    return { store, model, defaultOs: defaultOsId(this.#options.templates) };
  }

  #running(): { db: Database.Database; store: Store; model: Model } {
    if (!this.#db || !this.#store || !this.#model) throw new InternalError('the embedded backend is not started');
    return { db: this.#db, store: this.#store, model: this.#model };
  }

  /** A consistent snapshot for reads of several statements (an entity and its links). */
  #read<T>(fn: (store: Store, model: Model) => T): T {
    const { db, store, model } = this.#running();
    try {
      return db.transaction(() => fn(store, model)).deferred();
    } catch (err) {
      throw toBackendError(err);
    }
  }

  /** One IMMEDIATE transaction: the write lock is taken before the first read, so read-modify-write cannot interleave. */
  #write<T>(fn: (store: Store, model: Model) => T): T {
    const { db, store, model } = this.#running();
    try {
      return db.transaction(() => fn(store, model)).immediate();
    } catch (err) {
      throw toBackendError(err);
    }
  }
}

function userMixin(model: Model, id: string, location: string, owner: string | null, data: MixinData): Mixin {
  // A dependency the model no longer has (a template dropped from the configuration) is left out, not fatal.
  const depends = data.depends.map((d) => model.findMixin(d)).filter((m): m is Mixin => m !== undefined);
  const applies = data.applies.map((k) => model.findKind(k)).filter((k) => k !== undefined);
  const mixin = new Mixin({
    scheme: data.scheme, term: data.term, title: data.title, location, depends, applies, origin: 'user', owner: owner ?? undefined,
  });
  if (mixin.id !== id) throw new InternalError(`stored mixin ${id} does not match its data`);
  return mixin;
}
