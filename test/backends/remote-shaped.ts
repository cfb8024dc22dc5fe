/**
 * A backend shaped like a remote cloud, for tests only: proof that the
 * `Backend` seam fits a cloud before the real ones (OpenStack, OpenNebula)
 * sit behind it. It keeps its state in memory but behaves as a cloud does:
 * every call takes a while and honours the request's deadline; the cloud
 * names its own entities; servers build and change power state on their
 * own time, with no actions valid meanwhile; versions are digests of what
 * the cloud shows; batches are not atomic; listings page by marker; each
 * owner sees public images plus their own (the per-owner model view); it
 * can be switched off (`health()`, 503).
 */
import { createHash, randomUUID } from 'node:crypto';
import { selectPage } from '../../src/backends/select.js';
import {
  checkDeadline, deadlineSignal, type ActionResult, type Backend, type Capabilities, type EntityChange, type Health, type ListQuery, type ListResult,
  type RequestContext,
} from '../../src/backends/index.js';
import {
  BackendTimeoutError, BackendUnavailableError, ConflictError, NotFoundError, NotImplementedError, PreconditionFailedError, ValidationError,
} from '../../src/errors.js';
import {
  COMPUTE, Mixin, NETWORK, NETWORKINTERFACE, OS_TPL, RESOURCE_TPL, SAVE, STORAGE, STORAGELINK, templateFamily,
  type Action, type Attributes, type Entity, type EntityDraft, type Link, type Model, type Resource,
} from '../../src/model/index.js';

const SCHEME = 'http://remote.example.org/occi/';

interface Item {
  id: string;
  seq: number;
  kind: string;
  owner: string;
  mixins: string[];
  attributes: Attributes;
  /** The cloud's own status word, and what it becomes when the task in progress settles. */
  status: string;
  task?: { name: string; then: string; at: number };
  source?: string;
  target?: string;
}

interface Image { id: string; title: string; owner?: string }

/** OCCI state of a cloud status, per kind. */
const STATE: Record<string, Record<string, string>> = {
  [COMPUTE.id]: { BUILD: 'inactive', ACTIVE: 'active', SHUTOFF: 'inactive', SUSPENDED: 'suspended', ERROR: 'error' },
  [NETWORK.id]: { ACTIVE: 'active', DOWN: 'inactive' },
  [STORAGE.id]: { available: 'online', offline: 'offline' },
  [NETWORKINTERFACE.id]: { ATTACHING: 'inactive', ACTIVE: 'active' },
  [STORAGELINK.id]: { attaching: 'inactive', attached: 'active' },
};
const STATE_ATTRIBUTE: Record<string, string> = {
  [COMPUTE.id]: 'occi.compute.state', [NETWORK.id]: 'occi.network.state', [STORAGE.id]: 'occi.storage.state',
  [NETWORKINTERFACE.id]: 'occi.networkinterface.state', [STORAGELINK.id]: 'occi.storagelink.state',
};
/** Action term → [statuses it is valid in, task name, status after]. */
const ACTIONS: Record<string, Record<string, [string[], string, string]>> = {
  [COMPUTE.id]: {
    start: [['SHUTOFF', 'SUSPENDED'], 'powering-on', 'ACTIVE'], stop: [['ACTIVE'], 'powering-off', 'SHUTOFF'],
    restart: [['ACTIVE'], 'rebooting', 'ACTIVE'], suspend: [['ACTIVE'], 'suspending', 'SUSPENDED'], save: [['ACTIVE'], 'image-snapshot', 'ACTIVE'],
  },
  [NETWORK.id]: { up: [['DOWN'], 'bringing-up', 'ACTIVE'], down: [['ACTIVE'], 'bringing-down', 'DOWN'] },
  [STORAGE.id]: { online: [['offline'], 'onlining', 'available'], offline: [['available'], 'offlining', 'offline'] },
};

