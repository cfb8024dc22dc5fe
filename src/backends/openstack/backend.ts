import {
  COMPUTE, LINK, NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK,
  type Action, type Attributes, type Entity, type EntityDraft, type Mixin, type Model, type Resource,
} from '../../model/index.js';
import { BackendUnavailableError, NotImplementedError } from '../../errors.js';
import type { ActionResult, Backend, Capabilities, EntityChange, Health, ListQuery, ListResult, RequestContext } from '../backend.js';
import { startTagStore, type StoreKind, type TagStore } from '../embedded/index.js';
import { selectPage } from '../select.js';
import { TemplateCatalog, architecture, type ProjectCatalog } from './catalog.js';
import type { ClientsOptions } from './clients.js';
import { createEntities, until } from './create.js';
import { changeEntities, deleteEntities, invokeAction } from './change.js';
import { UpstreamCounter } from './http.js';
import { METADATA_PORT, METADATA_VOLUME, bootIds, byCreation, computeEntity, networkEntity, parseLocation, storageEntity, type Lookups } from './mapping.js';
import type { Volume } from './cinder.js';
import type { FloatingIp } from './neutron.js';
import { isNotFound, mapped, openSession, type Session } from './session.js';

export interface OpenStackOptions {
  /** Region of the endpoints taken from the catalog (any when unset). */
  readonly region?: string;
  /** Catalog interface: public, internal or admin. */
  readonly interface: 'public' | 'internal' | 'admin';
  /** Milliseconds one OpenStack call may take (the request's deadline may cut it shorter). */
  readonly timeoutMs: number;
  /** Milliseconds a project's images, flavours and networks are kept. */
  readonly cacheTtlMs: number;
  /** Scheme base of the templates: `<scheme>os_tpl#`, `<scheme>resource_tpl#`. */
  readonly scheme: string;
  /** Directory of occi-server's own store of user mixins (`tags.sqlite`); `:memory:` in tests. */
  readonly dataDir: string;
  /** Where the TagStore lives: `sqlite` (default, `dataDir`) or `postgres` (`databaseUrl`, shared by several instances). */
  readonly store?: StoreKind;
  readonly databaseUrl?: string;
  /** Name or id of the image a compute without an OS template boots. */
  readonly defaultImage?: string;
}

/**
 * OCCI in front of an OpenStack cloud: compute ↔ Nova servers, network ↔
 * Neutron networks (ipnetwork from their subnets), storage ↔ Cinder volumes,
 * networkinterface ↔ Neutron ports on a server (a link to an external
 * network: a floating IP), storagelink ↔ volume attachments, os_tpl ↔ Glance
 * images, resource_tpl ↔ Nova flavours. Every call is made as the requesting
 * user with their Keystone token; only user mixins live on our side (TagStore).
 * A listing is a constant number of calls (servers, ports, floating IPs,
 * volumes), never one per server.
 */
export class OpenStackBackend implements Backend {
  readonly name = 'openstack';
  readonly capabilities: Capabilities = {
    creatableKinds: [COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK].map((k) => k.id),
    userMixins: 'server',
    putCreate: false,
    clientIds: false,
    atomicBatches: false,
    state: 'eventual',
    externalTargets: false,
    conditionalWrites: false,
    // Cinder sizes volumes in whole GiB.
    storageSizeStep: 1,
  };
  /** Upstream calls made, for tests and the bench (calls per OCCI request). */
  readonly counter = new UpstreamCounter();
  readonly #options: OpenStackOptions;
  readonly #catalog: TemplateCatalog;
  #tags: TagStore | undefined;
  #model: Model | undefined;
  /** Endpoints seen in users' catalogs, for health(): service type → URL. */
  #endpoints = new Map<string, string>();

  constructor(options: OpenStackOptions) {
    this.#options = options;
    this.#catalog = new TemplateCatalog({ scheme: options.scheme, ttlMs: options.cacheTtlMs });
  }

