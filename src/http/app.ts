import { ANONYMOUS, type Backend, type RequestContext } from '../backends/index.js';
import {
  AuthenticationError, MethodNotAllowedError, NotFoundError, OcciError, RateLimitedError, TooLargeError, UnsupportedMediaTypeError, ValidationError, VersionError, toOcciError,
} from '../errors.js';
import type { Model, Resolve } from '../model/index.js';
import {
  DEFAULT_RENDERING, HEADER_RENDERING, MEDIA_TYPES, essence, findParser, findRendering, negotiate,
  type Negotiated, type ParseInput, type Parser, type Renderable,
} from '../rendering/index.js';
import { handleCollection } from './collections.js';
import { handleEntity } from './entities.js';
import { forwardedOrigin } from './forwarded.js';
import { errorStatus } from './error-status.js';
import type { OcciRequest, OcciResponse } from './exchange.js';
import { handleQueryInterface } from './query-interface.js';
import { ALLOWED, route, type Route } from './routes.js';
import { baseUrlFor, checkPath, makeResolver } from './urls.js';

export const VERSION = '0.1.0';
/** Milliseconds of handling after which a request yields to the event loop once before rendering. */
const YIELD_AFTER_MS = 1;
export const SERVER_HEADER = `occi-server/${VERSION} OCCI/1.2 OCCI/1.1`;
const ACCEPT_HEADER = MEDIA_TYPES.join(', ');

export interface AppOptions {
  readonly model: Model;
  readonly backend: Backend;
  /** Absolute URL clients reach us at (no trailing slash); otherwise built from Host. */
  readonly publicUrl?: string;
  /** Host used when a request has no usable Host header. */
  readonly defaultHost: string;
  /** Largest `number` a page may have (larger is 413). */
  readonly maxPageSize: number;
  /**
   * Most items one request may carry or touch: entities created with their
   * inline links, locations listed or collection members changed, mixins
   * defined or removed (413 OCCI_ERR_TOO_LARGE_ITEMS beyond). Unlimited when unset.
   */
  readonly maxItemsPerRequest?: number;
  /** Most user mixins one owner may define (403 OCCI_ERR_FORBIDDEN_QUOTA beyond). Unlimited when unset. */
  readonly maxUserMixins?: number;
  /**
   * Who a request comes from (src/auth); without it every request is
   * ANONYMOUS. Throws AuthenticationError (401), ForbiddenUserError (403) or
   * RateLimitedError (429).
   */
  readonly authenticate?: (req: OcciRequest) => Promise<RequestContext>;
  /**
   * Peers whose `Forwarded` / `X-Forwarded-Proto` / `X-Forwarded-Host` shape
   * the URLs we render (--trust-proxy with --trusted-proxies); nobody when unset.
   */
  readonly isTrustedProxy?: (address: string | undefined) => boolean;
  /** Milliseconds a request may spend in the backend (its `ctx.deadline`); none when unset. */
  readonly backendTimeout?: number;
  /** Called with the cause of every 500 (the body never shows it). */
  readonly onInternalError?: (err: unknown) => void;
}

/** What a handler returns: the status, the value to render, extra headers. */
export interface Outcome {
  readonly status: number;
  readonly value: Renderable;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/**
 * One request in flight, as handlers see it. `expect()` negotiates the
 * response rendering up front, so a request that cannot be answered in an
 * acceptable format is refused before it changes anything.
 */
export class Exchange {
  readonly req: OcciRequest;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly baseUrl: string;
  #resolve: Resolve | undefined;
  readonly ctx: RequestContext;
  readonly app: AppOptions;
  /**
   * The model as this request's owner sees it: public categories and the
   * owner's own user mixins and saved templates (per-owner name spaces). An
   * administrator's too: their discovery is the public categories and their own.
   */
  readonly model: Model;
  #negotiated: Negotiated | undefined;

  constructor(app: AppOptions, req: OcciRequest, path: string, query: URLSearchParams, ctx: RequestContext) {
    this.app = app;
    this.req = req;
    this.path = path;
    this.query = query;
    this.ctx = ctx;
    this.model = app.model.visibleTo(ctx.owner);
    const origin = app.isTrustedProxy?.(req.remoteAddress) ? forwardedOrigin(req.headers) : {};
    this.baseUrl = baseUrlFor(app.publicUrl, origin.host ?? req.headers.host, app.defaultHost, origin.proto ?? (req.secure ? 'https' : 'http'));
  }

  /** Maps a URI the client sent to a path of ours (built on first use: most requests never need it). */
  get resolve(): Resolve {
    this.#resolve ??= makeResolver(this.baseUrl);
    return this.#resolve;
  }
  get backend(): Backend {
    return this.app.backend;
  }

  /** Negotiates the response rendering for a value of this type (406/400 before any work is done). */
  expect(type: Renderable['type']): Negotiated {
    this.#negotiated ??= negotiate(this.req.headers.accept, type);
    return this.#negotiated;
  }

