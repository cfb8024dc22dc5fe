import { ConflictError, NotFoundError, NotImplementedError, QuotaError, ValidationError } from '../errors.js';
import { ENTITY_JSON_LOCATION, Mixin, type Category, type CategoryInput, type Model } from '../model/index.js';
import type { Exchange, Outcome } from './app.js';
import { readFilter } from './filter.js';

/** The query interface `/-/` (HTTP Protocol §3): discovery, and user mixins. */
export async function handleQueryInterface(x: Exchange, method: string): Promise<Outcome> {
  switch (method) {
    case 'GET': {
      x.expect('categories');
      const filter = readFilter(x);
      const categories = filter.categories.length === 0 ? allCategories(x.model) : relatedCategories(x.model, filter.categories);
      return { status: 200, value: { type: 'categories', categories } };
    }
    case 'POST':
      return defineMixins(x);
    default:
      return removeMixins(x);
  }
}

/** Discovery answers by model, then by version and owner's view (`renderKey`): a view is a new object per request. */
const DISCOVERY = new WeakMap<Model, Map<string, readonly Category[]>>();

/**
 * Every category, as one frozen list per model version (and owner's view):
 * renderings keep their bytes for a frozen list, so an unchanged model is
 * rendered once per owner, not on every GET.
 */
function allCategories(model: Model): readonly Category[] {
  const key = model.renderKey;
  let answers = DISCOVERY.get(model.base);
  if (!answers) DISCOVERY.set(model.base, (answers = new Map()));
  let categories = answers.get(key);
  if (!categories) {
    categories = Object.freeze(model.categories());
    // Entries of older versions are never asked for again.
    if (answers.size >= 256) answers.clear();
    answers.set(key, categories);
  }
  return categories;
}

/**
 * A filtered discovery answer: the named categories, plus the mixins that
 * depend on a named mixin (filtering by os_tpl lists the OS templates).
 * Kept small on purpose: text/occi answers must fit in headers.
 */
function relatedCategories(model: Model, ids: readonly string[]): Category[] {
  const named = new Set(ids);
  const namedMixins = ids.map((id) => model.findMixin(id)).filter((m): m is Mixin => m !== undefined);
  return model.categories().filter(
    (c) => named.has(c.id) || (c.class === 'mixin' && namedMixins.some((n) => (c as Mixin).dependsOn(n))),
  );
}

async function defineMixins(x: Exchange): Promise<Outcome> {
  x.expect('empty');
  if (x.backend.capabilities.userMixins === 'none') {
    throw new NotImplementedError(`defining mixins: the ${x.backend.name} backend cannot store user-defined mixins`);
  }
  const inputs = x.parser().parseCategories(x.parseInput(), x.model);
  if (inputs.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'no mixin definition in the request');
  x.checkItems(inputs.length, 'mixin definitions');
  const mixins = inputs.map((i) => userMixin(x, i));
  const max = x.app.maxUserMixins;
  if (max !== undefined) {
    const fresh = mixins.filter((m) => x.model.findMixin(m.id)?.location !== m.location).length;
    const held = x.model.ownedBy(x.ctx.owner);
    if (held + fresh > max) {
      throw new QuotaError(`you define ${held} mixins and ask for ${fresh} more; at most ${max} (--max-user-mixins)`);
    }
  }
  const added: Mixin[] = [];
  try {
    for (const m of mixins) {
      if (x.model.addUserMixin(m)) added.push(m);
    }
    for (const m of added) await x.backend.defineMixin(x.ctx, m);
  } catch (err) {
    // All or nothing: forget what this request added before failing.
    for (const m of added.reverse()) {
      try {
        x.model.removeUserMixin(m.id);
      } catch {
        // already gone
      }
    }
    throw err;
  }
  return { status: 200, value: { type: 'empty' } };
}

function userMixin(x: Exchange, input: CategoryInput): Mixin {
  const name = `${input.scheme}${input.term}`;
  if (input.class !== 'mixin') {
    throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `only mixins can be defined by clients; ${name} is a ${input.class}`);
  }
  if (input.attributes.length > 0 || input.actions.length > 0) {
    throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `user-defined mixin ${name} cannot carry attributes or actions`);
  }
  if (!input.location) throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', `mixin ${name} needs a location`);
  const location = x.resolve(input.location);
  if (location === ENTITY_JSON_LOCATION) {
    throw new ConflictError('OCCI_ERR_CONFLICT_LOCATION', `location ${location} is taken: JSON discovery names it the collection of every entity (core#entity)`);
  }
  const depends = input.depends.map((id) => {
    const m = x.model.findMixin(id);
    if (!m) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `mixin ${name} depends on unknown mixin ${id}`);
    return m;
  });
  const applies = input.applies.map((id) => {
    const k = x.model.findKind(id);
    if (!k) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `mixin ${name} applies to unknown kind ${id}`);
    return k;
  });
  return new Mixin({
    scheme: input.scheme, term: input.term, title: input.title, location, depends, applies, origin: 'user', owner: x.ctx.owner,
  });
}

/**
 * DELETE on the query interface (HTTP Protocol §3.3): user mixins, all of
 * them checked before any is removed (a refused request changes nothing).
 * Mixins named together may depend on each other; dependants go first.
 */
async function removeMixins(x: Exchange): Promise<Outcome> {
  x.expect('empty');
  const inputs = x.parser().parseCategories(x.parseInput(), x.model);
  if (inputs.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'name the mixin to remove');
  x.checkItems(inputs.length, 'mixins to remove');
  const ids = new Set(inputs.map((i) => i.scheme + i.term));
  const named: Mixin[] = [];
  for (const id of ids) {
    // Through the request's view: another owner's mixin is as absent as a missing one.
    if (!x.model.findCategory(id)) throw new NotFoundError(`no category ${id}`);
    named.push(x.model.checkRemovable(id, (d) => ids.has(d.id)));
  }
  for (const mixin of dependantsFirst(named)) {
    await x.backend.removeMixin(x.ctx, mixin);
    x.model.removeUserMixin(mixin.id);
  }
  return { status: 200, value: { type: 'empty' } };
}

/** Mixins ordered so that each comes before every mixin it depends on. */
function dependantsFirst(mixins: readonly Mixin[]): Mixin[] {
  const set = new Set(mixins);
  // A mixin's closure lists its dependencies before it: reversed, dependants come first.
  const order = new Map<Mixin, number>();
  for (const m of mixins) order.set(m, m.closure.filter((c) => set.has(c)).length);
  return [...mixins].sort((a, b) => order.get(b)! - order.get(a)!);
}
