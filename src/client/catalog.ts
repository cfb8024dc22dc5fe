import {
  Action, CORE_KINDS, Kind, LINK, Mixin, Model, OS_TPL, RESOURCE_TPL, TERM, splitTypeId, standardModel,
  type AttributeDefinition, type AttributeInput, type AttributeType, type Category, type CategoryInput,
} from '../model/index.js';
import { LookupError } from './errors.js';

/**
 * What a server offers, read from its query interface (OCCI Core §3, HTTP
 * Protocol §3): its Kinds, Mixins and Actions as the model's own classes,
 * where each lives, and the lookups a client makes by name. `model` is the
 * same set as a `Model`, which the renderings' parsers read against.
 *
 * Servers differ: some list the core Kinds, some do not; some give absolute
 * URLs as locations; template families may be named without being listed.
 * What the model cannot hold (two categories at one location, a term outside
 * the 1.2 grammar) stays in the catalog, only not in `model`.
 */
export class Catalog {
  readonly kinds: readonly Kind[];
  readonly mixins: readonly Mixin[];
  readonly actions: readonly Action[];
  readonly model: Model;
  readonly #byId: ReadonlyMap<string, Category>;
  /** Type id → collection path, as the server gave it (made a path). */
  readonly #locations: ReadonlyMap<string, string>;

  private constructor(kinds: Kind[], mixins: Mixin[], actions: Action[], locations: Map<string, string>) {
    this.kinds = kinds;
    this.mixins = mixins;
    this.actions = actions;
    this.#locations = locations;
    this.#byId = new Map<string, Category>([...actions, ...kinds, ...mixins].map((c) => [c.id, c]));
    this.model = modelOf(kinds, mixins, locations);
  }

  /** Builds the catalog from a query interface rendering; `base` resolves relative and absolute-URL locations to paths. */
  static fromCategories(inputs: readonly CategoryInput[], base: URL): Catalog {
    const { kinds, mixins, actions, locations } = new Builder(inputs, base).build();
    return new Catalog(kinds, mixins, actions, locations);
  }

  find(typeId: string): Category | undefined {
    return this.#byId.get(typeId);
  }

  /** The collection path of a Kind or Mixin, when the server gives one. */
  location(category: Category | string): string | undefined {
    return this.#locations.get(typeof category === 'string' ? category : category.id);
  }

  /** The Kind whose collection holds the entity at `path` (`/compute/x` → compute). */
  kindOfPath(path: string): Kind | undefined {
    const parent = path.slice(0, path.lastIndexOf('/') + 1);
    return this.kinds.find((k) => this.location(k) === parent);
  }

  /** The Kind or Mixin whose collection is `path`. */
  collectionAt(path: string): Kind | Mixin | undefined {
    const p = path.endsWith('/') ? path : `${path}/`;
    return [...this.kinds, ...this.mixins].find((c) => this.location(c) === p);
  }

  isLinkKind(kind: Kind): boolean {
    return kind.id === LINK.id || kind.isA(LINK) || (kind.parent !== undefined && this.isLinkKind(kind.parent));
  }

  /** Kinds of resources with a collection: what `list` and id lookups go through. */
  resourceKinds(): Kind[] {
    return this.kinds.filter((k) => !this.isLinkKind(k) && this.location(k) !== undefined && !CORE_KINDS.some((c) => c.id === k.id));
  }

  /** The attribute holding an instance's state (`occi.compute.state`), if its Kind has one. */
  stateAttribute(kind: Kind | undefined): string | undefined {
    if (!kind) return undefined;
    const own = `occi.${kind.term}.state`;
    if (kind.allAttributes.has(own)) return own;
    return [...kind.allAttributes.keys()].find((n) => n.endsWith('.state'));
  }

  /**
   * A Kind by type id, term (`compute`), location (`/compute/`) or
   * `<scheme part>#term`. Throws LookupError naming what is offered.
   */
  resolveKind(name: string): Kind {
    const exact = this.#byId.get(name);
    if (exact?.class === 'kind') return exact as Kind;
    const path = name.startsWith('/') ? name : `/${name}`;
    const byLocation = this.kinds.filter((k) => this.location(k) === (path.endsWith('/') ? path : `${path}/`));
    if (byLocation.length === 1) return byLocation[0];
    const found = pick(this.kinds, name);
    return one(found, name, 'kind', this.kinds.filter((k) => this.location(k) !== undefined).map((k) => k.term));
  }

