/**
 * Renderings kept between requests. Folder-private.
 *
 * `Memo` keeps whole renderings of values that cannot change: frozen
 * entities (the embedded backend's read cache freezes what it keeps) and
 * frozen category lists (the query interface's). `ShapeMemo` keeps the parts
 * of an entity's rendering that its Kind, Mixins and owner decide, for every
 * entity of that shape, frozen or not; `ActionMemo`, inside a shape, its
 * action links by state.
 */
import { keptSlot, type Entity, type Kind, type Model } from '../model/index.js';

/**
 * Keyed by the object, and by the model's `renderKey`, which moves with
 * every change of the category set and differs between owners' views.
 * Anything not frozen is rendered every time. A value with a kept slot
 * (model/kept.ts: the read cache's entities) holds its renderings there;
 * other frozen values (the query interface's category lists, few and long
 * lived) in a WeakMap.
 */
export class Memo<V> {
  #byObject = new WeakMap<object, Kept<V>>();

  get(object: object, key: string, make: () => V): V {
    if (!Object.isFrozen(object)) return make();
    const slot = keptSlot(object);
    const hit = (slot ? slot.get(this) : this.#byObject.get(object)) as Kept<V> | undefined;
    if (hit !== undefined && hit.key === key) return hit.value;
    const value = make();
    if (slot) slot.set(this, { key, value });
    else this.#byObject.set(object, { key, value });
    return value;
  }
}

interface Kept<V> {
  key: string;
  value: V;
}

/** Shapes kept per model version; past this many the memo starts over (a bound against floods of mixin combinations). */
const MAX_SHAPES = 1_000;

/**
 * What an entity's Kind, Mixins and owner decide in its rendering (Category
 * lines, attribute definitions, actions): the same for every entity of that
 * shape, as long as the model does not change. Kept per model (its `base`:
 * two models may stand at the same version), per `renderKey` (the view: one
 * owner's user mixins are not another's) and per entity owner (whose user
 * mixins an administrator sees on the owner's entity: `resolveMixins`).
 * Everything kept for a model is dropped when its version moves on.
 */
export class ShapeMemo<V> {
  #byModel = new WeakMap<Model, { version: number; shapes: number; root: Step<V> }>();

  get(entity: Entity, model: Model, make: () => V): V {
    const base = model.base;
    let kept = this.#byModel.get(base);
    if (kept === undefined || kept.version !== model.version || kept.shapes >= MAX_SHAPES) {
      kept = { version: model.version, shapes: 0, root: {} };
      this.#byModel.set(base, kept);
    }
    // One step per part, each part whole (no joined key to build and hash):
    // view, owner (`undefined` is a key of its own), Kind, then each Mixin in order.
    let step = next(next(next(kept.root, model.renderKey), entity.owner), entity.kind);
    for (const id of entity.mixins) step = next(step, id);
    if (step.value === undefined) {
      step.value = make();
      kept.shapes++;
    }
    return step.value;
  }
}

/** A node of ShapeMemo's tree: the value for the parts that lead here, and the steps further. */
interface Step<V> {
  value?: V;
  next?: Map<string | undefined, Step<V>>;
}

function next<V>(step: Step<V>, part: string | undefined): Step<V> {
  step.next ??= new Map();
  let to = step.next.get(part);
  if (to === undefined) step.next.set(part, (to = {}));
  return to;
}

/** States (or a backend's lists of actions) kept per shape; past this many they start over. */
const MAX_STATES = 64;

/**
 * What `model.applicableActions` says for entities of one shape, kept by
 * everything else it reads: the backend's own list of actions when the
 * entity carries one, otherwise the value of the state machine's attribute.
 */
export class ActionMemo<V> {
  readonly #stateAttribute: string | undefined;
  readonly #byKey = new Map<string, V>();

  /** `kind`: the shape's Kind, as the model finds it (`undefined`: none, and no actions). */
  constructor(kind: Kind | undefined, model: Model) {
    this.#stateAttribute = kind && model.stateMachine(kind)?.attribute;
  }

  get(entity: Entity, make: () => V): V {
    const key = this.#key(entity);
    let value = this.#byKey.get(key);
    if (value === undefined) {
      value = make();
      if (this.#byKey.size >= MAX_STATES) this.#byKey.clear();
      this.#byKey.set(key, value);
    }
    return value;
  }

  /** Each part behind its length, so that no list of actions reads as another. */
  #key(entity: Entity): string {
    if (entity.actions !== undefined) {
      let key = 'given';
      for (const id of entity.actions) key += `|${id.length}:${id}`;
      return key;
    }
    if (this.#stateAttribute === undefined) return '';
    const state = entity.attributes[this.#stateAttribute];
    // A state that is not a string is the machine's initial state, as the model reads it.
    return typeof state === 'string' ? `state|${state}` : 'initial';
  }
}
