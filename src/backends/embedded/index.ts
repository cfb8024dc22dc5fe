/** The embedded backend: entities, user mixins and saved templates in one SQLite file. */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { ConflictError, InternalError, NotFoundError, PreconditionFailedError, QuotaError, ValidationError } from '../../errors.js';
import {
  COMPUTE, LINK, Mixin, NETWORK, NETWORKINTERFACE, RESOURCE, STORAGE, STORAGELINK, isLink,
  type Action, type Attributes, type Entity, type EntityDraft, type Model,
} from '../../model/index.js';
import { checkDeadline, type ActionResult, type Backend, type Capabilities, type EntityChange, type Health, type ListQuery, type ListResult, type RequestContext } from '../backend.js';
import { invokeAction, savedMixin } from './actions.js';
import { checkDetached, checkUnshare, shareableMixin } from './attachments.js';
import { EntityCache } from './cache.js';
import { ChangeLog } from './changes.js';
import { FALLBACK_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
import { createEntities, insertLinks, relink, type Creator } from './create.js';
import { isSqliteError, toBackendError } from './errors.js';
import { listEntities } from './query.js';
import { openDatabase, type Synchronous } from './schema.js';
import { Store, nextVersion, rowToEntity, visible, type EntityRow, type MixinData } from './store.js';
import { checkTemplateScheme } from './template-scheme.js';
import { mixinData, userMixin } from './user-mixin.js';
import { defaultOsId, templateMixins, type TemplatesConfig } from '../templates.js';
import type { BackendLimits } from '../registry.js';

export { DEFAULT_TEMPLATES, templateMixins, type TemplatesConfig } from '../templates.js';
export { SCHEMA_VERSION } from './schema.js';
export { TagStore } from './tag-store.js';

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
    ownerNamespaces: true,
  };
  readonly #options: EmbeddedOptions;
  #db: Database.Database | undefined;
  #store: Store | undefined;
  #model: Model | undefined;
  #tx: Transactions | undefined;
  /** What this connection's writes changed, for the cache (changes.ts). */
  #changes: ChangeLog | undefined;
  /** Entities read since the last write (see cache.ts). */
  #cache = new EntityCache(ENTITY_CACHE_LIMIT);
  /** `data_version` when last asked (#sync): another connection's commit moves it. */
  #seenVersion = -1;
  #synced = false;
  #syncedAt = -1;
  /** Another connection committed: user mixins are read again at the next refresh. */
  #modelStale = false;
  /** Writes waiting for the next group commit. */
  #pending: Job[] = [];
  #checkpointer: Checkpointer | undefined;
  /** Type id of the `shareable` storage mixin (attachments.ts). */
  #shareable: string | undefined;

  constructor(options: EmbeddedOptions) {
    this.#options = options;
  }

  async start(model: Model): Promise<void> {
    if (this.#db) throw new InternalError('the embedded backend is already started');
    // Configuration first: a bad template must not leave a database open.
    const templates = templateMixins(this.#options.templates, model);
    let db: Database.Database;
    try {
      db = openDatabase(this.#options.dataDir, this.#options.synchronous, this.#options.legacyOwnerScheme);
    } catch (err) {
      // A database from a newer server is a plain Error: the operator must act, retrying will not help.
      throw isSqliteError(err) ? toBackendError(err) : err;
    }
    try {
      const store = new Store(db);
      for (const m of templates) model.addMixin(m);
      const shareable = shareableMixin(model);
      model.addMixin(shareable);
      for (const row of store.mixinRows()) {
        const data = JSON.parse(row.data) as MixinData;
        if (row.origin === 'saved') model.addMixin(savedMixin(model, data, row.owner));
        else model.addUserMixin(userMixin(model, row.id, row.location, row.owner, data));
      }
      checkTemplateScheme(store, model, this.#options.templates.scheme, this.#options.dataDir);
      this.#db = db;
      this.#store = store;
      this.#model = model;
      this.#shareable = shareable.id;
      this.#tx = transactions(db, store, model);
      this.#changes = new ChangeLog(db);
      if (this.#options.dataDir !== ':memory:') {
        this.#checkpointer = startCheckpointer(join(this.#options.dataDir, 'occi.sqlite'));
        db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
      }
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Aligns the model with user mixins and saved templates that another
   * process (a cluster worker) defined or removed. Asked at most once per
   * turn of the event loop, and cheap then: SQLite's data_version moves only
   * on other connections' commits.
   */
  async refresh(model: Model): Promise<void> {
    this.#sync();
    if (!this.#modelStale) return;
    this.#modelStale = false;
    const { store } = this.#running();
    const rows = store.mixinRows();
    const key = (owner: string | null | undefined, id: string) => `${owner ?? ''}\u0000${id}`;
    const ids = new Set(rows.map((r) => key(r.owner, r.id)));
    for (const m of model.mixins) {
      if (m.origin === 'user' && !ids.has(key(m.owner, m.id))) {
        try {
          model.visibleTo(m.owner).removeUserMixin(m.id);
        } catch {
          // still depended upon: kept until its dependants go
        }
      }
    }
    for (const row of rows) {
      if (row.owner === null ? model.findCategory(row.id) : model.findOwned(row.owner, row.id)) continue;
      const data = JSON.parse(row.data) as MixinData;
      try {
        if (row.origin === 'saved') model.addMixin(savedMixin(model, data, row.owner));
        else model.addUserMixin(userMixin(model, row.id, row.location, row.owner, data));
      } catch {
        // a location still held by a mixin kept above: picked up once it goes
      }
    }
  }

  async stop(): Promise<void> {
    // Pending writes are finished first (Backend.stop).
    if (this.#pending.length > 0 && this.#db) this.#commitPending();
    const db = this.#db;
    this.#db = this.#store = this.#tx = this.#changes = undefined;
    this.#cache.clear();
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    if (db?.open) db.close();
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    checkDeadline(ctx, DATABASE);
    this.#checkCache();
    // The requester's own space first; an administrator may be given another owner's entity (store.find).
    const cached = this.#cache.get(ctx.owner, location);
    if (cached) return cached;
    return this.#read((store) => {
      const row = store.find(ctx, location);
      if (!row) return undefined;
      return this.#cache.get(row.owner, row.location) ?? this.#cache.add(store.withLinks([rowToEntity(row)])[0]);
    });
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    checkDeadline(ctx, DATABASE);
    this.#checkCache();
    return this.#read((store, model) => listEntities(store, model, ctx, query, this.#cache));
  }

  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    checkDeadline(ctx, DATABASE);
    return this.#write((store, model) => {
      const created = createEntities(this.#creator(store, model), ctx, drafts, at);
      this.#checkOwned(store, ctx, created);
      return created;
    });
  }

  async health(): Promise<Health> {
    try {
      this.#running().tx.dataVersion.get();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `embedded database: ${(err as Error).message}` };
    }
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    checkDeadline(ctx, DATABASE);
    return this.#write((store, model) => {
      const creator = this.#creator(store, model);
      const written: Array<[owner: string, location: string]> = [];
      for (const { before, after: entity, links } of changes) {
        const row = rowOf(store, ctx, before);
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
        if (this.#shareable) checkUnshare(store, this.#shareable, row.owner, row.location, stored.mixins, entity.mixins);
        // Identity, kind and owner are not the client's to change; a link's ends are (Core 1.2 §5.4.2).
        const moved = isLink(stored) && isLink(entity) && (entity.source !== stored.source || entity.target !== stored.target || entity.targetKind !== stored.targetKind);
        const kept = moved ? relink(creator, stored, entity, attributes) : { ...stored, attributes };
        store.update({ ...kept, mixins: [...entity.mixins], version: nextVersion(stored.version) });
        if (links && links.length > 0) {
          if (row.source !== null) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
          insertLinks(creator, row, links);
        }
        written.push([row.owner, row.location]);
      }
      const stored = store.withLinks(written.map(([owner, l]) => rowToEntity(store.findOwned(owner, l)!)));
      if (changes.some((c) => c.links && c.links.length > 0)) this.#checkOwned(store, ctx, stored);
      return stored;
    });
  }

  async delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await this.#write((store, model) => {
      // Every location must exist before anything goes: all or nothing.
      const rows = new Map<string, EntityRow>();
      for (const l of locations) {
        const row = store.find(ctx, l);
        if (!row) throw new NotFoundError(`no entity at ${l}`);
        rows.set(`${row.owner}\u0000${row.location}`, row);
      }
      checkVersion(store, ctx, locations, ifVersion);
      checkDetached(store, model, [...rows.values()]);
      for (const row of rows.values()) store.delete(row.owner, row.location);
    });
  }

  async invoke(
    ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: string,
  ): Promise<ActionResult[]> {
    checkDeadline(ctx, DATABASE);
    const { results, saved } = await this.#write((store, model) => {
      checkVersion(store, ctx, locations, ifVersion);
      return invokeAction({ store, model, templates: this.#options.templates }, ctx, locations, action, parameters);
    });
    // The model only learns of the new templates once they are durable.
    for (const m of saved) this.#model!.addMixin(m);
    return results;
  }

  async defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await this.#write((store) => {
      // In the owner's space: another owner's mixins are never in the way (issue 13 §7).
      const owner = mixin.owner ?? ctx.owner;
      const existing = store.findMixin(owner, mixin.id);
      if (existing?.location === mixin.location && existing.origin === 'user') return;
      const holder = store.mixinAt(owner, mixin.location);
      if (existing || holder) {
        throw new ConflictError(
          existing ? 'OCCI_ERR_CONFLICT_CATEGORY' : 'OCCI_ERR_CONFLICT_LOCATION',
          existing ? `mixin ${mixin.id} is already defined` : `location ${mixin.location} is already taken by ${holder!.id}`,
        );
      }
      store.insertMixin({ id: mixin.id, origin: 'user', owner, location: mixin.location, data: JSON.stringify(mixinData(mixin)) });
    });
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    checkDeadline(ctx, DATABASE);
    await this.#write((store) => {
      const owner = mixin.owner ?? ctx.owner;
      const row = store.findMixin(owner, mixin.id);
      // Another user's tag is as absent as their entities.
      if ((row && row.origin !== 'user') || !visible(ctx, owner)) throw new NotFoundError(`no user mixin ${mixin.id}`);
      // Its members are its owner's entities (memberships join an owner's mixins to that owner's entities only).
      for (const location of store.membersOf(owner, mixin.id)) {
        const entity = rowToEntity(store.findOwned(owner, location)!);
        store.update({ ...entity, mixins: entity.mixins.filter((m) => m !== mixin.id), version: nextVersion(entity.version) });
      }
      store.removeMemberships(owner, mixin.id);
      store.deleteMixin(owner, mixin.id);
    });
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
  #checkOwned(store: Store, ctx: RequestContext, written: readonly Entity[]): void {
    const max = this.#options.limits?.maxEntitiesPerUser;
    if (max === undefined) return;
    const owners = new Set(written.map((e) => e.owner ?? ctx.owner));
    for (const owner of owners) {
      const held = store.ownedBy(owner);
      if (held > max) {
        throw new QuotaError(`${owner === ctx.owner ? 'you' : owner} would hold ${held} entities; at most ${max} (--max-entities-per-user)`);
      }
    }
  }

  #running(): { db: Database.Database; store: Store; model: Model; tx: Transactions } {
    if (!this.#db || !this.#store || !this.#model || !this.#tx) throw new InternalError('the embedded backend is not started');
    return { db: this.#db, store: this.#store, model: this.#model, tx: this.#tx };
  }

  /**
   * Drops the cached entities when another connection has committed since
   * they were read. Asked once per turn of the event loop (the pragma takes
   * SQLite's shared-memory locks, which costs more than the read it saves):
   * every request handled in a turn had arrived before the turn began, so a
   * commit another process acknowledged before a request was sent is seen.
   */
  #checkCache(): void {
    this.#sync();
  }

  /**
   * Whether another connection has committed since last asked: then the
   * cache goes and the model's user mixins are read again (`refresh`). One
   * `PRAGMA data_version` per turn of the event loop, shared by both, and
   * again after any commit of this process (another backend on the same file
   * is seen at once).
   */
  #sync(): void {
    if (this.#synced && this.#syncedAt === processCommits) return;
    this.#synced = true;
    this.#syncedAt = processCommits;
    setImmediate(() => (this.#synced = false));
    const version = this.#running().tx.dataVersion.get() as number;
    if (version === this.#seenVersion) return;
    this.#seenVersion = version;
    this.#cache.clear();
    this.#modelStale = true;
  }

  /** After a write: the cache forgets what it changed (all of it when the log cannot be read). */
  #forgetChanged(): void {
    try {
      for (const { owner, location } of this.#changes!.drain()) this.#cache.forget(owner, location);
    } catch {
      this.#cache.clear();
    }
  }

  /** A consistent snapshot for reads of several statements (an entity and its links). */
  #read<T>(fn: (store: Store, model: Model) => T): T {
    const { store, model, tx } = this.#running();
    try {
      return tx.run.deferred(() => fn(store, model)) as T;
    } catch (err) {
      throw toBackendError(err);
    }
  }

  /**
   * Group commit: writes that arrive in the same turn of the event loop
   * (concurrent requests) share one IMMEDIATE transaction, each inside its
   * own savepoint, so that a write that fails leaves nothing behind and does
   * not fail the others. Every promise settles after COMMIT: an acknowledged
   * write is in the WAL (see schema.ts for what survives what).
   */
  #write<T>(fn: (store: Store, model: Model) => T): Promise<T> {
    this.#running();
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending());
    });
  }

  #commitPending(): void {
    const jobs = this.#pending;
    this.#pending = [];
    if (jobs.length === 0) return;
    let tx: Transactions;
    try {
      tx = this.#running().tx;
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    try {
      if (jobs.length === 1) {
        const [job] = jobs;
        job.result = tx.run.immediate(() => job.fn(tx.store, tx.model));
        job.done = true;
      } else {
        tx.batch.immediate(jobs);
      }
    } catch (err) {
      // BEGIN or COMMIT failed, or SQLite rolled the whole transaction back: nothing of it is stored.
      for (const job of jobs) {
        if (job.done) job.error = err;
        else job.error ??= err;
        job.done = false;
      }
    } finally {
      this.#forgetChanged();
      processCommits++;
    }
    for (const job of jobs) {
      if (job.done) job.resolve(job.result);
      else job.reject(toBackendError(job.error));
    }
  }
}

