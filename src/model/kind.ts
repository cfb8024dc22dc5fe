import type { Action } from './action.js';
import type { AttributeDefinition } from './attribute.js';
import { Category } from './category.js';

/** The type of an Entity sub-type (OCCI Core §6). */
export class Kind extends Category {
  readonly class = 'kind' as const;
  readonly parent: Kind | undefined;
  readonly actions: readonly Action[];
  /** Collection path ending in `/`; absent for the abstract `core#entity`. */
  readonly location: string | undefined;
  /** Every attribute an instance carries: the root ancestor's first, own last. */
  readonly allAttributes: ReadonlyMap<string, AttributeDefinition>;

  constructor(init: {
    scheme: string;
    term: string;
    title?: string;
    attributes?: readonly AttributeDefinition[];
    parent?: Kind;
    actions?: readonly Action[];
    location?: string;
  }) {
    super(init);
    this.parent = init.parent;
    this.actions = init.actions ?? [];
    this.location = init.location;
    this.allAttributes = orderAncestorsFirst(this);
  }

  /** True when this Kind is `other` or descends from it. */
  isA(other: Kind): boolean {
    for (let k: Kind | undefined = this; k; k = k.parent) if (k === other) return true;
    return false;
  }
}

function orderAncestorsFirst(kind: Kind): Map<string, AttributeDefinition> {
  const chain: Kind[] = [];
  for (let k: Kind | undefined = kind; k; k = k.parent) chain.unshift(k);
  const out = new Map<string, AttributeDefinition>();
  // A child's redefinition of an inherited attribute wins, in the ancestor's slot.
  for (const k of chain) for (const [name, def] of k.attributes) out.set(name, def);
  return out;
}