  async start(model: Model): Promise<void> {
    const tags = await startTagStore({ store: this.#options.store, dir: this.#options.dataDir, databaseUrl: this.#options.databaseUrl }, model);
    this.#model = model;
    this.#tags = tags;
  }

  async stop(): Promise<void> {
    const tags = this.#tags;
    this.#tags = undefined;
    await tags?.close();
  }

  /** Follows user mixins other processes or instances defined or removed, and offers the project's images and flavours to the owner; a failure keeps the last view. */
  async refresh(model: Model, ctx: RequestContext): Promise<void> {
    try {
      await this.#tags?.refresh(model);
    } catch {
      // the tag store unreachable for now: the next request asks again
    }
    if (ctx.credentials?.scheme !== 'keystone') return;
    try {
      const s = this.#session(ctx);
      this.#catalog.offer(model, ctx.owner, await this.#catalog.get(s.project, s.clients, s.call));
    } catch {
      // serve the view we have; the request's own calls report what is wrong
    }
  }

  /** Asks each OpenStack service seen in a user's catalog for its version document (no token needed). */
  async health(): Promise<Health> {
    for (const [service, url] of this.#endpoints) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(this.#options.timeoutMs, 5000)) });
        await res.arrayBuffer();
        if (res.status >= 500) return { ok: false, detail: `${service} at ${url} answered ${res.status}` };
      } catch (err) {
        return { ok: false, detail: `${service} at ${url}: ${(err as Error).message}` };
      }
    }
    return { ok: true };
  }

  async get(ctx: RequestContext, location: string): Promise<Entity | undefined> {
    const s = this.#session(ctx);
    return mapped(() => getEntity(s, location));
  }

  async list(ctx: RequestContext, query: ListQuery): Promise<ListResult> {
    const s = this.#session(ctx);
    return mapped(async () => {
      const wanted = (k: string) => query.kinds === undefined || query.kinds.includes(k);
      return selectPage(this.#running(), await listEntities(s, wanted), query);
    });
  }

  async create(ctx: RequestContext, drafts: readonly EntityDraft[], at?: string): Promise<Entity[]> {
    if (at !== undefined) throw new NotImplementedError('PUT-create: OpenStack names its own servers, networks and volumes');
    const s = this.#session(ctx);
    const created = await mapped(() => createEntities(s, drafts));
    return mapped(() => Promise.all(created.map((l) => shown(s, l))));
  }

  async update(ctx: RequestContext, changes: readonly EntityChange[]): Promise<Entity[]> {
    const s = this.#session(ctx);
    await mapped(() => changeEntities(s, changes, (l) => getEntity(s, l)));
    return mapped(() => Promise.all(changes.map((c) => shown(s, c.before.location))));
  }

  async delete(ctx: RequestContext, locations: readonly string[], ifVersion?: string): Promise<void> {
    const s = this.#session(ctx);
    await mapped(() => deleteEntities(s, locations, ifVersion, (l) => getEntity(s, l)));
  }

  async invoke(ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes, ifVersion?: string): Promise<ActionResult[]> {
    const s = this.#session(ctx);
    const out: ActionResult[] = [];
    for (const l of locations) out.push(await mapped(() => invokeAction(s, l, action, parameters, ifVersion, (x) => getEntity(s, x))));
    return out;
  }

  async defineMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    this.#running();
    await this.#tags!.define(ctx, mixin);
  }

  async removeMixin(ctx: RequestContext, mixin: Mixin): Promise<void> {
    this.#running();
    await this.#tags!.remove(ctx, mixin.id, mixin.owner);
  }

  #session(ctx: RequestContext): Session {
    const model = this.#running();
    const clientOptions: ClientsOptions = {
      interface: this.#options.interface, region: this.#options.region, timeoutMs: this.#options.timeoutMs, counter: this.counter,
    };
    const s = openSession(ctx, { model, catalog: this.#catalog, tags: this.#tags!, clients: clientOptions, defaultImage: this.#options.defaultImage });
    if (this.#endpoints.size === 0) {
      for (const [service, http] of Object.entries(s.clients)) this.#endpoints.set(service, (http as { http: { endpoint: string } }).http.endpoint);
    }
    return s;
  }

  #running(): Model {
    if (!this.#model || !this.#tags) throw new Error('the openstack backend is not started');
    return this.#model;
  }
}

/** Everything a listing of these kinds needs, in one round of concurrent calls. */
async function listEntities(s: Session, wanted: (kind: string) => boolean): Promise<Entity[]> {
  const computes = wanted(COMPUTE.id) || wanted(NETWORKINTERFACE.id) || wanted(STORAGELINK.id) || wanted(LINK.id);
  const { nova, neutron } = s.clients;
  const [catalog, servers, ports, floating, volumes, networks, keypairs] = await Promise.all([
    s.catalog.get(s.project, s.clients, s.call),
    computes ? nova.listAllServers({}, s.call) : [],
    computes ? neutron.listPorts({}, s.call) : [],
    computes ? neutron.listFloatingIps({}, s.call) : [],
    computes || wanted(STORAGE.id) ? allVolumes(s) : [],
    wanted(NETWORK.id) ? neutron.listNetworks({}, s.call) : [],
    computes ? nova.listKeypairs(s.call) : [],
  ]);
  const l = { ...(await lookups(s, catalog)), keys: new Map(keypairs.map((k) => [k.name, k.public_key])) };
  const out: Entity[] = [];
  // Oldest first, as a collection is listed.
  const resources = servers.slice().sort(byCreation((x) => x.created)).map((x) => computeEntity(x, ports, floating, volumes, l));
  if (wanted(COMPUTE.id)) out.push(...resources);
  if (wanted(NETWORK.id)) out.push(...networks.slice().sort(byCreation((n) => n.created_at ?? '')).map((n) => networkEntity(n, l)));
  if (wanted(STORAGE.id)) out.push(...volumes.slice().sort(byCreation((v) => v.created_at)).map((v) => storageEntity(v, l)));
  for (const r of resources) {
    for (const link of r.links) if (wanted(link.kind) || wanted(LINK.id)) out.push(link);
  }
  return out;
}

async function allVolumes(s: Session): Promise<Volume[]> {
  const all: Volume[] = [];
  let marker: string | undefined;
  do {
    const page = await s.clients.cinder.listVolumes({ marker }, s.call);
    all.push(...page.items);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return all;
}

/** The mapping's lookups for one request: templates from the catalogue, tags of these locations in one query. */
export async function lookups(s: Session, catalog: ProjectCatalog): Promise<Lookups> {
  const images = new Map(catalog.images.map((i) => [i.id, i]));
  const known = (id: string) => (s.model.findMixin(id) ? id : undefined);
  return {
    osTemplate: (id) => (images.has(id) ? known(s.catalog.osTemplateId(id)) : undefined),
    resourceTemplate: (name) => known(s.catalog.resourceTemplateId(name)),
    architecture: (id) => {
      const image = images.get(id);
      return image && architecture(image);
    },
    subnets: catalog.subnets,
    networks: catalog.networks,
    tags: await s.tags.all(),
    keys: new Map(),
  };
}

/** An entity just written, as OpenStack shows it; made but not shown (yet) is a 503 naming it, never a crash. */
async function shown(s: Session, location: string): Promise<Entity> {
  const entity = await getEntity(s, location);
  if (!entity) throw new BackendUnavailableError(`OpenStack made ${location} but does not show it yet; read it again shortly`);
  return entity;
}

/** One entity by location, or undefined when OpenStack does not show it to this user. */
export async function getEntity(s: Session, location: string): Promise<Entity | undefined> {
  const where = parseLocation(location);
  if (!where) return undefined;
  const { neutron, cinder } = s.clients;
  try {
    switch (where.collection) {
      case COMPUTE.location:
        return await getCompute(s, where.id);
      case NETWORK.location: {
        const [network, catalog] = await Promise.all([neutron.getNetwork(where.id, s.call), s.catalog.get(s.project, s.clients, s.call)]);
        const subnets = network.subnets.some((id) => !catalog.subnets.has(id)) ? await neutron.listSubnets({ network_id: network.id }, s.call) : [];
        const l = await lookups(s, catalog);
        return networkEntity(network, { ...l, subnets: new Map([...catalog.subnets, ...subnets.map((x) => [x.id, x] as const)]) });
      }
      case STORAGE.location: {
        const [volume, catalog] = await Promise.all([cinder.getVolume(where.id, s.call), s.catalog.get(s.project, s.clients, s.call)]);
        return storageEntity(volume, await lookups(s, catalog));
      }
      case NETWORKINTERFACE.location: {
        const portId = where.id.startsWith('fip-') ? (await neutron.listFloatingIps({ id: where.id.slice(4) }, s.call))[0]?.port_id ?? 'none' : where.id;
        let port = await neutron.getPort(portId, s.call);
        // A port made for a server at boot is bound once Nova has placed the server: a few seconds.
        if (port.device_id === '' && port.name.startsWith('occi-')) {
          await until(s, `${location} was not bound to its compute yet`, async () => (port = await neutron.getPort(portId, s.call)).device_id !== '', 15_000);
        }
        return (await getCompute(s, port.device_id))?.links.find((x) => x.location === location);
      }
      case STORAGELINK.location: {
        const serverId = where.id.slice(0, where.id.indexOf('_'));
        return (await getCompute(s, serverId))?.links.find((x) => x.location === location);
      }
      default:
        return undefined;
    }
  } catch (err) {
    // Another project's server is a 403 from Nova's policy: as invisible as an absent one.
    if (isNotFound(err) || (err as { status?: number }).status === 403) return undefined;
    throw err;
  }
}

async function getCompute(s: Session, id: string): Promise<Resource | undefined> {
  if (id === '') return undefined;
  const { nova, neutron, cinder } = s.clients;
  const [server, ports, floating, catalog] = await Promise.all([
    nova.getServer(id, s.call),
    neutron.listPorts({ device_id: id }, s.call),
    neutron.listFloatingIps({}, s.call) as Promise<FloatingIp[]>,
    s.catalog.get(s.project, s.clients, s.call),
  ]);
  // While it is built, the ports and volumes made for it are named only in its metadata.
  const unbound = bootIds(server, METADATA_PORT).filter((p) => !ports.some((x) => x.id === p));
  const volumeIds = [...new Set([...server['os-extended-volumes:volumes_attached'].map((v) => v.id), ...bootIds(server, METADATA_VOLUME)])];
  const [volumes, key, more] = await Promise.all([
    // A volume named at boot may be gone since: the compute stays, without that link.
    Promise.all(volumeIds.map((v) => cinder.getVolume(v, s.call).catch((err) => {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }))).then((vs) => vs.filter((v) => v !== undefined)),
    server.key_name ? nova.getKeypair(server.key_name, s.call).catch(() => undefined) : undefined,
    unbound.length > 0 ? neutron.listPorts({ id: unbound }, s.call) : [],
  ]);
  ports.push(...more);
  const keys = new Map(key ? [[key.name, key.public_key]] : []);
  return computeEntity(server, ports, floating, volumes, { ...(await lookups(s, catalog)), keys });
}
