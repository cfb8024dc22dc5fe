import type { Action, Attributes, Entity, EntityDraft, FilterInput, LinkDraft, Mixin, Model } from '../model/index.js';

/** Who is asking. Every backend call carries it; isolation is the backend's job. */
export interface RequestContext {
  /** The authenticated user (`anonymous` without authentication). */
  readonly user: string;
  /** The owner new entities get: the user, or their group under group tenancy. */
  readonly owner: string;
  /** Sees and touches everything. */
  readonly admin: boolean;
}

export const ANONYMOUS: RequestContext = Object.freeze({ user: 'anonymous', owner: 'anonymous', admin: false });

/** What a backend can do; the HTTP layer answers 501 for what it cannot. */
export interface Capabilities {
  /** User-defined mixins (tags) can be stored. */
  readonly userMixins: boolean;
  /** PUT may create an entity at a client-chosen path. */
  readonly putCreate: boolean;
  /** Kinds whose instances this backend can create (type ids). */
  readonly creatableKinds: readonly string[];
}

export interface ListQuery {
  /** Kind collection: entities whose Kind is one of these type ids (the Kind and its sub-kinds). */
  readonly kinds?: readonly string[];
  /** Mixin collection: entities associated with this mixin (type id). */
  readonly mixin?: string;
  /** Category and attribute filter (HTTP Protocol §9); all must match. */
  readonly filter?: FilterInput;
  /** Page window, in a stable order (creation order). */
  readonly offset?: number;
  readonly limit?: number;
  /** `entities` when the rendering needs full entities (JSON); `locations` is enough for text. */
  readonly detail: 'locations' | 'entities';
}

export interface ListResult {
  /** Entity locations (paths), in order. */
  readonly locations: string[];
  /** Full entities in the same order, when `detail` was `entities`. */
  readonly entities?: Entity[];
}

/** A changed entity to store: `entity.version` is the version it was read at (optimistic concurrency). */
export interface EntityChange {
  readonly entity: Entity;
  /** Links to create with a resource (their source is the entity). */
  readonly links?: readonly LinkDraft[];
}

export type ActionResult = { readonly type: 'entity'; readonly entity: Entity } | { readonly type: 'mixin'; readonly mixin: Mixin };

/**
 * THE seam between the protocol and a cloud. Every method is async: a remote
 * cloud may be slow, fail (BackendUnavailableError, BackendTimeoutError) or
 * change state by itself. Entities cross it as data (`Entity`); the HTTP layer
 * has already checked requests against the model (`model/instantiate.ts`).
 * Locations are absolute paths.
 *
 * Rules every backend keeps (checked by `backend.contract.ts`):
 * - a write that returned has happened, durably; one that threw left nothing behind;
 * - multi-entity calls are atomic (all or nothing);
 * - a Resource comes back with its outgoing links; deleting it deletes them;
 * - an entity another owner holds is invisible (undefined / absent), unless `ctx.admin`;
 * - `update` with a stale `version` throws ConflictError (OCCI_ERR_CONFLICT_STATE).
 *
 * @example
 * const backend = createBackend('embedded', { dataDir: './data', templates: DEFAULT_TEMPLATES });
 * const model = standardModel();
 * await backend.start(model); // adds the backend's templates to the model
 * const [vm] = await backend.create(ANONYMOUS, [draftEntity(model, COMPUTE, input, resolve)]);
 */
export interface Backend {
  readonly name: string;
  readonly capabilities: Capabilities;

  /** Connects, adds the backend's own mixins (templates, saved images, user mixins) to the model. */
  start(model: Model): Promise<void>;
  /** Releases everything; pending writes are finished first. */
  stop(): Promise<void>;
  /**
   * Optional: brings the model up to date with categories other processes
   * sharing this backend's store added or removed (user mixins defined on
   * another cluster worker). Called before each request when workers run.
   */
  refresh?(model: Model): void;

  /** One entity by location; a Resource comes with its links. */
  get(ctx: RequestContext, location: string): Promise<Entity | undefined>;
  list(ctx: RequestContext, query: ListQuery): Promise<ListResult>;

  /**
   * Creates entities (with a resource's inline links). The backend assigns id
   * (honouring `requestedId` when free), location and server-managed values.
   * `at` forces the location of a single entity (PUT to a new path).
   */
  create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]>;
  /** Stores changed entities atomically; returns them as stored (version incremented). */
  update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]>;
  /**
   * Deletes entities (and a resource's links) atomically; unknown locations are NotFoundError.
   * With `ifVersion` (an HTTP If-Match), an entity at another version is PreconditionFailedError, checked in the same transaction.
   */
  delete(ctx: RequestContext, locations: readonly string[], ifVersion?: number): Promise<void>;

  /**
   * Runs an action on entities atomically. An action not valid in an
   * entity's current state is ConflictError (OCCI_ERR_CONFLICT_STATE) and
   * changes nothing. With `ifVersion` (an HTTP If-Match), an entity at another
   * version is PreconditionFailedError, checked in the same transaction.
   */
  invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: number): Promise<ActionResult[]>;

  /** Stores a user mixin the model has accepted. */
  defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void>;
  /** Forgets a user mixin and removes it from every entity. */
  removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void>;
}