  get negotiated(): Negotiated | undefined {
    return this.#negotiated;
  }

  /** The parser for the request content (HTTP Protocol §13: parsed by its Content-Type, or the first readable type of a list). */
  parser(): Parser {
    const ct = this.req.headers['content-type'];
    if (ct === undefined || ct.trim() === '') {
      // text/occi carries its content in headers, often with an empty body and no type.
      return this.req.body.trim() === '' ? HEADER_RENDERING.parser! : DEFAULT_RENDERING.parser!;
    }
    const rendering = findParser(ct);
    if (!rendering?.parser) {
      const sent = ct.split(',').map(essence).join(', ');
      throw new UnsupportedMediaTypeError(`cannot read a request body of type ${sent}; send one of ${MEDIA_TYPES.filter((t) => findRendering(t)?.parser).join(', ')}`);
    }
    return rendering.parser;
  }

  parseInput(): ParseInput {
    return { body: this.req.body, headers: this.req.headers, maxItems: this.app.maxItemsPerRequest };
  }

  /** Absolute URL of a location path (external URIs unchanged). */
  url(location: string): string {
    return location.startsWith('/') ? this.baseUrl + location : location;
  }

  /** The `action` query parameter, if any. */
  get action(): string | undefined {
    return this.query.get('action') ?? undefined;
  }

  /** 413 when a request carries or touches more items than --max-items-per-request, naming the limit. */
  checkItems(count: number, what: string): void {
    const max = this.app.maxItemsPerRequest;
    if (max !== undefined && count > max) {
      throw new TooLargeError(`${count} ${what} in one request; at most ${max} (--max-items-per-request)`, 'OCCI_ERR_TOO_LARGE_ITEMS');
    }
  }
}

/** The OCCI application: a function from request to response. */
export function createApp(options: AppOptions): { handle(req: OcciRequest): Promise<OcciResponse> } {
  return {
    handle: async (req) => {
      const began = performance.now();
      let x: Exchange | undefined;
      let label: string | undefined;
      const withMeta = (res: OcciResponse): OcciResponse => {
        res.meta = { user: x?.ctx.user, route: label };
        return res;
      };
      try {
        checkVersion(req.headers['user-agent']);
        const { path, query } = splitUrl(req.url);
        // Authentication before routing: an unauthenticated client learns nothing of what exists.
        const who = options.authenticate ? await options.authenticate(req) : ANONYMOUS;
        const ctx = options.backendTimeout === undefined ? who : { ...who, deadline: Date.now() + options.backendTimeout };
        // The model as the backend offers it to this user now (their cloud's images and flavours; other workers' tags).
        await options.backend.refresh?.(options.model, ctx);
        x = new Exchange(options, req, path, query, ctx);
        const r = route(x.model, path);
        if (!r && req.method === 'PUT' && !path.endsWith('/')) {
          // HTTP Protocol §5.2: a PUT creates at a path the server could give the entity, nowhere else (one ending in / names a collection).
          throw new ValidationError('OCCI_ERR_VALIDATION_LOCATION', `PUT creates an entity only at <kind location><id>, e.g. /compute/my-vm; ${path} is not such a location`);
        }
        if (!r) throw new NotFoundError(`nothing at ${path}`);
        label = r.type === 'kind' || r.type === 'entity' ? `${r.type}:${r.kind.term}` : r.type;
        const method = req.method === 'HEAD' ? 'GET' : req.method;
        if (!ALLOWED[r.type].includes(req.method)) throw new MethodNotAllowedError(req.method, path, ALLOWED[r.type]);
        if (method === 'OPTIONS') return withMeta(respond(200, [['Allow', ALLOWED[r.type].join(', ')]], ''));
        const outcome = await dispatch(x, r, method);
        // A request that has worked a while (a large write or listing) lets the requests waiting meanwhile in before it renders.
        if (performance.now() - began > YIELD_AFTER_MS) await new Promise((resolve) => setImmediate(resolve));
        return withMeta(renderOutcome(x, outcome, req.method === 'HEAD'));
      } catch (err) {
        const e = toOcciError(err);
        if (e.code === 'OCCI_ERR_INTERNAL') options.onInternalError?.(e.cause ?? e);
        return withMeta(renderError(x, req, e));
      }
    },
  };
}

function dispatch(x: Exchange, r: Route, method: string): Promise<Outcome> {
  switch (r.type) {
    case 'query':
      return handleQueryInterface(x, method);
    case 'kind':
    case 'mixin':
    case 'unbound':
      return handleCollection(x, r, method);
    case 'entity':
      return handleEntity(x, r.kind, method);
  }
}

/** HTTP Protocol §12: a client announcing a higher OCCI version than 1.2 gets 501. */
function checkVersion(userAgent: string | undefined): void {
  // Most agents name no OCCI version: no regular expression for them.
  if (!userAgent?.includes('OCCI/')) return;
  for (const m of userAgent.matchAll(/\bOCCI\/(\d+)\.(\d+)\b/g)) {
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major > 1 || (major === 1 && minor > 2)) {
      throw new VersionError(`this server speaks OCCI/1.2 (and 1.1); the client asked for OCCI/${m[1]}.${m[2]}`);
    }
  }
}

