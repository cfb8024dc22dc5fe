/**
 * The one error hierarchy. Model, renderings and backends throw these and
 * know nothing of HTTP; `src/http/error-status.ts` alone maps a `code` to a
 * status. Every code is listed, with its status and meaning, in docs/errors.md
 * (a test keeps the two in step).
 */

export const ERROR_CODES = [
  // request parsing (400)
  'OCCI_ERR_PARSE_SYNTAX',
  'OCCI_ERR_PARSE_BODY_TOO_LARGE',
  'OCCI_ERR_PARSE_MEDIA_TYPE',
  // validation against the model (400)
  'OCCI_ERR_VALIDATION_CATEGORY',
  'OCCI_ERR_VALIDATION_KIND',
  'OCCI_ERR_VALIDATION_ATTRIBUTE',
  'OCCI_ERR_VALIDATION_REQUIRED',
  'OCCI_ERR_VALIDATION_ACTION',
  'OCCI_ERR_VALIDATION_LINK',
  'OCCI_ERR_VALIDATION_QUERY',
  'OCCI_ERR_VALIDATION_LOCATION',
  // forbidden by the spec (403)
  'OCCI_ERR_FORBIDDEN_IMMUTABLE',
  'OCCI_ERR_FORBIDDEN_MIXIN_APPLIES',
  'OCCI_ERR_FORBIDDEN_PROVIDER_CATEGORY',
  // a per-user quota reached (403)
  'OCCI_ERR_FORBIDDEN_QUOTA',
  // authentication (401) and users refused (403)
  'OCCI_ERR_AUTH_REQUIRED',
  'OCCI_ERR_FORBIDDEN_USER',
  // lookups (404)
  'OCCI_ERR_NOT_FOUND',
  // method (405)
  'OCCI_ERR_METHOD_NOT_ALLOWED',
  // negotiation
  'OCCI_ERR_RENDER_NOT_ACCEPTABLE',
  'OCCI_ERR_RENDER_URI_LIST',
  // conflicts (409)
  'OCCI_ERR_CONFLICT_STATE',
  'OCCI_ERR_CONFLICT_CATEGORY',
  'OCCI_ERR_CONFLICT_LOCATION',
  'OCCI_ERR_CONFLICT_OWNERS',
  // preconditions (412)
  'OCCI_ERR_PRECONDITION_FAILED',
  // sizes (413)
  'OCCI_ERR_TOO_LARGE_PAGE',
  'OCCI_ERR_TOO_LARGE_ITEMS',
  // content type (415)
  'OCCI_ERR_UNSUPPORTED_MEDIA_TYPE',
  // not implemented (501)
  'OCCI_ERR_NOT_IMPLEMENTED',
  'OCCI_ERR_VERSION',
  // backend (503, 504)
  'OCCI_ERR_BACKEND_UNAVAILABLE',
  'OCCI_ERR_BACKEND_TIMEOUT',
  // too many requests (429)
  'OCCI_ERR_RATE_LIMITED',
  // our own bug (500)
  'OCCI_ERR_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class OcciError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The request body (or header rendering) could not be read. */
export class ParsingError extends OcciError {
  constructor(message: string, code: ErrorCode = 'OCCI_ERR_PARSE_SYNTAX', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The request parsed but breaks a rule of the model (unknown category, bad value, ...). */
export class ValidationError extends OcciError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The spec forbids what the client asked (change an immutable attribute, delete a provider mixin). */
export class ForbiddenError extends OcciError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * No credentials, or credentials that do not prove who the client is.
 * `challenges` are what each enabled scheme asks for (HTTP: WWW-Authenticate).
 */
export class AuthenticationError extends OcciError {
  readonly challenges: readonly string[];
  /** False when the request carried no credentials at all (not a failed attempt: nothing to count against the address). */
  readonly presented: boolean;
  constructor(message: string, challenges: readonly string[] = [], options?: { cause?: unknown; presented?: boolean }) {
    super('OCCI_ERR_AUTH_REQUIRED', message, options);
    this.challenges = challenges;
    this.presented = options?.presented ?? true;
  }
}

/** The client is authenticated but not allowed to use this service (VO denied, certificate refused). */
export class ForbiddenUserError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_FORBIDDEN_USER', message, options);
  }
}

/** Too many requests from one user or address; `retryAfter` is in seconds. */
export class RateLimitedError extends OcciError {
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number) {
    super('OCCI_ERR_RATE_LIMITED', message);
    this.retryAfter = retryAfter;
  }
}

export class NotFoundError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_NOT_FOUND', message, options);
  }
}

export class MethodNotAllowedError extends OcciError {
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[]) {
    super('OCCI_ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`);
    this.allow = allow;
  }
}

/** A request we cannot render for (nothing acceptable, uri-list for a non-listing). */
export class RenderingError extends OcciError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class ConflictError extends OcciError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** RFC 9110 §13: an If-Match / If-None-Match precondition does not hold for the entity's current version. */
export class PreconditionFailedError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_PRECONDITION_FAILED', message, options);
  }
}

/** A page (`OCCI_ERR_TOO_LARGE_PAGE`) or a request (`OCCI_ERR_TOO_LARGE_ITEMS`: more items than --max-items-per-request) too large to serve. */
export class TooLargeError extends OcciError {
  constructor(message: string, code: 'OCCI_ERR_TOO_LARGE_PAGE' | 'OCCI_ERR_TOO_LARGE_ITEMS' = 'OCCI_ERR_TOO_LARGE_PAGE', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A per-user quota (entities, user mixins, links of a resource) would be exceeded; the message names the limit. */
export class QuotaError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_FORBIDDEN_QUOTA', message, options);
  }
}

export class UnsupportedMediaTypeError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_UNSUPPORTED_MEDIA_TYPE', message, options);
  }
}

export class NotImplementedError extends OcciError {
  constructor(message: string, code: ErrorCode = 'OCCI_ERR_NOT_IMPLEMENTED', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** HTTP Protocol §12: the client announced a higher OCCI version than ours. */
export class VersionError extends OcciError {
  constructor(message: string) {
    super('OCCI_ERR_VERSION', message);
  }
}

/** The backend (a remote cloud, the database) cannot serve now; retry later. */
export class BackendUnavailableError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_BACKEND_UNAVAILABLE', message, options);
  }
}

export class BackendTimeoutError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_BACKEND_TIMEOUT', message, options);
  }
}

/** Our own bug: an invariant broke. Never thrown for anything a client sent. */
export class InternalError extends OcciError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OCCI_ERR_INTERNAL', message, options);
  }
}

/** Wraps anything thrown into an OcciError, keeping the original as `cause`. */
export function toOcciError(err: unknown): OcciError {
  if (err instanceof OcciError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`internal error: ${message}`, { cause: err });
}
