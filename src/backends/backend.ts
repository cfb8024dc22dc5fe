import type { BasicCredentials, RequestContext } from '../context.js';
import type { Action, Attributes, Entity, EntityDraft, FilterInput, LinkDraft, Mixin, Model } from '../model/index.js';

export { ANONYMOUS, checkDeadline, deadlineSignal, type BasicCredentials, type Credentials, type KeystoneCatalogEntry, type KeystoneCredentials, type RequestContext } from '../context.js';

/**
 * What a backend guarantees. The HTTP layer answers 501 for what it cannot
 * do, and the contract suite (backend.contract.ts) checks exactly what is
 * claimed here and skips, saying why, what is not.
 */
export interface Capabilities {
  /** Kinds whose instances this backend can create (type ids); any other is 501. */
  readonly creatableKinds: readonly string[];
  /**
   * Where user-defined mixins (tags) and their memberships live: `backend`
   * with the entities themselves, `server` in occi-server's own store beside
   * a remote cloud, `none` (defining one is 501).
   */
  readonly userMixins: 'backend' | 'server' | 'none';
  /** PUT may create an entity at a client-chosen path (otherwise 501). */
  readonly putCreate: boolean;
  /** A free `occi.core.id` the client asks for is kept; otherwise the cloud names its entities. */
  readonly clientIds: boolean;
  /** Multi-entity create, update, delete and invoke are all or nothing. */
  readonly atomicBatches: boolean;
  /**
   * `immediate`: an action's new state is what it returns and what the next
   * read shows; `eventual`: the cloud gets there later (reads show the
   * transitional state and its own valid actions meanwhile).
   */
  readonly state: 'immediate' | 'eventual';
  /** Links may target URIs outside this provider (OCCI 1.2 Core §5.4.2). */
  readonly externalTargets: boolean;
  /**
   * `If-Match` is compared with the entity's version inside the backend's
   * write (compare-and-set). Otherwise it is checked against a fresh read
   * just before the write: best effort, a write between the two wins.
   */
  readonly conditionalWrites: boolean;
  /**
   * `list` answers `ListQuery.union` itself (an unbound path: several
   * collections at once, paged), from its indexes. Otherwise the HTTP layer
   * lists the owner's entities and keeps those of the union.
   */
  readonly unionListing?: boolean;
  /**
   * `update` moves a link to another source or target (Core 1.2 §5.4.2: both
   * are mutable), checking the new ends as at creation. Otherwise the HTTP
   * layer answers such an update 501.
   */
  readonly relink?: boolean;
  /**
   * A storage may be the target of several storage links at once (OCCI
   * allows it). Otherwise a storage is linked once at a time and a second
   * link to it is refused with a conflict (409: a persistent OpenNebula
   * image or a Cinder volume in use).
   */
  readonly multiAttach?: boolean;
  /**
   * The step (GiB) in which the backend allocates storage: a size asked for
   * is rounded up to a multiple of it, and the storage shows the size it
   * got (Cinder: whole GiB). Absent: the size is kept as asked.
   */
  readonly storageSizeStep?: number;
  /**
   * The names a client chooses are per owner (issue 13 §7): an entity
   * location or `occi.core.id`, a user mixin's type id and location. Two
   * owners may hold the same one, and whether another owner holds a name
   * is never observable. A cloud that names entities itself and keeps user
   * mixins elsewhere may leave this out.
   */
  readonly ownerNamespaces?: boolean;
}

export interface ListQuery {
  /** Kind collection: entities whose Kind is one of these type ids (the Kind and its sub-kinds). */
  readonly kinds?: readonly string[];
  /** Mixin collection: entities associated with this mixin (type id). */
  readonly mixin?: string;
  /**
   * Several collections at once (an unbound path, HTTP Protocol 1.2 §2):
   * entities of one of `kinds`, or associated with one of `mixins` (type
   * ids, the mixins' dependants already included). Only asked of a backend
   * with `capabilities.unionListing`.
   */
  readonly union?: { readonly kinds: readonly string[]; readonly mixins: readonly string[] };
  /** Category and attribute filter (HTTP Protocol §9); all must match. */
  readonly filter?: FilterInput;
  /** Page window by position (HTTP Protocol §10 `page`/`number`), in the backend's stable order. */
  readonly offset?: number;
  readonly limit?: number;
  /**
   * Continue after the page that returned this `next` (a marker, as Nova
   * pages): cheaper than `offset` for a cloud that pages by marker. Opaque.
   */
  readonly cursor?: string;
  /** `entities` when the rendering needs full entities (JSON); `locations` is enough for text. */
  readonly detail: 'locations' | 'entities';
}

export interface ListResult {
  /** Entity locations (paths), in order. */
  readonly locations: string[];
  /** Full entities in the same order, when `detail` was `entities`. */
  readonly entities?: Entity[];
  /** Cursor of the next page, when `limit` was given and more may follow. */
  readonly next?: string;
  /**
   * How many entities the whole listing holds (every page, the filter
   * applied), when the backend knows it without listing them all again;
   * the HTTP layer sends it as `X-Total-Count`.
   */
  readonly total?: number;
}