function splitUrl(target: string): { path: string; query: URLSearchParams } {
  // RFC 9112 §3.2.2: a server must accept the absolute form of the request target.
  let url = target;
  if (/^https?:\/\//i.test(url)) {
    const hostEnd = url.indexOf('/', url.indexOf('//') + 2);
    url = hostEnd < 0 ? '/' : url.slice(hostEnd);
  }
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  try {
    // Most paths have nothing to decode.
    if (path.includes('%')) path = decodeURIComponent(path);
  } catch {
    throw new NotFoundError('the path is not valid percent-encoding');
  }
  if (!path.startsWith('/')) throw new NotFoundError('the path must be absolute');
  checkPath(path);
  return { path, query: q < 0 || q === url.length - 1 ? NO_QUERY : new URLSearchParams(url.slice(q + 1)) };
}

/** The query of every request without one (most of them): shared, so nobody changes it (copy it first). */
const NO_QUERY = new URLSearchParams();

/**
 * Most bytes of OCCI lines a response may carry in its headers (text/occi):
 * what Node's HTTP client accepts in a response head by default (16 KiB;
 * proxies often allow less). A rendering larger than this (an entity with
 * dozens of links, a long listing) goes in the body as text/plain instead of
 * headers that clients and proxies refuse.
 */
const MAX_RENDERED_HEADER_BYTES = 16 * 1024;

function renderOutcome(x: Exchange, outcome: Outcome, head: boolean): OcciResponse {
  let negotiated = x.expect(outcome.value.type);
  let rendered = negotiated.rendering.render(outcome.value, { model: x.model, baseUrl: x.baseUrl });
  if (negotiated.rendering === HEADER_RENDERING && rendered.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) > MAX_RENDERED_HEADER_BYTES) {
    negotiated = { rendering: DEFAULT_RENDERING, mediaType: DEFAULT_RENDERING.mediaType };
    rendered = DEFAULT_RENDERING.render(outcome.value, { model: x.model, baseUrl: x.baseUrl });
  }
  const headers: Array<readonly [string, string]> = [['Content-Type', negotiated.mediaType + negotiated.rendering.contentTypeParameters]];
  if (outcome.headers) for (const h of outcome.headers) headers.push(h);
  for (const h of rendered.headers) headers.push(h);
  // HEAD answers what GET would, without the body (RFC 9110 §9.3.2).
  if (head) headers.push(['Content-Length', String(Buffer.byteLength(rendered.body))]);
  return respond(outcome.status, headers, head ? '' : rendered.body);
}

/** Errors go out in the negotiated rendering when there is one, else text/plain (uri-list cannot carry them). */
function renderError(x: Exchange | undefined, req: OcciRequest, err: OcciError): OcciResponse {
  const status = errorStatus(err.code);
  let negotiated = x?.negotiated;
  if (!negotiated || !negotiated.rendering.canRender('error')) {
    try {
      negotiated = negotiate(req.headers.accept, 'error');
    } catch {
      negotiated = { rendering: DEFAULT_RENDERING, mediaType: DEFAULT_RENDERING.mediaType };
    }
  }
  const message = status === 500 ? 'internal server error' : err.message;
  const rendered = negotiated.rendering.render(
    { type: 'error', status, code: err.code, message },
    { model: x?.model ?? ({} as Model), baseUrl: x?.baseUrl ?? '' },
  );
  const headers: Array<[string, string]> = [
    ['Content-Type', negotiated.mediaType + negotiated.rendering.contentTypeParameters],
    ...rendered.headers.map(([k, v]) => [k, v] as [string, string]),
  ];
  if (err instanceof MethodNotAllowedError) headers.push(['Allow', err.allow.join(', ')]);
  // RFC 9110 §11.6.1: one challenge per enabled scheme.
  if (err instanceof AuthenticationError) for (const c of err.challenges) headers.push(['WWW-Authenticate', c]);
  if (err instanceof RateLimitedError) headers.push(['Retry-After', String(err.retryAfter)]);
  return respond(status, headers, req.method === 'HEAD' ? '' : rendered.body);
}

function respond(status: number, headers: Array<readonly [string, string]>, body: string): OcciResponse {
  return { status, headers: [SERVER_PAIR, ACCEPT_PAIR, ...headers], body };
}

const SERVER_PAIR = ['Server', SERVER_HEADER] as const;
const ACCEPT_PAIR = ['Accept', ACCEPT_HEADER] as const;