/** What a passed deadline names (there is no remote service: the request waited too long before it got here). */
const DATABASE = 'the embedded database';

/** Write transactions of every backend in this process: another one on the same file is seen at once, not a turn later. */
let processCommits = 0;

/** Entities kept by the read cache: a listed page of 10,000 fits, 100,000 listed as JSON do not stay. */
const ENTITY_CACHE_LIMIT = 20_000;

interface Job {
  fn: (store: Store, model: Model) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  result?: unknown;
  error?: unknown;
  done?: boolean;
}

/** The transaction functions and statements of one open database, built once (better-sqlite3 compiles each). */
interface Transactions {
  readonly store: Store;
  readonly model: Model;
  readonly run: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Runs jobs one savepoint each (better-sqlite3 nests a transaction function as a savepoint). */
  readonly batch: Database.Transaction<(jobs: Job[]) => void>;
  readonly dataVersion: Database.Statement<[], number>;
}

function transactions(db: Database.Database, store: Store, model: Model): Transactions {
  const run = db.transaction((fn: () => unknown) => fn());
  const batch = db.transaction((jobs: Job[]) => {
    for (const job of jobs) {
      try {
        job.result = run(() => job.fn(store, model));
        job.done = true;
      } catch (err) {
        job.error = err;
        job.done = false;
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the batch is lost.
        if (!db.inTransaction) throw err;
      }
    }
  });
  return { store, model, run, batch, dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck() };
}

/**
 * The stored row of an entity the request read: an administrator's is
 * looked up in the space of the owner it was read from (several owners may
 * hold the location).
 */
function rowOf(store: Store, ctx: RequestContext, entity: Entity): EntityRow | undefined {
  if (ctx.admin && entity.owner !== undefined) return store.findOwned(entity.owner, entity.location);
  return store.find(ctx, entity.location);
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
function checkVersion(store: Store, ctx: RequestContext, locations: readonly string[], ifVersion: string | undefined): void {
  if (ifVersion === undefined) return;
  for (const l of locations) {
    const row = store.find(ctx, l);
    if (row && String(row.version) !== ifVersion) {
      throw new PreconditionFailedError(`If-Match: ${l} is at version "${row.version}", not "${ifVersion}"; read it again`);
    }
  }
}
