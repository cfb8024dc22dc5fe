/**
 * Renderings kept for values that cannot change: frozen entities (the
 * embedded backend's read cache freezes what it keeps) and frozen category
 * lists (the query interface's). Keyed by the object, and by the model's
 * `renderKey`, which moves with every change of the category set and differs
 * between owners' views. Anything not frozen is rendered every time.
 * Folder-private.
 */
export class Memo<V> {
  #byObject = new WeakMap<object, { key: string; value: V }>();

  get(object: object, key: string, make: () => V): V {
    if (!Object.isFrozen(object)) return make();
    const hit = this.#byObject.get(object);
    if (hit !== undefined && hit.key === key) return hit.value;
    const value = make();
    this.#byObject.set(object, { key, value });
    return value;
  }
}
