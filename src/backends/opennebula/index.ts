/** The OpenNebula backend: OCCI served from oned's XML-RPC API, each call made as the requesting user. */
import { ConflictError, NotImplementedError, PreconditionFailedError, ValidationError } from '../../errors.js';
import {
  COMPUTE, Mixin, NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, isResource,
  type Action, type Attributes, type Entity, type EntityDraft, type Model, type Resource,
} from '../../model/index.js';
import type {
  ActionResult, Backend, BasicCredentials, Capabilities, EntityChange, Health, ListQuery, ListResult, RequestContext,
} from '../backend.js';
import { startTagStore, type StoreKind, type TagStore } from '../embedded/index.js';
import { computeChanges, computeEntity, createVm } from './compute.js';
import { asText } from './document.js';
import { attach, linkVector, resolveTarget } from './links.js';
import { flatten, parseCursor, poolsFor, select } from './listing.js';
import { linkId, parseLocation, vmActionName, type Place } from './mapping.js';
import { createVnet, networkEntity } from './network.js';
import { Oned, SERVICE, poolItems, type OnedOptions, type Session } from './session.js';
import { createImage, isDatablock, storageChanges, storageEntity } from './storage.js';
import { Reader, vmLocations } from './reader.js';
import { Templates, resourceMixins, slug, type Size } from './templates.js';

export { toOcciError } from './errors.js';
export type { Size } from './templates.js';
export type { UserMapping } from './session.js';

/** How to reach oned and act as users (session.ts), plus what the backend itself keeps and offers. */
export interface OpenNebulaOptions extends OnedOptions {
  /** Directory of the TagStore (`tags.sqlite`), or `:memory:`. */
  readonly tagsDir: string;
  /** Where the TagStore lives: `sqlite` (default, `tagsDir`) or `postgres` (`databaseUrl`, shared by several instances). */
  readonly store?: StoreKind;
  readonly databaseUrl?: string;
  /** Scheme base of the templates: `<scheme>os_tpl#`, `<scheme>resource_tpl#`. */
  readonly scheme: string;
  /** Image datastore new storage goes to. */
  readonly datastore: number;
  /** VN_MAD of new networks. */
  readonly vnMad: string;
  readonly sizes: readonly Size[];
  /** How long a user's templates and networks are cached. */
  readonly cacheTtlMs: number;
}

/**
 * OCCI over OpenNebula (README "OpenNebula backend" has the mapping table):
 * compute ↔ VM, network ↔ virtual network, storage ↔ DATABLOCK image,
 * networkinterface ↔ NIC, storagelink ↔ disk, os_tpl ↔ VM templates,
 * resource_tpl ↔ configured sizes. oned keeps every entity; occi-server keeps
 * only user mixins (TagStore). Each call runs as the requesting user, so
 * oned's ACLs and quotas apply; one pool call per collection.
 */
export class OpenNebulaBackend implements Backend {
  readonly name = 'opennebula';
  readonly capabilities: Capabilities = {
    creatableKinds: [COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK].map((k) => k.id),
    userMixins: 'server',
    putCreate: false,
    clientIds: false,
    atomicBatches: false,
    state: 'eventual',
    externalTargets: false,
    conditionalWrites: false,
  };
  readonly oned: Oned;
  readonly #options: OpenNebulaOptions;
  readonly #templates: Templates;
  readonly #reader: Reader;
  #tags: TagStore | undefined;
  #model: Model | undefined;

  constructor(options: OpenNebulaOptions) {
    this.#options = options;
    this.oned = new Oned(options);
    this.#templates = new Templates(options.scheme, options.cacheTtlMs);
    this.#reader = new Reader(this.#templates, () => this.#store(), () => this.#running(), options.cacheTtlMs);
  }

