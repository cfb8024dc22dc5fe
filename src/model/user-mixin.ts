import { ValidationError } from '../errors.js';
import type { Mixin } from './mixin.js';

/**
 * What a client may define as a mixin (HTTP Protocol §3.2), checked before
 * the model takes it: a title and scheme that travel safely in headers and
 * lines, a scheme outside the OCCI documents', a plain collection location,
 * and dependencies few and shallow enough that every walk over them stays short.
 */

const RESERVED_SCHEME = 'http://schemas.ogf.org/occi/';
export const MAX_USER_DEPENDS = 16;
export const MAX_USER_DEPTH = 16;
export const MAX_USER_LOCATION = 256;

export function checkUserMixin(mixin: Mixin): void {
  if (mixin.title !== undefined && (mixin.title.length > 256 || /[\u0000-\u001f\u007f]/.test(mixin.title))) {
    throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'a mixin title is at most 256 characters, without control characters');
  }
  // No white space, quote or control character (C0, DEL, C1): a scheme travels in headers and lines.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s"\u0000-\u001f\u007f-\u009f]*#$/.test(mixin.scheme) || mixin.scheme.length > 512) {
    throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `scheme "${mixin.scheme}" must be an absolute URI ending in "#"`);
  }
  if (mixin.scheme.startsWith(RESERVED_SCHEME)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `scheme ${mixin.scheme} is reserved for the OCCI documents`);
  }
  checkLocation(mixin.location);
  if (mixin.location.length > MAX_USER_LOCATION) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', `a user mixin location is at most ${MAX_USER_LOCATION} characters`);
  }
  if (mixin.depends.length > MAX_USER_DEPENDS || depth(mixin) > MAX_USER_DEPTH) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_CATEGORY',
      `a user mixin depends on at most ${MAX_USER_DEPENDS} mixins, in chains at most ${MAX_USER_DEPTH} deep`,
    );
  }
}

/** 1 for a mixin without dependencies, else 1 + its deepest dependency's depth (remembered: a mixin's dependencies never change). */
function depth(mixin: Mixin): number {
  let n = DEPTHS.get(mixin);
  if (n === undefined) {
    n = 1;
    for (const d of mixin.depends) n = Math.max(n, 1 + depth(d));
    DEPTHS.set(mixin, n);
  }
  return n;
}

const DEPTHS = new WeakMap<Mixin, number>();

/** A collection location: an absolute path ending in `/`, made of safe segments. */
export function checkLocation(location: string): void {
  if (!/^\/([A-Za-z0-9._~-]+\/)+$/.test(location) || location.split('/').some((s) => s === '.' || s === '..' || s === '-')) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_LOCATION',
      `location "${location}" must be an absolute path of plain segments ending in "/", e.g. /tags/prod/`,
    );
  }
}
