import {
  AuthenticationError,
  BackendTimeoutError,
  BackendUnavailableError,
  ConflictError,
  ForbiddenUserError,
  InternalError,
  NotFoundError,
  NotImplementedError,
  OcciError,
  RateLimitedError,
  ValidationError,
  toOcciError as wrapUnknown,
} from '../../errors.js';

/** The OpenStack services the clients talk to, named as operators know them. */
export type ServiceName = 'keystone' | 'nova' | 'neutron' | 'cinder' | 'glance';

/**
 * How a call failed: `http` an answer with a 4xx/5xx status, `unreachable`
 * no answer at all (refused, reset, DNS), `timeout` the call's deadline
 * passed, `aborted` the caller's own signal ended it.
 */
export type FailureKind = 'http' | 'unreachable' | 'timeout' | 'aborted';

export interface OpenStackErrorInit {
  readonly service: ServiceName;
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  readonly kind: FailureKind;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** OpenStack's own error name: `itemNotFound`, `NetworkNotFound`, `OverQuota`, `Unauthorized`... */
  readonly type: string;
  /** OpenStack's message, as it wrote it (HTML stripped). */
  readonly reason: string;
  readonly requestId?: string;
  /** Seconds, from Retry-After or a body's `retryAfter`. */
  readonly retryAfter?: number;
  readonly cause?: unknown;
}

/** One failed call to an OpenStack API, whichever service and whatever its error body looked like. */
export class OpenStackError extends Error {
  readonly service: ServiceName;
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  readonly kind: FailureKind;
  readonly status: number;
  readonly type: string;
  readonly reason: string;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(init: OpenStackErrorInit) {
    const what = init.kind === 'http' ? `${init.status} ${init.type}` : init.kind;
    super(`${init.service} ${what}: ${init.reason} (${init.method} ${init.path})`, { cause: init.cause });
    this.name = 'OpenStackError';
    this.service = init.service;
    this.endpoint = init.endpoint;
    this.method = init.method;
    this.path = init.path;
    this.kind = init.kind;
    this.status = init.status;
    this.type = init.type;
    this.reason = init.reason;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
  }
}

export interface ErrorBody {
  readonly type: string;
  readonly reason: string;
  readonly retryAfter?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Glance and webob put HTML into messages (`No image found with ID x<br /><br />`). */
export function cleanReason(s: string): string {
  return s
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000);
}

/**
 * Reads the error body of any of the services. The shapes met on Zed:
 * nova/cinder `{"itemNotFound": {"message", "code"}}` (also badRequest,
 * conflictingRequest, forbidden, overLimit, computeFault...), neutron
 * `{"NeutronError": {"type", "message", "detail"}}`, keystone and the
 * auth middleware `{"error": {"code", "title", "message"}}`, glance (webob)
 * `{"message", "code": "404 Not Found", "title"}`, placement
 * `{"errors": [{"title", "detail"}]}`, and plain text or HTML from proxies.
 */
export function parseErrorBody(status: number, body: string, statusText = ''): ErrorBody {
  const fallbackType = statusText || `HTTP ${status}`;
  let json: unknown;
  try {
    json = body.trim() === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (isObject(json)) {
    const neutron = json.NeutronError;
    if (isObject(neutron)) {
      return { type: text(neutron.type) ?? fallbackType, reason: cleanReason(text(neutron.message) ?? text(neutron.detail) ?? fallbackType) };
    }
    if (typeof neutron === 'string') return { type: fallbackType, reason: cleanReason(neutron) };
    if (Array.isArray(json.errors) && isObject(json.errors[0])) {
      const first = json.errors[0];
      return { type: text(first.title) ?? fallbackType, reason: cleanReason(text(first.detail) ?? text(first.title) ?? fallbackType) };
    }
    if (isObject(json.error)) {
      return { type: text(json.error.title) ?? fallbackType, reason: cleanReason(text(json.error.message) ?? fallbackType) };
    }
    if (text(json.message)) return { type: text(json.title) ?? fallbackType, reason: cleanReason(json.message as string) };
    const keys = Object.keys(json);
    if (keys.length === 1 && isObject(json[keys[0]])) {
      const inner = json[keys[0]] as Json;
      const retry = Number(inner.retryAfter);
      return {
        type: keys[0],
        reason: cleanReason(text(inner.message) ?? text(inner.explanation) ?? keys[0]),
        ...(Number.isFinite(retry) && inner.retryAfter !== undefined ? { retryAfter: retry } : {}),
      };
    }
  }
  const plain = cleanReason(body);
  return { type: fallbackType, reason: plain === '' ? fallbackType : plain };
}

/** Quotas: nova answers 403 (overLimit 413 on old clouds), cinder overLimit 413, neutron 409 OverQuota. */
export function isQuotaError(err: OpenStackError): boolean {
  return err.status === 413 || err.type === 'overLimit' || err.type === 'OverQuota' || (err.status === 403 && /quota/i.test(err.reason));
}

/**
 * Maps a failed OpenStack call into the one error hierarchy, keeping
 * OpenStack's message as the reason and the OpenStackError as `cause`.
 * Anything that is not an OpenStackError is wrapped as the project does
 * (an OcciError passes through, the rest becomes an InternalError).
 *
 * @example
 *   try { await nova.getServer(id); } catch (err) { throw toOcciError(err); } // 404 -> NotFoundError
 */
export function toOcciError(err: unknown): OcciError {
  if (err instanceof OcciError || !(err instanceof OpenStackError)) return wrapUnknown(err);
  const cause = { cause: err };
  const where = `${err.service} at ${err.endpoint}`;
  switch (err.kind) {
    case 'timeout':
      return new BackendTimeoutError(`${where} did not answer in time: ${err.reason}`, cause);
    case 'aborted':
      return new BackendTimeoutError(`${where}: the call was abandoned: ${err.reason}`, cause);
    case 'unreachable':
      return new BackendUnavailableError(`${where} unavailable: ${err.reason}`, cause);
    case 'http':
      break;
  }
  if (isQuotaError(err)) return new ForbiddenUserError(err.reason, cause);
  switch (err.status) {
    case 400:
      return new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', err.reason, cause);
    case 401:
      return new AuthenticationError(err.reason, [], cause);
    case 403:
      return new ForbiddenUserError(err.reason, cause);
    case 404:
      return new NotFoundError(err.reason, cause);
    case 409:
      return new ConflictError('OCCI_ERR_CONFLICT_STATE', err.reason, cause);
    case 429:
      return new RateLimitedError(err.reason, err.retryAfter ?? 1);
    case 501:
      return new NotImplementedError(`${err.service} cannot do this: ${err.reason}`, undefined, cause);
  }
  if (err.status >= 500) return new BackendUnavailableError(`${where} unavailable: ${err.status} ${err.reason}`, cause);
  // Any other 4xx (405, 406 for an unsupported microversion, 415...) means this client asked wrongly.
  return new InternalError(`${err.service} answered ${err.status} ${err.type} to ${err.method} ${err.path}: ${err.reason}`, cause);
}
