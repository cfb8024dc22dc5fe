import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Action } from './action.js';
import type { AttributeDefinition } from './attribute.js';
import { TERM, type Category } from './category.js';
import type { Entity } from './entity.js';
import type { Kind } from './kind.js';
import type { Mixin } from './mixin.js';
import { actionsInState, type StateMachine } from './state-machine.js';
import { checkUserMixin } from './user-mixin.js';

/**
 * The category set one server exposes at the query interface: Kinds, Mixins
 * and Actions, their locations, the state machines. Provider categories are
 * fixed at start (a backend may add its templates then); user mixins come and
 * go at run time, and every change bumps `version` so cached renderings of
 * the query interface know to go stale.
 */
export class Model {
  #byId = new Map<string, Category>();
  #byLocation = new Map<string, Kind | Mixin>();
  #kinds: Kind[] = [];
  /** In the order they were added; `mixins` is this as an array, rebuilt after a change. */
  #mixins = new Set<Mixin>();
  #mixinList: Mixin[] | undefined;
  /** Mixins that depend directly on a mixin: removal checks and mixin families without a scan. */
  #dependants = new Map<Mixin, Set<Mixin>>();
  /** Mixins with an owner (user mixins, saved templates), by owner: a view is the public mixins plus these. */
  #byOwner = new Map<string, Set<Mixin>>();
  #owned = 0;
  /** Mixins everyone may see (no owner), rebuilt after a change; and each owner's visible list, per version. */
  #publicList: Mixin[] | undefined;
  #views = new Map<string, { version: number; mixins: readonly Mixin[] }>();
  #actions: Action[] = [];
  #machines = new Map<string, StateMachine>();
  #attributeCache = new Map<string, ReadonlyMap<string, AttributeDefinition>>();
  /** Mixins a backend offers only to some owners (offerMixins): type id → the owners who see it. */
  #audience = new Map<string, Set<string>>();
  #version = 0;

  constructor(init: { kinds: readonly Kind[]; mixins: readonly Mixin[]; stateMachines?: readonly StateMachine[] }) {
    for (const k of init.kinds) this.#addKind(k);
    for (const m of init.mixins) this.addMixin(m);
    for (const sm of init.stateMachines ?? []) this.#machines.set(sm.kind, sm);
  }

  /** Bumped on every change of the category set. */
  get version(): number {
    return this.#version;
  }

