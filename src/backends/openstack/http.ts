import { OpenStackError, parseErrorBody, type FailureKind, type ServiceName } from './errors.js';

export type { ServiceName } from './errors.js';

/** What every client method accepts last: the caller's signal and this call's deadline. */
export interface CallOptions {
  /** The caller's own signal (e.g. the OCCI request's); its abort ends the call. */
  readonly signal?: AbortSignal;
  /** This call's deadline in milliseconds, instead of the client's. */
  readonly timeoutMs?: number;
  /** This call's microversion (`2.91`), instead of the client's. */
  readonly microversion?: string;
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;
/** Query parameters; an array is sent as the parameter repeated (`device_id=a&device_id=b`). */
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestSpec extends CallOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path below the endpoint, e.g. `/servers/detail`. */
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Reply<T> {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON, or undefined for an empty answer (202/204). */
  readonly body: T;
}

/**
 * Counts upstream calls (every attempt, failed ones too) and their time, for
 * tests and the bench: "upstream calls per OCCI request" is `calls` read
 * before and after.
 */
export class UpstreamCounter {
  calls = 0;
  ms = 0;
  readonly byService: Record<ServiceName, number> = { keystone: 0, nova: 0, neutron: 0, cinder: 0, glance: 0 };

  record(service: ServiceName, ms: number): void {
    this.calls += 1;
    this.ms += ms;
    this.byService[service] += 1;
  }

  reset(): void {
    this.calls = 0;
    this.ms = 0;
    for (const k of Object.keys(this.byService) as ServiceName[]) this.byService[k] = 0;
  }
}

/** The name a service's microversion header carries (`OpenStack-API-Version: compute 2.79`). */
const MICROVERSION_SERVICE: Partial<Record<ServiceName, string>> = { nova: 'compute', cinder: 'volume' };

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ServiceHttpOptions {
  readonly service: ServiceName;
  /** The endpoint from the catalog, e.g. `http://127.0.0.1:8774/v2.1`. */
  readonly endpoint: string;
  /** Sent as X-Auth-Token; absent for Keystone's password authentication. */
  readonly token?: string;
  /** Default microversion for nova and cinder, e.g. `2.79`. */
  readonly microversion?: string;
  /** Default per-call deadline; 30 s unless given. */
  readonly timeoutMs?: number;
  readonly counter?: UpstreamCounter;
}

/**
 * The one request helper of the OpenStack clients: JSON in and out, the
 * token, the microversion, a deadline per call, counting, and every failure
 * turned into an OpenStackError. Connections are reused by Node's global
 * fetch agent (keep-alive by default); uwsgi-hosted services such as
 * Keystone answer `Connection: close` and cannot be reused.
 *
 * @example
 *   const http = new ServiceHttp({ service: 'nova', endpoint, token, microversion: '2.79' });
 *   const { body } = await http.request<{ server: Server }>({ path: `/servers/${id}`, timeoutMs: 5000 });
 */
export class ServiceHttp {
  readonly service: ServiceName;
  readonly endpoint: string;
  readonly microversion: string | undefined;
  readonly timeoutMs: number;
  readonly counter: UpstreamCounter | undefined;
  readonly #token: string | undefined;

  constructor(options: ServiceHttpOptions) {
    this.service = options.service;
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.#token = options.token;
    this.microversion = options.microversion;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.counter = options.counter;
  }

  /** The same service and settings with another token (one client set per user). */
  withToken(token: string): ServiceHttp {
    return new ServiceHttp({ ...this.#options(), token });
  }

  async request<T = unknown>(spec: RequestSpec): Promise<Reply<T>> {
    const method = spec.method ?? 'GET';
    const url = this.endpoint + spec.path + queryString(spec.query);
    const headers: Record<string, string> = { Accept: 'application/json', ...spec.headers };
    if (this.#token !== undefined) headers['X-Auth-Token'] = this.#token;
    const version = spec.microversion ?? this.microversion;
    const header = MICROVERSION_SERVICE[this.service];
    if (version !== undefined && header !== undefined) headers['OpenStack-API-Version'] = `${header} ${version}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers['Content-Type'] = 'application/json';
    }
    const deadline = AbortSignal.timeout(spec.timeoutMs ?? this.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline;
    const fail = (kind: FailureKind, status: number, type: string, reason: string, extra: { requestId?: string; retryAfter?: number } = {}, cause?: unknown) =>
      new OpenStackError({ service: this.service, endpoint: this.endpoint, method, path: spec.path, kind, status, type, reason, ...extra, cause });
    const started = performance.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body: payload, signal });
      text = await res.text();
    } catch (err) {
      if (deadline.aborted) throw fail('timeout', 0, 'timeout', `no answer within ${spec.timeoutMs ?? this.timeoutMs} ms`, {}, err);
      if (spec.signal?.aborted) {
        const reason: unknown = spec.signal.reason;
        const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
        throw fail(timedOut ? 'timeout' : 'aborted', 0, timedOut ? 'timeout' : 'aborted', timedOut ? "the caller's deadline passed" : 'the caller aborted', {}, err);
      }
      throw fail('unreachable', 0, 'unreachable', networkReason(err), {}, err);
    } finally {
      this.counter?.record(this.service, performance.now() - started);
    }
    if (!res.ok) {
      const parsed = parseErrorBody(res.status, text, res.statusText);
      const requestId = res.headers.get('x-openstack-request-id') ?? res.headers.get('x-compute-request-id') ?? undefined;
      const retryHeader = Number(res.headers.get('retry-after') ?? Number.NaN);
      const retryAfter = parsed.retryAfter ?? (Number.isFinite(retryHeader) ? retryHeader : undefined);
      throw fail('http', res.status, parsed.type, parsed.reason, { requestId, retryAfter });
    }
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw fail('http', res.status, 'badResponse', `not JSON: ${text.slice(0, 200)}`, {}, err);
      }
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }

  /** `request` when only the body matters. */
  async json<T = unknown>(spec: RequestSpec): Promise<T> {
    return (await this.request<T>(spec)).body;
  }

  #options(): ServiceHttpOptions {
    return { service: this.service, endpoint: this.endpoint, token: this.#token, microversion: this.microversion, timeoutMs: this.timeoutMs, counter: this.counter };
  }
}

export function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** fetch() says "fetch failed"; the useful part (ECONNREFUSED 127.0.0.1:8774) is in its cause. */
function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}

/** One page of a listing. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `marker` for the next page; undefined on the last one. */
  readonly nextMarker: string | undefined;
}

/** Takes `marker` out of a `next` link (nova `servers_links`, glance `next`, neutron `*_links`). */
export function markerOf(href: string | undefined): string | undefined {
  if (href === undefined) return undefined;
  return new URL(href, 'http://x').searchParams.get('marker') ?? undefined;
}
