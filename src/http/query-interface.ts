import { NotFoundError, NotImplementedError, ValidationError } from '../errors.js';
import { Mixin, type Category, type CategoryInput, type Model } from '../model/index.js';
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

let discovery: { model: Model; key: string; categories: readonly Category[] } | undefined;

/**
 * Every category, as one frozen list per model version (and owner's view):
 * renderings keep their bytes for a frozen list, so an unchanged model is
 * rendered once, not on every GET.
 */
function allCategories(model: Model): readonly Category[] {
  const key = model.renderKey;
  if (discovery?.model !== model || discovery.key !== key) {
    discovery = { model, key, categories: Object.freeze(model.categories()) };
  }
  return discovery.categories;
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
  const mixins = inputs.map((i) => userMixin(x, i));
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

async function removeMixins(x: Exchange): Promise<Outcome> {
  x.expect('empty');
  const inputs = x.parser().parseCategories(x.parseInput(), x.model);
  if (inputs.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'name the mixin to remove');
  for (const input of inputs) {
    const id = input.scheme + input.term;
    const c = x.model.findCategory(id);
    if (!c) throw new NotFoundError(`no category ${id}`);
    // The model refuses provider categories (403) before the backend is touched.
    if (c.class !== 'mixin' || (c as Mixin).origin !== 'user') x.model.removeUserMixin(id);
    await x.backend.removeMixin(x.ctx, c as Mixin);
    x.model.removeUserMixin(id);
  }
  return { status: 200, value: { type: 'empty' } };
}