/**
 * One entity to change. `before` is the entity as the request read it (its
 * version is what optimistic concurrency checks), `after` what the client
 * made of it: a backend tells a rename from a resize from a rebuild by
 * comparing the two, without reading again.
 */
export interface EntityChange {
  readonly before: Entity;
  readonly after: Entity;
  /** Links to create with a resource (their source is the entity). */
  readonly links?: readonly LinkDraft[];
}

export type ActionResult = { readonly type: 'entity'; readonly entity: Entity } | { readonly type: 'mixin'; readonly mixin: Mixin };

/** What `/readyz` reports: whether the backend can serve, and why not. */
export interface Health {
  readonly ok: boolean;
  /** The upstream service and what is wrong with it, when not ok. */
  readonly detail?: string;
}

/**
 * THE seam between the protocol and a cloud. Every method is async: a
 * remote cloud is slow (each call gets `ctx.deadline`), fails
 * (BackendUnavailableError 503, BackendTimeoutError 504, naming the service)
 * and changes state by itself. Entities cross it as data (`Entity`); the HTTP
 * layer has already checked requests against the model
 * (`model/instantiate.ts`). Locations are absolute paths.
 *
 * Rules every backend keeps (checked by `backend.contract.ts`):
 * - a single-entity write that threw left nothing behind; with
 *   `capabilities.atomicBatches` a multi-entity call is all or nothing too;
 * - a Resource comes back with its outgoing links; deleting it deletes them;
 * - an entity another owner holds is invisible (undefined / absent), unless `ctx.admin`;
 * - `version` changes whenever the entity does; with
 *   `capabilities.conditionalWrites`, `update` of a stale `before` throws
 *   ConflictError (OCCI_ERR_CONFLICT_STATE) and changes nothing;
 * - an action not valid now (`entity.actions`, else the state machine) is
 *   ConflictError (OCCI_ERR_CONFLICT_STATE) and changes nothing;
 * - what `capabilities` excludes throws NotImplementedError, never a silent no-op.
 *
 * @example
 * const backend = BACKENDS.embedded.create({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
 * const model = standardModel();
 * await backend.start(model); // adds the backend's templates to the model
 * const [vm] = await backend.create(ANONYMOUS, [draftEntity(model, COMPUTE, input, resolve)]);
 */
export interface Backend {
  readonly name: string;
  readonly capabilities: Capabilities;

  /** Connects, adds the categories every user sees (templates, saved images, user mixins) to the model. */
  start(model: Model): Promise<void>;
  /** Releases everything; pending writes are finished first. */
  stop(): Promise<void>;
  /**
   * Optional: brings the model up to date for this request's owner before
   * it is served (one process or several): what the cloud offers that owner
   * now (`model.offerMixins(ctx.owner, …)`: its images and flavours as
   * templates) and categories other processes added or removed. Called on
   * every request; the backend decides how often it really asks (a TTL), and
   * a failure to refresh serves the last view rather than failing the request.
   */
  refresh?(model: Model, ctx: RequestContext): Promise<void>;
  /** Optional: whether the backend can serve now (the admin listener's `/readyz`). */
  health?(): Promise<Health>;
  /**
   * Optional, for a cloud that checks its users' passwords itself (OpenNebula):
   * who these basic credentials prove, or undefined when the cloud refuses
   * them; an unreachable cloud throws (503/504). An authenticator (`--auth
   * opennebula`, src/auth/delegated.ts) calls it, so auth never imports a backend.
   *
   * @example
   * const who = await backend.authenticate?.({ scheme: 'basic', user: 'alice', password: 'secret' });
   * // → { user: 'alice', groups: ['users'] }, or undefined for a wrong password
   */
  authenticate?(credentials: BasicCredentials, signal?: AbortSignal): Promise<{ user: string; groups: string[] } | undefined>;

  /** One entity by location; a Resource comes with its links. */
  get(ctx: RequestContext, location: string): Promise<Entity | undefined>;
  list(ctx: RequestContext, query: ListQuery): Promise<ListResult>;

  /**
   * Creates entities (with a resource's inline links). The backend assigns
   * id (honouring `requestedId` when free and `capabilities.clientIds`),
   * location and server-managed values. `at` forces the location of a single
   * entity (PUT to a new path; only with `capabilities.putCreate`).
   */
  create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]>;
  /** Stores changed entities; returns them as stored (with new versions). */
  update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]>;
  /**
   * Deletes entities (and a resource's links); unknown locations are NotFoundError.
   * With `ifVersion` (an HTTP If-Match), an entity at another version is PreconditionFailedError.
   */
  delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void>;

  /**
   * Runs an action on entities. An action not valid in an entity's current
   * state is ConflictError (OCCI_ERR_CONFLICT_STATE) and changes nothing.
   * With `ifVersion` (an HTTP If-Match), an entity at another version is
   * PreconditionFailedError.
   */
  invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: string): Promise<ActionResult[]>;

  /** Stores a user mixin the model has accepted (`capabilities.userMixins` not `none`). */
  defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void>;
  /** Forgets a user mixin and removes it from every entity. */
  removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void>;
}
