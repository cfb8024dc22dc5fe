import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Action } from './action.js';
import type { AttributeDefinition } from './attribute.js';
import { TERM, type Category } from './category.js';
import type { Entity } from './entity.js';
import type { Kind } from './kind.js';
import type { Mixin } from './mixin.js';
import { actionsInState, type StateMachine } from './state-machine.js';
import { checkUserMixin } from './user-mixin.js';

export interface ModelInit {
  readonly kinds: readonly Kind[];
  readonly mixins: readonly Mixin[];
  readonly stateMachines?: readonly StateMachine[];
}

/** One owner's name space: their user mixins and saved templates, by type id and by location. */
interface Space {
  readonly byId: Map<string, Mixin>;
  readonly byLocation: Map<string, Mixin>;
}

/** What the model and all its views share. */
class State {
  /** Public categories (kinds, actions, mixins without an owner): one name space for everyone. */
  readonly byId = new Map<string, Category>();
  readonly byLocation = new Map<string, Kind | Mixin>();
  /** Each owner's own name space (issue 13 §7: another tenant's names are never observable). */
  readonly spaces = new Map<string, Space>();
  readonly kinds: Kind[] = [];
  /** Every mixin, public and owned, in the order they were added. */
  readonly mixins = new Set<Mixin>();
  mixinList: Mixin[] | undefined;
  /** Mixins that depend directly on a mixin: removal checks and mixin families without a scan. */
  readonly dependants = new Map<Mixin, Set<Mixin>>();
  owned = 0;
  /** Mixins without an owner, rebuilt after a change; and each owner's visible list, per version. */
  publicList: Mixin[] | undefined;
  readonly views = new Map<string, { version: number; mixins: readonly Mixin[] }>();
  readonly actions: Action[] = [];
  readonly machines = new Map<string, StateMachine>();
  readonly attributeCache = new Map<string, ReadonlyMap<string, AttributeDefinition>>();
  /** Mixins a backend offers only to some owners (offerMixins): type id → the owners who see it. */
  readonly audience = new Map<string, Set<string>>();
  version = 0;
  base!: Model;
}

/**
 * The category set one server exposes at the query interface: Kinds, Mixins
 * and Actions, their locations, the state machines. Provider categories are
 * fixed at start (a backend may add its templates then) and public: one name
 * space for everyone. User mixins and saved templates come and go at run
 * time, each in its owner's own name space: two owners may define the same
 * type id at the same location, and neither can tell. Every change bumps
 * `version` so cached renderings of the query interface know to go stale.
 *
 * The model itself (the base) looks up public categories only and lists
 * every mixin; `visibleTo(owner)` is the view requests use.
 */
export class Model {
  readonly #s: State;
  /** The owner whose view this is; undefined for the base model. */
  readonly #viewer: string | undefined;

  constructor(init: ModelInit) {
    const shared = VIEWING;
    if (shared) {
      VIEWING = undefined;
      this.#s = shared.state;
      this.#viewer = shared.viewer;
      return;
    }
    this.#s = new State();
    this.#s.base = this;
    for (const k of init.kinds) this.#addKind(k);
    for (const m of init.mixins) this.addMixin(m);
    for (const sm of init.stateMachines ?? []) this.#s.machines.set(sm.kind, sm);
  }

  /** Bumped on every change of the category set. */
  get version(): number {
    return this.#s.version;
  }

