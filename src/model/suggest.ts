import { ValidationError, type ErrorCode } from '../errors.js';
import type { CategoryClass } from './category.js';
import type { EntityInput } from './input.js';
import type { Kind } from './kind.js';
import type { Model } from './model.js';

/**
 * Errors for category identifiers a client got wrong, saying what was
 * expected and suggesting the full type id (`scheme + term`, Core §3) that
 * the client seems to have meant.
 */

/**
 * Type ids of the visible categories a mistyped identifier probably means:
 * its term alone (`compute`, as a JSON `"kind"`), scheme and term without the
 * `#` between them (`…/infrastructurecompute`), or its term in another scheme.
 */
export function suggestTypeIds(model: Model, id: string, expected?: CategoryClass): string[] {
  const hash = id.lastIndexOf('#');
  const term = (hash < 0 ? id : id.slice(hash + 1)).toLowerCase();
  const glued = id.toLowerCase();
  const out: string[] = [];
  // Through the request's view: another owner's mixins are never suggested.
  for (const c of [...model.kinds, ...model.actions, ...model.mixins]) {
    if (c.id === id || (expected !== undefined && c.class !== expected)) continue;
    const t = c.term.toLowerCase();
    if (t === term || c.scheme.replace(/#$/, '').toLowerCase() + t === glued) out.push(c.id);
  }
  return out.slice(0, 5);
}

/** `unknown kind compute; a kind is named by its full type id, scheme + term: did you mean …#compute?` */
export function unknownCategory(model: Model, id: string, expected: CategoryClass, code: ErrorCode = 'OCCI_ERR_VALIDATION_CATEGORY'): ValidationError {
  return new ValidationError(code, `unknown ${expected} ${id}${hint(model, id, expected)}`);
}

function hint(model: Model, id: string, expected: CategoryClass): string {
  const other = model.findCategory(id);
  if (other) return `; ${id} is a ${other.class}: name it with class="${other.class}" in text, as ${jsonMember(other.class)} in JSON`;
  const guesses = suggestTypeIds(model, id, expected);
  if (guesses.length === 0) return `; a ${expected} is named by its full type id, scheme + term (e.g. scheme="http://schemas.ogf.org/occi/infrastructure#" and term "compute")`;
  return `; a ${expected} is named by its full type id, scheme + term (the scheme ends in "#"): did you mean ${guesses.join(' or ')}?`;
}

function jsonMember(c: CategoryClass): string {
  return c === 'kind' ? '"kind"' : c === 'mixin' ? 'an item of "mixins"' : '"action"';
}

/**
 * A creation that names no kind (HTTP Protocol §6.2): says which kind belongs
 * at this location, and spots the kind sent with the wrong class (`class="mixin"`).
 */
export function missingKind(model: Model, kind: Kind, input: EntityInput): ValidationError {
  const misclassed = input.mixins.find((id) => model.findKind(id) !== undefined);
  const how = `Category: ${kind.term}; scheme="${kind.scheme}"; class="kind" in text, "kind": "${kind.id}" in JSON`;
  if (misclassed !== undefined) {
    return new ValidationError('OCCI_ERR_VALIDATION_KIND', `${misclassed} is a kind, sent as a mixin; a creation names its kind with class="kind" (${how})`);
  }
  return new ValidationError('OCCI_ERR_VALIDATION_KIND', `a creation must name exactly one kind, ${kind.id} here (${how})`);
}
