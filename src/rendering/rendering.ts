import type { ErrorCode } from '../errors.js';
import type { ActionInput, Category, CategoryInput, Entity, EntityInput, FilterInput, Model } from '../model/index.js';

/** What a rendering is given besides the value: the model, and the server's absolute base URL. */
export interface RenderContext {
  readonly model: Model;
  /** Scheme, host and port (and path prefix) without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  readonly baseUrl: string;
}

/**
 * A value to put on the wire. Locations are absolute paths (`/compute/x`);
 * renderings that list them make them absolute URLs with `baseUrl`.
 */
export type Renderable =
  /** One resource (with its links fully populated) or one link. */
  | { readonly type: 'entity'; readonly entity: Entity }
  /** An entity collection: text renderings list `locations`; JSON renders `entities` (full renderings). */
  | { readonly type: 'collection'; readonly locations: readonly string[]; readonly entities?: readonly Entity[] }
  /** A category collection: the query interface, or the mixin a `save` action made. */
  | { readonly type: 'categories'; readonly categories: readonly Category[] }
  /** Success without content (DELETE, user-mixin definition). */
  | { readonly type: 'empty' }
  | { readonly type: 'error'; readonly status: number; readonly code: ErrorCode; readonly message: string };

/**
 * What a client sends (the other direction from `Renderable`): model input
 * as a `Parser` reads it back. Values go out by their JavaScript type:
 * strings quoted, numbers and booleans bare (Text Rendering §3).
 */
export type RequestContent =
  /** An entity to create, update (POST) or replace (PUT); a link when its attributes name `occi.core.source` or `occi.core.target`. */
  | { readonly type: 'entity'; readonly entity: EntityInput }
  | { readonly type: 'action'; readonly action: ActionInput }
  /** Mixin definitions to add or remove at the query interface. */
  | { readonly type: 'categories'; readonly categories: readonly CategoryInput[] }
  /** Entity locations (mixin association, collection deletes), absolute URLs. */
  | { readonly type: 'locations'; readonly locations: readonly string[] }
  /** A filter (HTTP Protocol §9); HTTP filters travel in headers, so a client renders them with `HEADER_RENDERING`. */
  | { readonly type: 'filter'; readonly filter: FilterInput };

/** Bytes for the wire. `text/occi` puts its content in `headers`; the others in `body`. */
export interface Rendered {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** A request as a parser sees it: the body, and the header values (lower-case names; repeated ones joined by `, `). */
export interface ParseInput {
  readonly body: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The server's limit of items per request (--max-items-per-request): a
   * parser refuses more entities and inline links than this as soon as it
   * counts them (413 OCCI_ERR_TOO_LARGE_ITEMS), before reading them all.
   */
  readonly maxItems?: number;
}

/**
 * Reads request content of one media type into model input. Parsers throw
 * ParsingError (400) for anything malformed, and nothing else.
 */
export interface Parser {
  /** One or more entities to create or update (JSON may carry a collection). */
  parseEntities(input: ParseInput, model: Model): EntityInput[];
  /** An action invocation; `undefined` when the request carries no content (allowed: the query names the action). */
  parseAction(input: ParseInput, model: Model): ActionInput | undefined;
  /** Category definitions (user mixins to add or remove). */
  parseCategories(input: ParseInput, model: Model): CategoryInput[];
  /** Entity locations (mixin association); absolute URLs or paths as the client sent them. */
  parseLocations(input: ParseInput, model: Model): string[];
  /** A filter carried in the content (text renderings; HTTP filters also come in headers, see `text-occi`). */
  parseFilter(input: ParseInput, model: Model): FilterInput;
}

/**
 * One media type. Registered by an explicit list in `registry.ts`.
 *
 * @example
 * const r = findRendering('text/plain')!;
 * const { headers, body } = r.render({ type: 'entity', entity }, { model, baseUrl: 'http://127.0.0.1:8787' });
 */
export interface Rendering {
  /** The canonical media type, sent in `Content-Type` unless the client asked for an alias. */
  readonly mediaType: string;
  /** Other names of the same rendering (`text/occi+plain`, `application/json`). */
  readonly aliases: readonly string[];
  /** `Content-Type` parameters to send, e.g. `; charset=utf-8`. */
  readonly contentTypeParameters: string;
  /** Whether collections need full entities (JSON) or only locations (text). */
  readonly collectionDetail: 'locations' | 'entities';
  /** Can this rendering represent a value of this type? (`text/uri-list` renders only listings.) */
  canRender(type: Renderable['type']): boolean;
  render(value: Renderable, ctx: RenderContext): Rendered;
  /** How requests in this media type are read (`text/uri-list` reads only location lists). */
  readonly parser?: Parser;
  /**
   * How a client writes a request in this media type (src/client); `parser`
   * reads it back. Absent for `text/uri-list`, which a client only reads.
   */
  renderRequest?(content: RequestContent): Rendered;
}
