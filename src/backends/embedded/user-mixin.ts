import { InternalError } from '../../errors.js';
import { Mixin, type Model } from '../../model/index.js';
import { savedMixin } from './actions.js';
import type { MixinData, MixinRow } from './store.js';

/** A stored user mixin as the model holds it. */
export function userMixin(model: Model, id: string, location: string, owner: string | null, data: MixinData): Mixin {
  // A dependency the model no longer has (a template dropped from the configuration) is left out, not fatal.
  // Dependencies are public mixins or the owner's own.
  const view = model.visibleTo(owner ?? undefined);
  const depends = data.depends.map((d) => view.findMixin(d)).filter((m): m is Mixin => m !== undefined);
  const applies = data.applies.map((k) => model.findKind(k)).filter((k) => k !== undefined);
  const mixin = new Mixin({
    scheme: data.scheme, term: data.term, title: data.title, location, depends, applies, origin: 'user', owner: owner ?? undefined,
  });
  if (mixin.id !== id) throw new InternalError(`stored mixin ${id} does not match its data`);
  return mixin;
}

/** What is stored of a user mixin (its definition; the owner and location have columns of their own). */
export function mixinData(mixin: Mixin): MixinData {
  return { scheme: mixin.scheme, term: mixin.term, title: mixin.title, depends: mixin.depends.map((m) => m.id), applies: mixin.applies.map((k) => k.id) };
}

/** The key of a user mixin among its owner's (several owners may define the same id). */
export function mixinKey(owner: string | null | undefined, id: string): string {
  return `${owner ?? ''}\u0000${id}`;
}

/** Runs a user-mixin write with the mixin kept out of refreshes (`inFlight`) until the caller has updated the model (a turn after it settles). */
export async function changingModel(inFlight: Set<string>, key: string, write: () => Promise<void>): Promise<void> {
  inFlight.add(key);
  try {
    await write();
  } finally {
    setImmediate(() => inFlight.delete(key));
  }
}

/** Brings the model's user mixins and saved templates in line with the stored rows. */
export function alignModel(model: Model, rows: readonly MixinRow[], inFlight: ReadonlySet<string>): void {
  const key = mixinKey;
  const ids = new Set(rows.map((r) => key(r.owner, r.id)));
  for (const m of model.mixins) {
    if (m.origin === 'user' && !ids.has(key(m.owner, m.id)) && !inFlight.has(key(m.owner, m.id))) {
      try {
        model.visibleTo(m.owner).removeUserMixin(m.id);
      } catch {
        // still depended upon: kept until its dependants go
      }
    }
  }
  for (const row of rows) {
    if (inFlight.has(key(row.owner, row.id)) || (row.owner === null ? model.findCategory(row.id) : model.findOwned(row.owner, row.id))) continue;
    const data = JSON.parse(row.data) as MixinData;
    try {
      if (row.origin === 'saved') model.addMixin(savedMixin(model, data, row.owner));
      else model.addUserMixin(userMixin(model, row.id, row.location, row.owner, data));
    } catch {
      // a location still held by a mixin kept above: picked up once it goes
    }
  }
}