  /**
   * A Mixin by type id, `family#term` (rOCCI-cli's SHORT_SCHEME#TERM:
   * `os_tpl#debian12`), or term or title within `family` (`--os debian12`).
   */
  resolveMixin(name: string, family?: string): Mixin {
    const exact = this.#byId.get(name);
    if (exact?.class === 'mixin') return exact as Mixin;
    let scope = this.mixins as readonly Mixin[];
    let term = name;
    const hash = name.lastIndexOf('#');
    if (family === undefined && hash > 0 && !name.slice(0, hash).includes(':')) {
      family = name.slice(0, hash);
      term = name.slice(hash + 1);
    }
    if (family !== undefined) scope = this.templates(family);
    let found = scope.filter((m) => m.term === term);
    if (found.length === 0 && hash > 0 && name.slice(0, hash).includes(':')) found = pick(this.mixins, name);
    if (found.length === 0) found = scope.filter((m) => m.title !== undefined && m.title.toLowerCase() === term.toLowerCase());
    const what = family === undefined ? 'mixin' : `${family} template`;
    return one(found, name, what, scope.map((m) => (family === undefined ? shortId(m) : m.term)));
  }

  /**
   * The members of a template family (Infrastructure §8): mixins depending on
   * the mixin with that term (`os_tpl`, `resource_tpl`, or any other
   * family), or whose scheme ends in `<family>#` (rOCCI-server's templates).
   */
  templates(family: string): Mixin[] {
    const ids = new Set(this.mixins.filter((m) => m.term === family).map((m) => m.id));
    for (const std of [OS_TPL, RESOURCE_TPL]) if (std.term === family) ids.add(std.id);
    return this.mixins.filter((m) => !ids.has(m.id) && (m.closure.some((c) => c !== m && ids.has(c.id)) || m.scheme.endsWith(`/${family}#`) || m.scheme.endsWith(`#${family}#`)));
  }

  /** The family (`os_tpl`, `resource_tpl`) a template belongs to, if it is one. */
  familyOf(mixin: Mixin): string | undefined {
    for (const family of [OS_TPL.term, RESOURCE_TPL.term]) if (this.templates(family).includes(mixin)) return family;
    return undefined;
  }

  /** An Action by type id, `<scheme part>#term`, or term: among `among` (an entity's actions) first. */
  resolveAction(name: string, among: readonly Action[] = []): Action {
    const exact = this.#byId.get(name);
    if (exact?.class === 'action') return exact as Action;
    const local = pick(among, name);
    if (local.length === 1) return local[0];
    return one(local.length > 1 ? local : pick(this.actions, name), name, 'action', (among.length > 0 ? among : this.actions).map((a) => a.term));
  }

  /** Every action an entity of this Kind with these Mixins defines. */
  actionsFor(kind: Kind | undefined, mixins: readonly string[]): Action[] {
    const out = new Set<Action>();
    for (let k = kind; k; k = k.parent) for (const a of k.actions) out.add(a);
    for (const id of mixins) {
      const m = this.#byId.get(id);
      if (m?.class === 'mixin') for (const c of (m as Mixin).closure) for (const a of c.actions) out.add(a);
    }
    return [...out];
  }

  /** The Kind a link to an entity of `target` gets: networkinterface to a network, storagelink to a storage (rOCCI-cli's rule). */
  linkKindFor(target: Kind | undefined): Kind | undefined {
    const byTerm: Record<string, string> = { network: 'networkinterface', ipreservation: 'networkinterface', storage: 'storagelink', securitygroup: 'securitygrouplink' };
    const term = target ? byTerm[target.term] : undefined;
    if (term === undefined) return undefined;
    return this.kinds.find((k) => k.term === term && this.isLinkKind(k)) ?? this.kinds.find((k) => k.term === term);
  }
}

