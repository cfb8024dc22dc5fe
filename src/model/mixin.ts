import type { Action } from './action.js';
import type { AttributeDefinition } from './attribute.js';
import { Category } from './category.js';
import type { Kind } from './kind.js';

/** Where a mixin comes from: the spec/provider (immutable) or a user (tag, deletable). */
export type MixinOrigin = 'provider' | 'user';

/** Capabilities added to individual entities (OCCI Core §7). */
export class Mixin extends Category {
  readonly class = 'mixin' as const;
  readonly depends: readonly Mixin[];
  readonly applies: readonly Kind[];
  readonly actions: readonly Action[];
  readonly location: string;
  readonly origin: MixinOrigin;
  /** For user mixins: who defined it (isolation arrives with authentication). */
  readonly owner: string | undefined;

  constructor(init: {
    scheme: string;
    term: string;
    title?: string;
    attributes?: readonly AttributeDefinition[];
    depends?: readonly Mixin[];
    applies?: readonly Kind[];
    actions?: readonly Action[];
    location: string;
    origin?: MixinOrigin;
    owner?: string;
  }) {
    super(init);
    this.depends = init.depends ?? [];
    this.applies = init.applies ?? [];
    this.actions = init.actions ?? [];
    this.location = init.location;
    this.origin = init.origin ?? 'provider';
    this.owner = init.owner;
  }

  #closure: readonly Mixin[] | undefined;
  #ancestors: ReadonlySet<Mixin> | undefined;

  /** True when this mixin is `other` or depends on it, directly or not. */
  dependsOn(other: Mixin): boolean {
    if (this === other) return true;
    this.#ancestors ??= new Set(this.closure);
    return this.#ancestors.has(other);
  }

  /**
   * This mixin's dependencies, directly or not, each once, each after its
   * own dependencies, then the mixin itself: the order in which their
   * attributes and actions apply (Core §7). Computed once (dependencies
   * never change), so a lattice of mixins depending on each other costs
   * its size, not the number of paths through it.
   */
  get closure(): readonly Mixin[] {
    if (this.#closure === undefined) {
      const out: Mixin[] = [];
      const seen = new Set<Mixin>();
      for (const d of this.depends) {
        for (const m of d.closure) {
          if (!seen.has(m)) {
            seen.add(m);
            out.push(m);
          }
        }
      }
      if (!seen.has(this)) out.push(this);
      this.#closure = Object.freeze(out);
    }
    return this.#closure;
  }

  /** May an entity of `kind` carry this mixin? Empty `applies` means any entity. */
  appliesTo(kind: Kind): boolean {
    if (this.applies.length === 0) return true;
    return this.applies.some((k) => kind.isA(k));
  }
}