export class RemoteShapedBackend implements Backend {
  readonly name = 'remote-shaped';
  readonly capabilities: Capabilities = {
    creatableKinds: [COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK].map((k) => k.id),
    userMixins: 'server',
    putCreate: false,
    clientIds: false,
    atomicBatches: false,
    state: 'eventual',
    externalTargets: false,
    conditionalWrites: false,
    // The cloud names entities (nothing to choose); tags are the model's, per owner, and items' memberships.
    ownerNamespaces: true,
  };
  /** Switch the cloud off (503) or slow it down (504 against a deadline). */
  up = true;
  latencyMs: number;
  /** While true, no task settles (a cloud that is slow to build): what a test sees in between does not hang on timing. */
  holdTasks = false;
  /** Calls made to the cloud, for tests of efficiency. */
  calls = 0;
  readonly #settleMs: number;
  #items = new Map<string, Item>();
  #seq = 0;
  #images: Image[] = [{ id: 'img-debian', title: 'Debian (public)' }, { id: 'img-alpine', title: 'Alpine (public)' }];
  #model: Model | undefined;
  #offered = new Map<string, number>();

  constructor(options: { latencyMs?: number; settleMs?: number } = {}) {
    this.latencyMs = options.latencyMs ?? 1;
    this.#settleMs = options.settleMs ?? 20;
  }

  async start(model: Model): Promise<void> {
    this.#model = model;
    // Flavours are everyone's; images are offered per owner on refresh.
    model.addMixin(new Mixin({
      scheme: `${SCHEME}resource_tpl#`, term: 'small', title: 'Small flavour', depends: [RESOURCE_TPL], applies: [COMPUTE], location: '/mixin/resource_tpl/small/',
    }));
  }

  async stop(): Promise<void> {
    this.#items.clear();
  }

  async health(): Promise<Health> {
    return this.up ? { ok: true } : { ok: false, detail: 'remote cloud: connection refused' };
  }

  /** Offers the owner's images (public and their own) once a second at most; a failure keeps the last view. */
  async refresh(model: Model, ctx: RequestContext): Promise<void> {
    if (Date.now() - (this.#offered.get(ctx.owner) ?? 0) < 1000) return;
    try {
      const images = await this.#call(ctx, () => this.#images.filter((i) => i.owner === undefined || i.owner === ctx.owner));
      model.offerMixins(ctx.owner, images.map(imageMixin));
      this.#offered.set(ctx.owner, Date.now());
    } catch {
      // serve the view we have
    }
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    return this.#call(ctx, () => {
      const item = this.#find(ctx, location);
      return item && this.#entity(item);
    });
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    return this.#call(ctx, () => {
      const items = [...this.#items.values()].filter((i) => (ctx.admin || i.owner === ctx.owner) && (!query.kinds || query.kinds.includes(i.kind)));
      return selectPage(this.#running(), items.map((i) => this.#entity(i)), query);
    });
  }