/** `os_tpl#debian12`-style short name of a mixin: the last scheme segment and the term. */
export function shortId(m: Category): string {
  const segment = /([^/#]+)#$/.exec(m.scheme)?.[1];
  return segment ? `${segment}#${m.term}` : m.term;
}

/** Categories a name fits: by term, or `<part of the scheme>#term`. */
function pick<T extends Category>(categories: readonly T[], name: string): T[] {
  const hash = name.lastIndexOf('#');
  if (hash < 0) return categories.filter((c) => c.term === name);
  const term = name.slice(hash + 1);
  const scheme = name.slice(0, hash + 1);
  return categories.filter((c) => c.term === term && (c.scheme === scheme || c.scheme.endsWith(scheme.startsWith('/') ? scheme : `/${scheme}`)));
}

function one<T extends Category>(found: readonly T[], name: string, what: string, offered: readonly string[]): T {
  const unique = [...new Set(found)];
  if (unique.length === 1) return unique[0];
  if (unique.length > 1) {
    throw new LookupError(`"${name}" names ${unique.length} ${what}s; give the full type id: ${unique.map((c) => c.id).join(', ')}`, unique.map((c) => c.id));
  }
  const shown = offered.length > 12 ? `${offered.slice(0, 12).join(', ')}, … (${offered.length} in all)` : offered.join(', ');
  throw new LookupError(`the server offers no ${what} "${name}"${offered.length > 0 ? `; it offers: ${shown}` : ''}`, offered);
}

const JSON_TYPES: Record<string, AttributeType> = { string: 'string', number: 'number', boolean: 'boolean', array: 'list', object: 'hash' };

let standardDefinitions: Map<string, AttributeDefinition> | undefined;

/** Definitions of the standard attributes: text discovery gives no types, and a known name keeps its standard one. */
function standardDefinition(name: string): AttributeDefinition | undefined {
  if (!standardDefinitions) {
    standardDefinitions = new Map();
    const model = standardModel();
    for (const c of model.categories()) {
      const defs = c.class === 'kind' ? (c as Kind).allAttributes : c.attributes;
      for (const [n, d] of defs) standardDefinitions.set(n, d);
    }
  }
  return standardDefinitions.get(name);
}

function definition(input: AttributeInput): AttributeDefinition {
  const known = standardDefinition(input.name);
  const type = (input.type !== undefined ? JSON_TYPES[input.type] : undefined) ?? known?.type ?? 'string';
  const def: AttributeDefinition = {
    ...(known && known.type === type ? { enum: known.enum, minimum: known.minimum, maximum: known.maximum } : {}),
    name: input.name, type, mutable: input.mutable, required: input.required,
    ...(input.default !== undefined ? { default: input.default } : {}),
    ...(input.description !== undefined ? { description: input.description } : known?.description !== undefined ? { description: known.description } : {}),
  };
  return Object.freeze(def);
}

function definitions(input: CategoryInput): AttributeDefinition[] {
  return input.definitions?.map(definition) ?? input.attributes.map((name) => definition({ name, mutable: true, required: false }));
}

/** Reads CategoryInputs into Kinds, Mixins and Actions, resolving parents, dependencies and actions by id. */
class Builder {
  readonly #inputs = new Map<string, CategoryInput>();
  readonly #base: URL;
  readonly #actions = new Map<string, Action>();
  readonly #kinds = new Map<string, Kind>();
  readonly #mixins = new Map<string, Mixin>();
  readonly #stubs = new Map<string, Mixin>();
  readonly #locations = new Map<string, string>();

  constructor(inputs: readonly CategoryInput[], base: URL) {
    this.#base = base;
    // The first of two definitions of one type id wins (a server listing a category twice).
    for (const c of inputs) if (!this.#inputs.has(c.scheme + c.term)) this.#inputs.set(c.scheme + c.term, c);
  }

  build(): { kinds: Kind[]; mixins: Mixin[]; actions: Action[]; locations: Map<string, string> } {
    for (const c of this.#inputs.values()) if (c.class === 'action') this.#action(c.scheme + c.term);
    for (const c of this.#inputs.values()) if (c.class === 'kind') this.#kind(c.scheme + c.term, 0);
    for (const c of this.#inputs.values()) if (c.class === 'mixin') this.#mixin(c.scheme + c.term, 0);
    return { kinds: [...this.#kinds.values()], mixins: [...this.#mixins.values()], actions: [...this.#actions.values()], locations: this.#locations };
  }

  #action(id: string): Action {
    let a = this.#actions.get(id);
    if (!a) {
      const input = this.#inputs.get(id);
      const split = splitTypeId(id) ?? { scheme: id, term: id };
      a = new Action({ scheme: input?.scheme ?? split.scheme, term: input?.term ?? split.term, title: input?.title, attributes: input ? definitions(input) : [] });
      this.#actions.set(id, a);
    }
    return a;
  }

  #kind(id: string, depth: number): Kind | undefined {
    const done = this.#kinds.get(id);
    if (done) return done;
    const input = this.#inputs.get(id);
    if (!input || input.class !== 'kind') return CORE_KINDS.find((k) => k.id === id);
    // A parent chain that loops (or is absurdly deep) ends here rather than recursing for ever.
    const parentId = input.depends[0];
    const parent = parentId !== undefined && depth < 32 && parentId !== id ? this.#kind(parentId, depth + 1) : undefined;
    const location = this.#path(input.location);
    const kind = new Kind({
      scheme: input.scheme, term: input.term, title: input.title, attributes: definitions(input),
      parent, actions: input.actions.map((a) => this.#action(a)), location,
    });
    this.#kinds.set(id, kind);
    if (location !== undefined) this.#locations.set(id, location);
    return kind;
  }

  #mixin(id: string, depth: number): Mixin {
    const done = this.#mixins.get(id) ?? this.#stubs.get(id);
    if (done) return done;
    const input = this.#inputs.get(id);
    if (!input || input.class !== 'mixin' || depth > 32) return this.#stub(id);
    const location = this.#path(input.location);
    // Placeholder first: a dependency cycle meets it instead of recursing.
    this.#stubs.set(id, new Mixin({ scheme: input.scheme, term: input.term, location: location ?? '' }));
    const mixin = new Mixin({
      scheme: input.scheme, term: input.term, title: input.title, attributes: definitions(input),
      depends: input.depends.filter((d) => d !== id).map((d) => this.#mixin(d, depth + 1)),
      applies: input.applies.map((k) => this.#kind(k, 0)).filter((k): k is Kind => k !== undefined),
      actions: input.actions.map((a) => this.#action(a)),
      location: location ?? '',
    });
    this.#stubs.delete(id);
    this.#mixins.set(id, mixin);
    if (location !== undefined) this.#locations.set(id, location);
    return mixin;
  }

  /** A dependency the server names but does not list: the standard one when it is one. */
  #stub(id: string): Mixin {
    for (const std of [OS_TPL, RESOURCE_TPL]) if (std.id === id) return std;
    let s = this.#stubs.get(id);
    if (!s) {
      const split = splitTypeId(id) ?? { scheme: id, term: id };
      s = new Mixin({ ...split, location: '' });
      this.#stubs.set(id, s);
    }
    return s;
  }

  /** A location as a path: relative ones against the endpoint, absolute URLs of the endpoint's origin cut to their path. */
  #path(location: string | undefined): string | undefined {
    if (location === undefined || location.trim() === '') return undefined;
    try {
      const url = new URL(location, this.#base);
      return url.origin === this.#base.origin ? url.pathname : url.href;
    } catch {
      return undefined;
    }
  }
}

/**
 * The categories as a Model for the renderings' parsers. What a Model
 * refuses (a term outside the 1.2 grammar, a location taken twice or inside
 * a Kind's collection) is left out of it; the catalog still knows it.
 */
function modelOf(kinds: readonly Kind[], mixins: readonly Mixin[], locations: ReadonlyMap<string, string>): Model {
  const taken = new Set<string>();
  const kindPaths = new Set<string>();
  const claim = (path: string | undefined): boolean => {
    if (path === undefined || path === '') return false;
    if (taken.has(path)) return false;
    const parent = path.replace(/[^/]+\/$/, '');
    if (parent !== path && kindPaths.has(parent)) return false;
    taken.add(path);
    return true;
  };
  const usable = (c: Category) => TERM.test(c.term);
  const modelKinds = kinds.filter(usable).filter((k) => {
    if (k.location === undefined) return true;
    if (!claim(locations.get(k.id)) || k.location !== locations.get(k.id) || !k.location.startsWith('/')) return false;
    kindPaths.add(k.location);
    return true;
  });
  // Ancestors a kept Kind names must be in the model too; a Kind whose parent was left out is left out as well.
  const kept = new Set(modelKinds);
  const withParents = modelKinds.filter((k) => !k.parent || kept.has(k.parent) || CORE_KINDS.includes(k.parent as never));
  for (const core of CORE_KINDS) if (!withParents.some((k) => k.id === core.id) && withParents.some((k) => k.isA(core))) withParents.unshift(core);
  const modelMixins = mixins.filter(usable).filter((m) => m.location.startsWith('/') && claim(m.location));
  try {
    return new Model({ kinds: withParents, mixins: modelMixins });
  } catch {
    // A set no Model accepts: the renderings still read entities against the standard one.
    return standardModel();
  }
}