  async start(model: Model): Promise<void> {
    for (const m of resourceMixins(this.#options.sizes, this.#options.scheme, model)) model.addMixin(m);
    const tags = await startTagStore({ store: this.#options.store, dir: this.#options.tagsDir, databaseUrl: this.#options.databaseUrl }, model);
    this.#tags = tags;
    this.#model = model;
  }

  async stop(): Promise<void> {
    const tags = this.#tags;
    this.#tags = undefined;
    await tags?.close();
  }

  async health(): Promise<Health> {
    try {
      await this.oned.version();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `${SERVICE} at ${this.oned.url}: ${(err as Error).message}` };
    }
  }

  /**
   * Offers the user's VM templates as os_tpl mixins to its owner (cached per
   * user), and follows the user mixins other worker processes or instances
   * defined or removed (TagStore.refresh: cheap when nothing changed); never throws.
   */
  async refresh(model: Model, ctx: RequestContext): Promise<void> {
    try {
      await this.#store().refresh(model);
    } catch {
      // the tag store unreachable for now: the next request asks again
    }
    await this.#templates.offer(model, ctx, () => this.oned.as(ctx));
  }

  /** `--auth opennebula`: oned checks the user's password (one.user.info as the user). */
  async authenticate(credentials: BasicCredentials, signal?: AbortSignal): Promise<{ user: string; groups: string[] } | undefined> {
    return this.oned.whoIs(credentials, signal);
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    const place = parseLocation(location);
    return place && (await this.#reader.read(await this.oned.as(ctx), place, location))?.entity;
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    const s = await this.oned.as(ctx);
    const { vms, vnets, images, kinds } = poolsFor(query);
    const cursor = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    // "marker = last VM": a listing of computes only asks oned for the VMs after it.
    const start = cursor?.kind === 'compute' && [...kinds].every((k) => k === COMPUTE.id) ? cursor.id + 1 : -1;
    const [vmPool, vnPool, imagePool] = await Promise.all([
      vms ? s.doc('one.vmpool.infoextended', 'VM_POOL', s.admin ? -2 : -3, start, -1, -1) : undefined,
      vnets ? s.doc('one.vnpool.info', 'VNET_POOL', -2, -1, -1) : undefined,
      images ? s.doc('one.imagepool.info', 'IMAGE_POOL', -2, -1, -1) : undefined,
    ]);
    const vmDocs = vmPool ? poolItems(vmPool, 'VM') : [];
    const vnDocs = vnPool ? poolItems(vnPool, 'VNET') : [];
    const imageDocs = imagePool ? poolItems(imagePool, 'IMAGE').filter(isDatablock) : [];
    const tags = await this.#store().tagsOf([
      ...vmDocs.flatMap(vmLocations), ...vnDocs.map((v) => NETWORK.location + asText(v.ID)), ...imageDocs.map((i) => STORAGE.location + asText(i.ID)),
    ]);
    const model = this.#running();
    const view = { model, templates: this.#templates, tags };
    const computes = vmDocs.map((vm) => computeEntity(vm, view)).filter((e): e is Resource => e !== undefined);
    const others = [...vnDocs.map((v) => networkEntity(v, tags)), ...imageDocs.map((i) => storageEntity(i, tags))].filter((e): e is Entity => e !== undefined);
    return select(model, flatten(computes, others, kinds), query);
  }

  /** One draft after another, as oned takes them: a failure leaves the earlier ones (capabilities.atomicBatches is false). */
  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    if (at !== undefined) throw new NotImplementedError(`PUT-create at ${at}: OpenNebula numbers its own objects`);
    const s = await this.oned.as(ctx);
    const out: Entity[] = [];
    for (const d of drafts) out.push(await this.#create(s, d, ctx.owner));
    return out;
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    const s = await this.oned.as(ctx);
    const out: Entity[] = [];
    for (const change of changes) {
      const { place, doc } = await this.#reader.existing(s, change.before.location);
      const calls = place.kind === 'compute' ? computeChanges(change, this.#templates)
        : place.kind === 'storage' ? storageChanges(change)
        : unchanged(change);
      const links = change.links ?? [];
      if (links.length > 0 && place.kind !== 'compute') throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `only a compute carries links here, not ${change.before.location}`);
      const vectors = [];
      for (const l of links) vectors.push(linkVector(l, await resolveTarget(l, (t) => this.#reader.find(s, t))));
      for (const [method, ...params] of calls) await s.call(method, ...params);
      let vm = doc;
      for (const { name, vector } of vectors) vm = (await attach(s, vm, name, vector)).vm;
      // A user's own entity (all a non-administrator sees) takes tags from their name space, which is their
      // signed-in owner (`opennebula:alice`), not oned's UNAME (`alice`) the entity shows.
      await this.#setTags(ctx.admin ? change.before.owner ?? ctx.owner : ctx.owner, change.before.location, change.after.mixins);
      out.push(await this.#reader.fresh(s, place, change.before.location));
    }
    return out;
  }

  async delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void> {
    const s = await this.oned.as(ctx);
    for (const location of locations) {
      const { place, entity } = await this.#reader.existing(s, location);
      if (ifVersion !== undefined && entity.version !== ifVersion) throw new PreconditionFailedError(`If-Match: ${location} changed; read it again`);
      await remove(s, place, false);
      if (place.kind === 'network') this.#reader.forgetNetworks(s.user);
      await this.#store().forget([location, ...(isResource(entity) ? entity.links.map((l) => l.location) : [])]);
    }
  }

  async invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: string): Promise<ActionResult[]> {
    const s = await this.oned.as(ctx);
    const model = this.#running();
    const out: ActionResult[] = [];
    for (const location of locations) {
      const { place, doc, entity } = await this.#reader.existing(s, location);
      if (!model.actionsFor(model.getKind(entity.kind), model.resolveMixins(entity.mixins)).includes(action)) {
        throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action ${action.term} is not defined for ${location}`);
      }
      if (place.kind !== 'compute') {
        throw new NotImplementedError(`${action.term} on ${location}: OpenNebula ${place.kind === 'network' ? 'virtual networks have no up/down' : 'images have no online/offline'}`);
      }
      if (ifVersion !== undefined && entity.version !== ifVersion) throw new PreconditionFailedError(`If-Match: ${location} changed; read it again`);
      if (!entity.actions?.includes(action.id)) {
        throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `${action.term} is not valid for ${location} while it is ${String(entity.attributes['occi.compute.state.message'])}`);
      }
      if (action.term === 'save') {
        const name = typeof parameters.name === 'string' ? parameters.name : `${slug(asText(doc.NAME))}-saved-${Date.now().toString(36)}`;
        const saved = await this.#templates.save(s, doc, name);
        const mixin = this.#templates.mixin(saved);
        const offered = model.mixins.filter((m) => m.scheme === this.#templates.osScheme && model.visibleTo(ctx.owner).findMixin(m.id));
        model.offerMixins(ctx.owner, [...offered, mixin]);
        out.push({ type: 'mixin', mixin: model.getMixin(mixin.id) });
        continue;
      }
      await s.call('one.vm.action', vmActionName(action.term, parameters.method)!, place.id);
      out.push({ type: 'entity', entity: await this.#reader.fresh(s, place, location) });
    }
    return out;
  }

  async defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    await this.#store().define(ctx, mixin);
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    await this.#store().remove(ctx, mixin.id, mixin.owner);
  }

  async #create(s: Session, d: EntityDraft, owner: string): Promise<Entity> {
    if (d.kind.location === undefined) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `${d.kind.term} has no location: it cannot be instantiated`);
    let place: Place;
    switch (d.kind.id) {
      case COMPUTE.id:
        place = { kind: 'compute', id: await createVm(s, { templates: this.#templates, find: (t) => this.#reader.find(s, t) }, d) };
        break;
      case NETWORK.id:
        place = { kind: 'network', id: await createVnet(s, d, this.#options.vnMad) };
        this.#reader.forgetNetworks(s.user);
        break;
      case STORAGE.id:
        place = { kind: 'storage', id: await createImage(s, d, this.#options.datastore) };
        break;
      case NETWORKINTERFACE.id:
      case STORAGELINK.id: {
        const source = parseLocation(d.source ?? '');
        const vm = source?.kind === 'compute' ? (await this.#reader.read(s, source, d.source!))?.doc : undefined;
        if (!vm) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no compute at ${d.source ?? '(none)'} to link from`);
        const { name, vector } = linkVector(d, await resolveTarget(d, (t) => this.#reader.find(s, t)));
        const { sub } = await attach(s, vm, name, vector);
        place = { kind: d.kind.id === NETWORKINTERFACE.id ? 'networkinterface' : 'storagelink', vm: Number(asText(vm.ID)), sub: Number(sub) };
        break;
      }
      default:
        throw new NotImplementedError(`creating ${d.kind.term}: the opennebula backend creates compute, network, storage and their links`);
    }
    const location = 'id' in place ? `${d.kind.location}${place.id}` : `${d.kind.location}${linkId(place.vm, place.sub)}`;
    try {
      await this.#setTags(owner, location, d.mixins.map((m) => m.id));
      return await this.#reader.fresh(s, place, location);
    } catch (err) {
      // The client hears of a failure: what was made goes again (best effort), nothing half-done.
      await remove(s.unbounded(), place, true).catch(() => undefined);
      await this.#store().forget([location]).catch(() => undefined);
      throw err;
    }
  }

  /** The user mixins of `owner` (the entity's owner: their name space) among `mixins` become the location's tags. */
  #setTags(owner: string, location: string, mixins: readonly string[]): Promise<void> {
    const view = this.#running().visibleTo(owner);
    return this.#store().set(owner, location, mixins.filter((id) => view.findMixin(id)?.origin === 'user'));
  }

  #store(): TagStore {
    if (!this.#tags) throw new Error('the opennebula backend is not started');
    return this.#tags;
  }

  #running(): Model {
    if (!this.#model) throw new Error('the opennebula backend is not started');
    return this.#model;
  }
}

/** Deletes in oned what is at a place: a VM is terminated (hard), a NIC or disk unplugged; `force` deletes an image still LOCKED. */
async function remove(s: Session, place: Place, force: boolean): Promise<void> {
  if ('vm' in place) await s.call(place.kind === 'networkinterface' ? 'one.vm.detachnic' : 'one.vm.detach', place.vm, place.sub);
  else if (place.kind === 'compute') await s.call('one.vm.action', 'terminate-hard', place.id);
  else if (place.kind === 'network') await s.call('one.vn.delete', place.id);
  else await s.call('one.image.delete', place.id, force);
}

/** Networks and links change only their tags here: any other attribute is 501 (checked before anything is sent). */
function unchanged(change: EntityChange): [] {
  const { before, after } = change;
  for (const n of new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)])) {
    if (after.attributes[n] === undefined || after.attributes[n] === before.attributes[n] || /\.state(\.message)?$/.test(n)) continue;
    throw new NotImplementedError(`changing ${n} of ${before.location}: the opennebula backend changes only the tags of networks and links`);
  }
  return [];
}
