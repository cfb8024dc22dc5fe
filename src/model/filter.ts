import type { Entity } from './entity.js';
import type { FilterInput } from './input.js';
import { matchesAttribute } from './instantiate.js';
import type { Kind } from './kind.js';
import type { Mixin } from './mixin.js';
import type { Model } from './model.js';

/**
 * Does an entity pass a collection filter (HTTP Protocol §9)? Every named
 * category and every attribute must match (AND). A Kind matches its
 * instances and those of its sub-kinds; a Mixin matches entities associated
 * with it or with a mixin that depends on it; an Action matches entities
 * that define it.
 */
export function matchesFilter(model: Model, entity: Entity, filter: FilterInput): boolean {
  for (const id of filter.categories) {
    const c = model.findCategory(id);
    if (!c) return false;
    if (c.class === 'kind') {
      const k = model.findKind(entity.kind);
      if (!k || !k.isA(c as Kind)) return false;
    } else if (c.class === 'mixin') {
      if (!model.resolveMixins(entity.mixins, entity.owner).some((m) => m.dependsOn(c as Mixin))) return false;
    } else {
      const k = model.findKind(entity.kind);
      if (!k || !model.actionsFor(k, model.resolveMixins(entity.mixins, entity.owner)).some((a) => a.id === id)) return false;
    }
  }
  for (const [name, value] of Object.entries(filter.attributes)) {
    if (!matchesAttribute(model, entity, name, value)) return false;
  }
  return true;
}

/** True when the filter is empty. */
export function isEmptyFilter(filter: FilterInput | undefined): boolean {
  return !filter || (filter.categories.length === 0 && Object.keys(filter.attributes).length === 0);
}