  /**
   * Key for caches of rendered categories (the query interface): changes with
   * `version`, and differs between the views `visibleTo()` gives different owners.
   */
  get renderKey(): string {
    const s = this.#s;
    if (this.#viewer === undefined) return String(s.version);
    // Views that see exactly the public categories share their renderings.
    return s.audience.size === 0 && !s.spaces.has(this.#viewer) ? `${s.version}:` : `${s.version}:${this.#viewer}`;
  }

  /**
   * The model as `owner` sees it: the public categories (less those a backend
   * offers to other owners only) and the owner's own user mixins and saved
   * templates; other owners' are not there at all, in discovery, lookups or
   * locations (per-owner name spaces). The base model for `undefined`.
   * Mutations through a view change the shared model; a user mixin added
   * through a view goes to the mixin's owner's space.
   */
  visibleTo(owner: string | undefined): Model {
    if (owner === undefined) return this.#s.base;
    if (owner === this.#viewer) return this;
    VIEWING = { state: this.#s, viewer: owner };
    return new Model(EMPTY);
  }

  /** The owner whose view this is (undefined: the base model). */
  get viewer(): string | undefined {
    return this.#viewer;
  }

  /** A public mixin a backend offers to other owners only. */
  #offeredElsewhere(m: Mixin, owner: string): boolean {
    const audience = this.#s.audience.get(m.id);
    return audience !== undefined && !audience.has(owner);
  }

  /** A public category, unless this view's owner is not offered it. */
  #public(id: string): Category | undefined {
    const c = this.#s.byId.get(id);
    if (c && this.#viewer !== undefined && c.class === 'mixin' && this.#offeredElsewhere(c as Mixin, this.#viewer)) return undefined;
    return c;
  }

  /** A mixin this view sees: public, or the viewer's own. */
  #sees(m: Mixin): boolean {
    if (this.#viewer === undefined) return true;
    return m.owner === undefined ? !this.#offeredElsewhere(m, this.#viewer) : m.owner === this.#viewer;
  }

  /**
   * The mixins `owner` sees: everyone's, then their own. Built once per
   * model version and owner, from those two sets only (not from every
   * owner's mixins), so a request costs no more for there being many users.
   */
  #visibleMixins(owner: string): readonly Mixin[] {
    const s = this.#s;
    const cached = s.views.get(owner);
    if (cached?.version === s.version) return cached.mixins;
    s.publicList ??= [...s.mixins].filter((m) => m.owner === undefined);
    const mixins = Object.freeze([
      ...(s.audience.size === 0 ? s.publicList : s.publicList.filter((m) => !this.#offeredElsewhere(m, owner))),
      ...(s.spaces.get(owner)?.byId.values() ?? []),
    ]);
    if (s.views.size >= 1_000) s.views.clear();
    s.views.set(owner, { version: s.version, mixins });
    return mixins;
  }

  /** The model itself, also when asked through a view (`visibleTo`): a key for caches of the model's answers. */
  get base(): Model {
    return this.#s.base;
  }

  get kinds(): readonly Kind[] {
    return this.#s.kinds;
  }
  /** The mixins this view sees; for the base model every mixin, whoever owns it. */
  get mixins(): readonly Mixin[] {
    if (this.#viewer !== undefined) return this.#visibleMixins(this.#viewer);
    this.#s.mixinList ??= [...this.#s.mixins];
    return this.#s.mixinList;
  }
  get actions(): readonly Action[] {
    return this.#s.actions;
  }

  /** Every category in query-interface order: kinds, actions, mixins (as `mixins`). */
  categories(): Category[] {
    return [...this.#s.kinds, ...this.#s.actions, ...this.mixins];
  }

  /**
   * `mixins` and every mixin that depends on one of them, directly or not (Core §7: B
   * depending on A brings A's capabilities, so A's collection holds B's
   * entities too), as far as this view sees. Follows the dependants index:
   * the cost is the size of the family, not of the model.
   */
  family(...mixins: Mixin[]): Mixin[] {
    const out = [...new Set(mixins)];
    const seen = new Set(out);
    for (let i = 0; i < out.length; i++) {
      for (const d of this.#s.dependants.get(out[i]) ?? []) {
        if (!seen.has(d) && this.#sees(d)) {
          seen.add(d);
          out.push(d);
        }
      }
    }
    return out;
  }

  findCategory(typeId: string): Category | undefined {
    return this.#public(typeId) ?? this.#own()?.byId.get(typeId);
  }
  findKind(typeId: string): Kind | undefined {
    const c = this.#s.byId.get(typeId);
    return c?.class === 'kind' ? (c as Kind) : undefined;
  }
  findMixin(typeId: string): Mixin | undefined {
    const c = this.findCategory(typeId);
    return c?.class === 'mixin' ? (c as Mixin) : undefined;
  }
  findAction(typeId: string): Action | undefined {
    const c = this.#s.byId.get(typeId);
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

  /** The Kind or Mixin bound to a collection path (ending in `/`), as this view sees it. */
  findByLocation(path: string): Kind | Mixin | undefined {
    const c = this.#s.byLocation.get(path);
    if (c && (c.class === 'kind' || this.#sees(c as Mixin))) return c;
    return this.#own()?.byLocation.get(path);
  }

  /** The Kind whose location is the parent path of an entity location (`/compute/x` → compute). */
  findKindForEntityPath(path: string): Kind | undefined {
    const slash = path.lastIndexOf('/');
    const c = this.#s.byLocation.get(path.slice(0, slash + 1));
    return c?.class === 'kind' ? c : undefined;
  }

  stateMachine(kind: Kind): StateMachine | undefined {
    for (let k: Kind | undefined = kind; k; k = k.parent) {
      const sm = this.#s.machines.get(k.id);
      if (sm) return sm;
    }
    return undefined;
  }

  /** Adds a mixin: a provider mixin (templates a backend offers) to the public space, one with an owner to that owner's. */
  addMixin(mixin: Mixin): void {
    const s = this.#s;
    this.#claim(mixin);
    s.mixins.add(mixin);
    for (const d of mixin.depends) {
      let set = s.dependants.get(d);
      if (!set) s.dependants.set(d, (set = new Set()));
      set.add(mixin);
    }
    if (mixin.owner !== undefined) s.owned++;
    for (const a of mixin.actions) this.#addAction(a);
    this.#changed();
  }

  /**
   * Defines a user mixin (HTTP Protocol §3.2) in its owner's space. Re-posting an identical
   * definition is not a collision. Returns false when it existed already.
   */
  addUserMixin(mixin: Mixin): boolean {
    const existing = mixin.owner === undefined ? this.#s.byId.get(mixin.id) : this.#s.spaces.get(mixin.owner)?.byId.get(mixin.id);
    if (existing && existing.class === 'mixin' && (existing as Mixin).origin === 'user' && (existing as Mixin).location === mixin.location) {
      return false;
    }
    checkUserMixin(mixin);
    this.addMixin(mixin);
    return true;
  }

  /** How many mixins `owner` has defined (user mixins and saved templates): for the per-user quota. */
  ownedBy(owner: string): number {
    return this.#s.spaces.get(owner)?.byId.size ?? 0;
  }

  /** The mixin `owner` holds under this type id in their own space (not a public one). */
  findOwned(owner: string, typeId: string): Mixin | undefined {
    return this.#s.spaces.get(owner)?.byId.get(typeId);
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
    const s = this.#s;
    const offered = new Set<string>();
    for (const m of mixins) {
      offered.add(m.id);
      const seen = s.audience.get(m.id);
      if (seen) {
        if (!seen.has(owner)) {
          seen.add(owner);
          this.#changed();
        }
      } else if (!s.byId.has(m.id)) {
        this.addMixin(m);
        s.audience.set(m.id, new Set([owner]));
      }
    }
    for (const [id, seen] of s.audience) {
      if (offered.has(id) || !seen.delete(owner)) continue;
      this.#changed();
      const mixin = s.byId.get(id) as Mixin;
      if (seen.size === 0 && !this.#dependedUpon(mixin)) {
        s.audience.delete(id);
        this.#forget(mixin);
      }
    }
  }

  /** Removes a user mixin this view sees (its owner's, or a public one); provider categories are refused (HTTP Protocol §3.3). */
  removeUserMixin(typeId: string): Mixin {
    const mixin = this.checkRemovable(typeId);
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
    const c = this.#own()?.byId.get(typeId) ?? this.#public(typeId);
    if (!c) throw new NotFoundError(`no category ${typeId}`);
    if (c.class !== 'mixin' || (c as Mixin).origin !== 'user') {
      throw new ForbiddenError('OCCI_ERR_FORBIDDEN_PROVIDER_CATEGORY', `${typeId} is defined by the provider and cannot be removed`);
    }
    if (this.#dependedUpon(c as Mixin, goesToo)) throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `other mixins depend on ${typeId}`);
    return c as Mixin;
  }

  #dependedUpon(mixin: Mixin, goesToo: (dependant: Mixin) => boolean = () => false): boolean {
    for (const d of this.#s.dependants.get(mixin) ?? []) if (d !== mixin && !goesToo(d)) return true;
    return false;
  }

  #own(): Space | undefined {
    return this.#viewer === undefined ? undefined : this.#s.spaces.get(this.#viewer);
  }

  #forget(mixin: Mixin): void {
    const s = this.#s;
    if (mixin.owner === undefined) {
      s.byId.delete(mixin.id);
      s.byLocation.delete(mixin.location);
    } else {
      const space = s.spaces.get(mixin.owner);
      if (space?.byId.get(mixin.id) === mixin) {
        space.byId.delete(mixin.id);
        space.byLocation.delete(mixin.location);
        s.owned--;
        if (space.byId.size === 0) s.spaces.delete(mixin.owner);
      }
    }
    s.mixins.delete(mixin);
    for (const d of mixin.depends) s.dependants.get(d)?.delete(mixin);
    this.#changed();
  }

  /** All attribute definitions an entity of `kind` with `mixins` carries (mixins and their depends win). */
  attributesFor(kind: Kind, mixins: readonly Mixin[]): ReadonlyMap<string, AttributeDefinition> {
    // Two owners' mixins may share a type id and differ: an owned mixin's key names its owner.
    const key = mixins.length === 0 ? kind.id : `${kind.id} ${mixins.map((m) => (m.owner === undefined ? m.id : `${m.owner}\u0000${m.id}`)).join(' ')}`;
    const cache = this.#s.attributeCache;
    let defs = cache.get(key);
    if (!defs) {
      const out = new Map(kind.allAttributes);
      for (const m of mixins) for (const c of m.closure) for (const [name, def] of c.attributes) out.set(name, def);
      defs = out;
      if (cache.size > 10_000) cache.clear();
      cache.set(key, defs);
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
    const mixins = this.resolveMixins(entity.mixins, entity.owner);
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

  /** Mixins of an entity as this view sees them; ids it does not know (a removed user mixin) are skipped. */
  resolveMixins(typeIds: readonly string[], owner?: string): Mixin[] {
    const out: Mixin[] = [];
    for (const id of typeIds) {
      // An entity's own user mixins live in its owner's space: an administrator viewing it sees them too.
      const m = this.findMixin(id) ?? (owner === undefined ? undefined : this.findOwned(owner, id));
      if (m) out.push(m);
    }
    return out;
  }

  #addKind(kind: Kind): void {
    this.#claim(kind);
    this.#s.kinds.push(kind);
    for (const a of kind.actions) this.#addAction(a);
    this.#changed();
  }

  #addAction(action: Action): void {
    const s = this.#s;
    const existing = s.byId.get(action.id);
    if (existing === action) return;
    if (existing) throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `category ${action.id} is already defined`);
    s.byId.set(action.id, action);
    s.actions.push(action);
  }

  /**
   * Takes the category's type id and location in its name space: the public
   * one, or its owner's. An owned mixin may not shadow a public category
   * (409 naming it: public, so nothing leaks); another owner's names are
   * never in the way, and never named.
   */
  #claim(category: Kind | Mixin): void {
    const s = this.#s;
    if (!TERM.test(category.term)) {
      throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `invalid term "${category.term}"`);
    }
    const owner = category.class === 'mixin' ? (category as Mixin).owner : undefined;
    const view = owner === undefined ? undefined : this.visibleTo(owner);
    const sameId = view ? view.findCategory(category.id) : s.byId.get(category.id);
    if (sameId) throw new ConflictError('OCCI_ERR_CONFLICT_CATEGORY', `category ${category.id} is already defined`);
    const location = category.location;
    if (location !== undefined) {
      const holder = view ? view.findByLocation(location) : s.byLocation.get(location);
      if (holder) throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${location} is already taken by ${holder.id}`);
      // A collection path must not sit where an entity of another collection would live:
      // its parent path (one segment up) is no Kind's location.
      const parent = location.replace(/[^/]+\/$/, '');
      if (parent !== location && s.byLocation.get(parent)?.class === 'kind') {
        throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${location} lies inside the collection ${parent}`);
      }
    }
    if (owner === undefined) {
      if (location !== undefined) s.byLocation.set(location, category);
      s.byId.set(category.id, category);
      return;
    }
    let space = s.spaces.get(owner);
    if (!space) s.spaces.set(owner, (space = { byId: new Map(), byLocation: new Map() }));
    space.byId.set(category.id, category as Mixin);
    if (location !== undefined) space.byLocation.set(location, category as Mixin);
  }

  #changed(): void {
    const s = this.#s;
    s.version++;
    s.attributeCache.clear();
    s.mixinList = undefined;
    s.publicList = undefined;
  }
}

const EMPTY: ModelInit = Object.freeze({ kinds: [], mixins: [] });
/** Set by `visibleTo()` for the one constructor call that makes a view sharing a model's state. */
let VIEWING: { state: State; viewer: string } | undefined;
