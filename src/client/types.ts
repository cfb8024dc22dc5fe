import type { Attributes, CategoryInput, Link, Resource } from '../model/index.js';
import type { Auth } from './auth.js';
import type { Exchange } from './transport.js';

/** What OcciClient takes and gives. */

/** The media types the client writes and reads; `auto` picks by what the server offers. */
export type MediaTypeChoice = 'auto' | 'text/plain' | 'text/occi' | 'application/occi+json';

export const JSON_TYPE = 'application/occi+json';

export interface OcciClientOptions {
  /** The server's OCCI base, e.g. `http://127.0.0.1:8787` or `https://cloud.example.org/occi1.2/`. */
  readonly endpoint: string;
  readonly auth?: Auth;
  readonly mediaType?: MediaTypeChoice;
  /** Milliseconds one request may take (default 30 s). */
  readonly timeoutMs?: number;
  /** PEM CA certificates to trust besides Node's bundled ones. */
  readonly ca?: readonly string[];
  /** Do not check the server's TLS certificate. */
  readonly insecure?: boolean;
  /** Sees every HTTP exchange (the CLI's --verbose). */
  readonly onExchange?: (exchange: Exchange) => void;
}

/** A Kind, Mixin or Action, an entity or a collection by name: type id, short name, URL, path, id or title. */
export type Ref = string;

export interface LinkSpec {
  /** The target: an entity (URL, path, `kind/id`, id or title), or any URI (OCCI 1.2 links may leave the server). */
  readonly target: Ref;
  /** The link's Kind; by default networkinterface to a network, storagelink to a storage. */
  readonly kind?: string;
  readonly mixins?: readonly string[];
  readonly attributes?: Attributes;
}

export interface CreateSpec {
  readonly kind: string;
  readonly mixins?: readonly string[];
  readonly attributes?: Attributes;
  readonly links?: readonly LinkSpec[];
}

export interface ChangeSpec {
  readonly attributes?: Attributes;
  readonly mixins?: readonly string[];
  readonly links?: readonly LinkSpec[];
}

export interface ListOptions {
  /** Only members in these categories (names) with these attribute values (HTTP Protocol §9: in request headers). */
  readonly filter?: { readonly categories?: readonly string[]; readonly attributes?: Attributes };
}

/** What an action answered: the entity after it, or the categories it made (`save`: a new OS template). */
export interface TriggerResult {
  readonly entity?: Resource | Link;
  readonly categories?: readonly CategoryInput[];
}

export type Entity = Resource | Link;