  /** One entity after another, as a cloud's API takes them: a failure leaves the earlier ones. */
  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    if (at !== undefined) throw new NotImplementedError('the remote cloud names its own entities');
    const out: Entity[] = [];
    for (const d of drafts) out.push(await this.#call(ctx, () => this.#entity(this.#create(ctx, d))));
    return out;
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    const out: Entity[] = [];
    for (const { before, after, links } of changes) {
      out.push(await this.#call(ctx, () => {
        const item = this.#find(ctx, before.location);
        if (!item) throw new NotFoundError(`no entity at ${before.location}`);
        // The diff tells the cloud what to do: a rename, a retag; the state is the cloud's.
        const attributes = { ...after.attributes };
        delete attributes[STATE_ATTRIBUTE[item.kind]];
        delete attributes[`${STATE_ATTRIBUTE[item.kind]}.message`];
        item.attributes = attributes;
        item.mixins = [...after.mixins];
        for (const l of links ?? []) this.#create(ctx, { ...l, source: item.kind === COMPUTE.id ? before.location : undefined });
        return this.#entity(item);
      }));
    }
    return out;
  }

  async delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void> {
    for (const l of locations) {
      await this.#call(ctx, () => {
        const item = this.#find(ctx, l);
        if (!item) throw new NotFoundError(`no entity at ${l}`);
        if (ifVersion !== undefined && this.#entity(item).version !== ifVersion) throw new PreconditionFailedError(`If-Match: ${l} changed`);
        for (const other of this.#items.values()) if (other.source === item.id || other.target === item.id) this.#items.delete(other.id);
        this.#items.delete(item.id);
      });
    }
  }

  async invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes): Promise<ActionResult[]> {
    const out: ActionResult[] = [];
    for (const l of locations) {
      out.push(await this.#call(ctx, (): ActionResult => {
        const model = this.#running();
        const item = this.#find(ctx, l);
        if (!item) throw new NotFoundError(`no entity at ${l}`);
        const entity = this.#entity(item);
        if (!model.actionsFor(model.getKind(item.kind), model.resolveMixins(item.mixins)).includes(action)) {
          throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action ${action.term} is not defined for ${l}`);
        }
        const rule = ACTIONS[item.kind]?.[action.term];
        if (!rule || !entity.actions!.includes(action.id)) {
          throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `${action.term} is not valid for ${l} while it is ${item.task?.name ?? item.status}`);
        }
        item.task = { name: rule[1], then: rule[2], at: Date.now() + this.#settleMs };
        if (action.id !== SAVE.id) return { type: 'entity', entity: this.#entity(item) };
        const image: Image = { id: `img-${randomUUID().slice(0, 8)}`, title: String(parameters.name ?? `snapshot of ${item.id}`), owner: ctx.owner };
        this.#images.push(image);
        this.#offered.delete(ctx.owner);
        const offered = model.mixins.filter((m) => m.scheme === `${SCHEME}os_tpl#` && model.visibleTo(ctx.owner).findMixin(m.id));
        model.offerMixins(ctx.owner, [...offered, imageMixin(image)]);
        return { type: 'mixin', mixin: model.getMixin(`${SCHEME}os_tpl#${image.id}`) };
      }));
    }
    return out;
  }

  async defineMixin(ctx: RequestContext): Promise<void> {
    // Tags live on our side of the cloud ('server'): the model holds the definition, items the membership.
    await this.#call(ctx, () => undefined);
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    await this.#call(ctx, () => {
      // The mixin's owner's items only: another owner's mixin of the same id is another mixin.
      for (const item of this.#items.values()) if (item.owner === mixin.owner) item.mixins = item.mixins.filter((m) => m !== mixin.id);
    });
  }

  /** A round trip to the cloud: latency, the deadline, the cloud being down; settles tasks whose time has come. */
  async #call<T>(ctx: RequestContext, fn: () => T): Promise<T> {
    this.calls++;
    checkDeadline(ctx, 'the remote cloud');
    const signal = deadlineSignal(ctx);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.latencyMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new BackendTimeoutError('the remote cloud did not answer before the deadline'));
      }, { once: true });
    });
    if (!this.up) throw new BackendUnavailableError('the remote cloud is unavailable: connection refused');
    const now = Date.now();
    for (const item of this.#items.values()) {
      if (item.task && item.task.at <= now && !this.holdTasks) {
        item.status = item.task.then;
        item.task = undefined;
      }
    }
    return fn();
  }

  #create(ctx: RequestContext, d: EntityDraft): Item {
    const model = this.#running();
    if (d.kind.location === undefined) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `${d.kind.term} has no location: it cannot be instantiated`);
    if (!this.capabilities.creatableKinds.includes(d.kind.id)) throw new NotImplementedError(`the remote cloud cannot create ${d.kind.term}`);
    const isLink = d.kind.id === NETWORKINTERFACE.id || d.kind.id === STORAGELINK.id;
    if (isLink) {
      const source = d.source === undefined ? undefined : this.#find(ctx, d.source);
      const target = d.target === undefined ? undefined : this.#find(ctx, d.target);
      const wants = d.kind.id === NETWORKINTERFACE.id ? NETWORK.id : STORAGE.id;
      if (!source || source.kind !== COMPUTE.id) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no compute at ${d.source ?? '(none)'}`);
      if (!target || target.kind !== wants) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no ${d.kind.id === NETWORKINTERFACE.id ? 'network' : 'storage'} at ${d.target ?? '(none)'}`);
      // Like a cloud's volume: a storage is attached to one server at a time (capabilities.multiAttach is not claimed).
      const holder = d.kind.id === STORAGELINK.id ? [...this.#items.values()].find((i) => i.kind === STORAGELINK.id && i.target === target.id) : undefined;
      if (holder) throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `${d.target} is attached to ${COMPUTE.location}${holder.source} already`);
      const siblings = [...this.#items.values()].filter((i) => i.source === source.id && i.kind === d.kind.id).length;
      const attributes: Attributes = d.kind.id === NETWORKINTERFACE.id
        ? { 'occi.networkinterface.interface': `eth${siblings}`, 'occi.networkinterface.mac': mac() }
        : { 'occi.storagelink.deviceid': `/dev/vd${String.fromCharCode(98 + siblings)}` };
      return this.#add(ctx, d, { ...attributes, ...d.attributes }, d.kind.id === NETWORKINTERFACE.id ? 'ATTACHING' : 'attaching', { source: source.id, target: target.id });
    }
    // Inline links are checked before the server exists: a bad one leaves nothing behind.
    for (const l of d.links) {
      const target = this.#find(ctx, l.target);
      if (!target || ![NETWORK.id, STORAGE.id].includes(target.kind)) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no network or storage at ${l.target}`);
    }
    const mixins = d.mixins.map((m) => m.id);
    if (d.kind.id === COMPUTE.id && !d.mixins.some((m) => templateFamily(m) === OS_TPL)) {
      const image = model.visibleTo(ctx.owner).mixins.find((m) => m.scheme === `${SCHEME}os_tpl#`);
      if (!image) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'name an OS template');
      mixins.unshift(image.id);
    }
    const attributes = { ...d.attributes };
    delete attributes['occi.core.id'];
    const status = d.kind.id === COMPUTE.id ? 'BUILD' : d.kind.id === NETWORK.id ? 'DOWN' : 'offline';
    const item = this.#add(ctx, { ...d, mixins: [] }, attributes, status, {}, mixins);
    if (d.kind.id === COMPUTE.id) item.task = { name: 'spawning', then: 'ACTIVE', at: Date.now() + this.#settleMs };
    const location = `${d.kind.location}${item.id}`;
    for (const l of d.links) this.#create(ctx, { ...l, source: location });
    return item;
  }

  #add(ctx: RequestContext, d: EntityDraft, attributes: Attributes, status: string, ends: { source?: string; target?: string }, mixins = d.mixins.map((m) => m.id)): Item {
    const item: Item = { id: randomUUID(), seq: ++this.#seq, kind: d.kind.id, owner: ctx.owner, mixins, attributes, status, ...ends };
    if (ends.source) item.task = { name: 'attaching', then: d.kind.id === NETWORKINTERFACE.id ? 'ACTIVE' : 'attached', at: Date.now() + this.#settleMs };
    this.#items.set(item.id, item);
    return item;
  }

  #find(ctx: RequestContext, location: string): Item | undefined {
    const item = this.#items.get(location.slice(location.lastIndexOf('/') + 1));
    if (!item || (!ctx.admin && item.owner !== ctx.owner)) return undefined;
    return this.#running().getKind(item.kind).location + item.id === location ? item : undefined;
  }

  /** The OCCI view of an item: state and message from the cloud's status and task, the actions valid now, a digest as version. */
  #entity(item: Item): Entity {
    const model = this.#running();
    const kind = model.getKind(item.kind);
    const attributes: Attributes = { ...item.attributes, [STATE_ATTRIBUTE[item.kind]]: STATE[item.kind][item.status] };
    if (item.task) attributes[`${STATE_ATTRIBUTE[item.kind]}.message`] = item.task.name;
    const rules = ACTIONS[item.kind] ?? {};
    const actions = item.task ? [] : kind.actions.filter((a) => rules[a.term]?.[0].includes(item.status)).map((a) => a.id);
    const base = { id: item.id, kind: item.kind, mixins: [...item.mixins], attributes, location: kind.location + item.id, owner: item.owner, actions };
    let entity: Entity;
    if (item.source !== undefined) {
      const target = this.#items.get(item.target!)!;
      const link: Link = {
        ...base, version: '', source: COMPUTE.location + item.source, target: model.getKind(target.kind).location + target.id, targetKind: target.kind, sourceKind: COMPUTE.id,
      };
      entity = link;
    } else {
      const links = [...this.#items.values()].filter((i) => i.source === item.id).map((i) => this.#entity(i) as Link);
      entity = { ...base, version: '', links } as Resource;
    }
    entity.version = createHash('sha1').update(JSON.stringify(entity)).digest('hex').slice(0, 16);
    return entity;
  }

  #running(): Model {
    if (!this.#model) throw new Error('remote-shaped backend not started');
    return this.#model;
  }
}

function imageMixin(image: Image): Mixin {
  return new Mixin({ scheme: `${SCHEME}os_tpl#`, term: image.id, title: image.title, depends: [OS_TPL], applies: [COMPUTE], location: `/mixin/os_tpl/${image.id}/` });
}

function mac(): string {
  return ['02', ...Array.from({ length: 5 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0'))].join(':');
}
