import { InternalError } from '../../errors.js';
import { Mixin, type Model } from '../../model/index.js';
import type { MixinData } from './store.js';

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
