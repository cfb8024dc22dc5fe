/**
 * A slot for what is derived from a value that will not change (its
 * renderings), carried by the value itself. Whoever freezes a value for
 * keeping (the embedded backend's read cache) gives it a slot first; the
 * renderings then keep their bytes there, and they go when the value goes.
 * A WeakMap from value to rendering would do the same, but every entry of a
 * WeakMap costs the garbage collector work for as long as it lives (an
 * ephemeron): at thousands of new values a second, as actions and creates
 * make them, that was 4-5 µs per request.
 */
const KEPT = Symbol('occi.kept');

export type KeptSlot = Map<object, unknown>;

/** Gives `value` an empty slot (not enumerable: spreads, JSON and comparisons do not see it); call before freezing. */
export function giveKeptSlot(value: object): void {
  if (Object.isExtensible(value) && !Object.hasOwn(value, KEPT)) Object.defineProperty(value, KEPT, { value: new Map() });
}

/** The slot `value` was given, if any. */
export function keptSlot(value: object): KeptSlot | undefined {
  return (value as { [KEPT]?: KeptSlot })[KEPT];
}
