import { ValidationError } from '../errors.js';
import type { FilterInput } from '../model/index.js';
import { parseHeaderFilter } from '../rendering/index.js';
import type { Exchange } from './app.js';

/**
 * The filter of a GET (HTTP Protocol §9): `Category` and `X-OCCI-Attribute`
 * request headers whatever the Content-Type, plus a text/plain body if a
 * client sends one. Unknown categories are a 400: an empty answer would hide
 * the client's typo.
 */
export function readFilter(x: Exchange): FilterInput {
  const filter = parseHeaderFilter(x.req.headers, x.model);
  if (x.req.body.trim() !== '' && x.req.headers['content-type'] !== undefined) {
    const fromBody = x.parser().parseFilter(x.parseInput(), x.model);
    filter.categories.push(...fromBody.categories);
    Object.assign(filter.attributes, fromBody.attributes);
  }
  for (const id of filter.categories) {
    if (!x.model.findCategory(id)) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `unknown category ${id} in filter`);
  }
  return { categories: [...new Set(filter.categories)], attributes: filter.attributes };
}