  /**
   * Key for caches of rendered categories (the query interface): changes with
   * `version`, and differs between the views `visibleTo()` gives different owners.
   */
  get renderKey(): string {
    return String(this.#version);
  }

  /**
   * The model as `owner` sees it: user mixins and saved templates of another
   * owner are hidden from discovery, lookups and locations (per-user isolation); `this`
   * when nothing is hidden or for an admin (`owner` undefined). Mutations
   * through a view change the model itself.
   */
  visibleTo(owner: string | undefined): Model {
    // Mixins with an owner (user mixins, OS templates saved from a user's compute) and mixins offered to other owners only.
    if (owner === undefined || (this.#owned === (this.#byOwner.get(owner)?.size ?? 0) && this.#audience.size === 0)) return this;
    const hidden = (c: Category | undefined) => c?.class === 'mixin' && this.#hiddenFrom(c as Mixin, owner);
    const shown = <T extends Category>(c: T | undefined): T | undefined => (hidden(c) ? undefined : c);
    const overrides: Partial<Record<keyof Model, unknown>> = {
      categories: () => [...this.#kinds, ...this.#actions, ...this.#visibleMixins(owner)],
      findCategory: (id: string) => shown(this.findCategory(id)),
      findMixin: (id: string) => shown(this.findMixin(id)),
      getMixin: (id: string) => {
        const m = shown(this.findMixin(id));
        if (!m) throw new NotFoundError(`no mixin ${id}`);
        return m;
      },
      findByLocation: (path: string) => shown(this.findByLocation(path)),
    };
    return new Proxy(this, {
      get(target, p, receiver) {
        if (p === 'renderKey') return `${target.version}:${owner}`;
        if (p === 'mixins') return target.#visibleMixins(owner);
        if (Object.hasOwn(overrides, p)) return overrides[p as keyof Model];
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === 'function' && receiver !== target ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** Another owner's mixin, or one offered to other owners only. */
  #hiddenFrom(m: Mixin, owner: string): boolean {
    if (m.owner !== undefined && m.owner !== owner) return true;
    const audience = this.#audience.get(m.id);
    return audience !== undefined && !audience.has(owner);
  }

  /**
   * The mixins `owner` sees: everyone's, then their own. Built once per
   * model version and owner, from those two sets only (not from every
   * owner's mixins), so a request costs no more for there being many users.
   */
  #visibleMixins(owner: string): readonly Mixin[] {
    const cached = this.#views.get(owner);
    if (cached?.version === this.#version) return cached.mixins;
    this.#publicList ??= [...this.#mixins].filter((m) => m.owner === undefined);
    const mixins = Object.freeze([
      ...(this.#audience.size === 0 ? this.#publicList : this.#publicList.filter((m) => !this.#hiddenFrom(m, owner))),
      ...(this.#byOwner.get(owner) ?? []),
    ]);
    if (this.#views.size >= 1_000) this.#views.clear();
    this.#views.set(owner, { version: this.#version, mixins });
    return mixins;
  }

  /** The model itself, also when asked through a view (`visibleTo`): a key for caches of the model's answers. */
  get base(): Model {
    return this;
  }

  get kinds(): readonly Kind[] {
    return this.#kinds;
  }
  get mixins(): readonly Mixin[] {
    this.#mixinList ??= [...this.#mixins];
    return this.#mixinList;
  }
  get actions(): readonly Action[] {
    return this.#actions;
  }

  /** Every category in query-interface order: kinds, actions, mixins. */
  categories(): Category[] {
    return [...this.#kinds, ...this.#actions, ...this.#mixins];
  }

  /**
   * `mixins` and every mixin that depends on one of them, directly or not (Core §7: B
   * depending on A brings A's capabilities, so A's collection holds B's
   * entities too). Follows the dependants index: the cost is the size of the
   * family, not of the model.
   */
  family(...mixins: Mixin[]): Mixin[] {
    const out = [...new Set(mixins)];
    const seen = new Set(out);
    for (let i = 0; i < out.length; i++) {
      for (const d of this.#dependants.get(out[i]) ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          out.push(d);
        }
      }
    }
    return out;
  }

  findCategory(typeId: string): Category | undefined {
    return this.#byId.get(typeId);
  }
  findKind(typeId: string): Kind | undefined {
    const c = this.#byId.get(typeId);
    return c?.class === 'kind' ? (c as Kind) : undefined;
  }
  findMixin(typeId: string): Mixin | undefined {
    const c = this.#byId.get(typeId);
    return c?.class === 'mixin' ? (c as Mixin) : undefined;
  }
  findAction(typeId: string): Action | undefined {
    const c = this.#byId.get(typeId);
    return c?.class === 'action' ? (c as Action) : undefined;
  }
  getKind(typeId: string): Kind {
    const k = this.findKind(typeId);
    if (!k) throw new NotFoundError(`no kind ${typeId}`);
    return k;
  }
  getMixin(typeId: string): Mixin {
    const m = this.findMixin(typeId);
    if (!m) throw new NotFoundError(`no mixin ${typeId}`);
    return m;
  }

  /** The Kind or Mixin bound to a collection path (ending in `/`). */
  findByLocation(path: string): Kind | Mixin | undefined {
    return this.#byLocation.get(path);
  }

  /** The Kind whose location is the parent path of an entity location (`/compute/x` → compute). */
  findKindForEntityPath(path: string): Kind | undefined {
    const slash = path.lastIndexOf('/');
    const c = this.#byLocation.get(path.slice(0, slash + 1));
    return c?.class === 'kind' ? c : undefined;
  }

  stateMachine(kind: Kind): StateMachine | undefined {
    for (let k: Kind | undefined = kind; k; k = k.parent) {
      const sm = this.#machines.get(k.id);
      if (sm) return sm;
    }
    return undefined;
  }

  /** Adds a provider mixin (templates a backend offers). */
  addMixin(mixin: Mixin): void {
    this.#claim(mixin);
    this.#mixins.add(mixin);
    for (const d of mixin.depends) {
      let set = this.#dependants.get(d);
      if (!set) this.#dependants.set(d, (set = new Set()));
      set.add(mixin);
    }
    if (mixin.owner !== undefined) {
      let own = this.#byOwner.get(mixin.owner);
      if (!own) this.#byOwner.set(mixin.owner, (own = new Set()));
      own.add(mixin);
      this.#owned++;
    }
    for (const a of mixin.actions) this.#addAction(a);
    this.#changed();
  }

  /**
   * Defines a user mixin (HTTP Protocol §3.2). Re-posting an identical
   * definition is not a collision. Returns false when it existed already.
   */
  addUserMixin(mixin: Mixin): boolean {
    const existing = this.#byId.get(mixin.id);
    // The same definition by the same owner again; another owner's is taken, never silently "defined".
    if (existing && existing.class === 'mixin' && (existing as Mixin).origin === 'user' && (existing as Mixin).location === mixin.location && (existing as Mixin).owner === mixin.owner) {
      return false;
    }
    checkUserMixin(mixin);
    this.addMixin(mixin);
    return true;
  }

  /** How many mixins `owner` has defined (user mixins and saved templates): for the per-user quota. */
  ownedBy(owner: string): number {
    return this.#byOwner.get(owner)?.size ?? 0;
  }

  /**
   * Makes `mixins` the provider mixins a backend offers to `owner` (the
   * images and flavours a cloud shows one user or project): new ones are
   * added, ones no longer offered to it are withdrawn, and a mixin nobody is
   * offered any more leaves the model unless another mixin depends on it.
   * Other owners do not see what is offered to one (`visibleTo`); mixins
   * added with `addMixin` are everyone's and stay as they are.
   */
  offerMixins(owner: string, mixins: readonly Mixin[]): void {
    const offered = new Set<string>();
    for (const m of mixins) {
      offered.add(m.id);
      const seen = this.#audience.get(m.id);
      if (seen) {
        if (!seen.has(owner)) {
          seen.add(owner);
          this.#changed();
        }
      } else if (!this.#byId.has(m.id)) {
        this.addMixin(m);
        this.#audience.set(m.id, new Set([owner]));
      }
    }
    for (const [id, seen] of this.#audience) {
      if (offered.has(id) || !seen.delete(owner)) continue;
      this.#changed();
      const mixin = this.#byId.get(id) as Mixin;
      if (seen.size === 0 && !this.#dependedUpon(mixin)) {
        this.#audience.delete(id);
        this.#forget(mixin);
      }
    }
  }

  /** Removes a user mixin; provider categories are refused (HTTP Protocol §3.3). */
  removeUserMixin(typeId: string): Mixin {
    const c = this.#byId.get(typeId);
    if (!c) throw new NotFoundError(`no category ${typeId}`);
    if (c.class !== 'mixin' || (c as Mixin).origin !== 'user') {
      throw new ForbiddenError('OCCI_ERR_FORBIDDEN_PROVIDER_CATEGORY', `${typeId} is defined by the provider and cannot be removed`);
    }
    const mixin = c as Mixin;
    if (this.#dependedUpon(mixin)) {
      throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `other mixins depend on ${typeId}`);
    }
    this.#forget(mixin);
    return mixin;
  }

  /**
   * Throws what `removeUserMixin(typeId)` would throw, changing nothing: a
   * removal is checked before the backend forgets the mixin (a refused
   * request changes nothing). Dependants for which `goesToo` is true are
   * being removed in the same request and do not count.
   */
  checkRemovable(typeId: string, goesToo: (dependant: Mixin) => boolean = () => false): Mixin {
    const c = this.#byId.get(typeId);
    if (!c) throw new NotFoundError(`no category ${typeId}`);
    if (c.class !== 'mixin' || (c as Mixin).origin !== 'user') {
      throw new ForbiddenError('OCCI_ERR_FORBIDDEN_PROVIDER_CATEGORY', `${typeId} is defined by the provider and cannot be removed`);
    }
    if (this.#dependedUpon(c as Mixin, goesToo)) throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `other mixins depend on ${typeId}`);
    return c as Mixin;
  }

  #dependedUpon(mixin: Mixin, goesToo: (dependant: Mixin) => boolean = () => false): boolean {
    for (const d of this.#dependants.get(mixin) ?? []) if (d !== mixin && !goesToo(d)) return true;
    return false;
  }

  #forget(mixin: Mixin): void {
    this.#byId.delete(mixin.id);
    this.#byLocation.delete(mixin.location);
    this.#mixins.delete(mixin);
    for (const d of mixin.depends) this.#dependants.get(d)?.delete(mixin);
    if (mixin.owner !== undefined && this.#byOwner.get(mixin.owner)?.delete(mixin)) {
      this.#owned--;
      if (this.#byOwner.get(mixin.owner)!.size === 0) this.#byOwner.delete(mixin.owner);
    }
    this.#changed();
  }

  /** All attribute definitions an entity of `kind` with `mixins` carries (mixins and their depends win). */
  attributesFor(kind: Kind, mixins: readonly Mixin[]): ReadonlyMap<string, AttributeDefinition> {
    const key = mixins.length === 0 ? kind.id : `${kind.id} ${mixins.map((m) => m.id).join(' ')}`;
    let defs = this.#attributeCache.get(key);
    if (!defs) {
      const out = new Map(kind.allAttributes);
      for (const m of mixins) for (const c of m.closure) for (const [name, def] of c.attributes) out.set(name, def);
      defs = out;
      if (this.#attributeCache.size > 10_000) this.#attributeCache.clear();
      this.#attributeCache.set(key, defs);
    }
    return defs;
  }

  /** Every action an entity of `kind` with `mixins` defines, whatever its state. */
  actionsFor(kind: Kind, mixins: readonly Mixin[]): Action[] {
    const out: Action[] = [];
    for (let k: Kind | undefined = kind; k; k = k.parent) out.push(...k.actions);
    for (const m of mixins) for (const c of m.closure) out.push(...c.actions);
    return [...new Set(out)];
  }

  /**
   * Type ids of the actions valid for this entity now (only these are
   * rendered as action links): the backend's word when it gave one
   * (`entity.actions`), otherwise the state machine's.
   */
  applicableActions(entity: Entity): string[] {
    const kind = this.findKind(entity.kind);
    if (!kind) return [];
    const mixins = this.resolveMixins(entity.mixins);
    const all = this.actionsFor(kind, mixins);
    if (entity.actions) {
      const valid = new Set(entity.actions);
      return all.filter((a) => valid.has(a.id)).map((a) => a.id);
    }
    const sm = this.stateMachine(kind);
    if (!sm) return all.map((a) => a.id);
    const state = entity.attributes[sm.attribute];
    const valid = new Set(actionsInState(sm, typeof state === 'string' ? state : sm.initial));
    return all.filter((a) => !sm.transitions.has(a.id) || valid.has(a.id)).map((a) => a.id);
  }

  /** Mixins of an entity; ids the model no longer knows (a removed user mixin) are skipped. */
  resolveMixins(typeIds: readonly string[]): Mixin[] {
    const out: Mixin[] = [];
    for (const id of typeIds) {
      const m = this.findMixin(id);
      if (m) out.push(m);
    }
    return out;
  }

  #addKind(kind: Kind): void {
    this.#claim(kind);
    this.#kinds.push(kind);
    for (const a of kind.actions) this.#addAction(a);
    this.#changed();
  }

  #addAction(action: Action): void {
    const existing = this.#byId.get(action.id);
    if (existing === action) return;
    if (existing) throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `category ${action.id} is already defined`);
    this.#byId.set(action.id, action);
    this.#actions.push(action);
  }

  #claim(category: Kind | Mixin): void {
    if (!TERM.test(category.term)) {
      throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `invalid term "${category.term}"`);
    }
    if (this.#byId.has(category.id)) {
      throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `category ${category.id} is already defined`);
    }
    if (category.location !== undefined) {
      const holder = this.#byLocation.get(category.location);
      if (holder) {
        // Another owner's mixin is not named: its identifier is theirs to know.
        const named = holder.class === 'kind' || (holder as Mixin).owner === undefined || (holder as Mixin).owner === (category as Mixin).owner;
        throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${category.location} is already taken${named ? ` by ${holder.id}` : ''}`);
      }
      // A collection path must not sit where an entity of another collection would live:
      // its parent path (one segment up) is no Kind's location.
      const parent = category.location.replace(/[^/]+\/$/, '');
      if (parent !== category.location && this.#byLocation.get(parent)?.class === 'kind') {
        throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${category.location} lies inside the collection ${parent}`);
      }
      this.#byLocation.set(category.location, category);
    }
    this.#byId.set(category.id, category);
  }

  #changed(): void {
    this.#version++;
    this.#attributeCache.clear();
    this.#mixinList = undefined;
    this.#publicList = undefined;
  }
}
