import { createHash } from 'node:crypto';
import { BackendTimeoutError, ConflictError, NotImplementedError, ValidationError } from '../../errors.js';
import {
  COMPUTE, NETWORK, NETWORKINTERFACE, OS_TPL, RESOURCE_TPL, STORAGE, STORAGELINK, templateFamily, type Attributes, type EntityDraft,
} from '../../model/index.js';
import type { ProjectCatalog } from './catalog.js';
import { OpenStackError } from './errors.js';
import { CONTEXT_MIXINS, METADATA_CONTEXT, METADATA_KEY_NAME, METADATA_PORT, METADATA_VOLUME, parseLocation } from './mapping.js';
import type { Network, Port } from './neutron.js';
import type { BlockDeviceMapping, Flavor } from './nova-types.js';
import type { Session } from './session.js';

/**
 * Creates entities one after another, as OpenStack's APIs take them (not
 * atomic: a failure leaves the earlier ones), and returns their locations.
 * A compute's inline links are made with it: ports are created first (so the
 * interfaces and their MACs exist when the answer goes out), volumes are
 * attached at boot; if the boot fails, the ports made for it are deleted.
 */
export async function createEntities(s: Session, drafts: readonly EntityDraft[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of drafts) {
    let location: string;
    switch (d.kind.id) {
      case COMPUTE.id:
        location = await createCompute(s, d);
        break;
      case NETWORK.id:
        location = await createNetwork(s, d);
        break;
      case STORAGE.id:
        location = await createStorage(s, d);
        break;
      case NETWORKINTERFACE.id:
      case STORAGELINK.id:
        location = await createLink(s, d, d.source, d.target);
        break;
      default:
        if (d.kind.location === undefined) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `${d.kind.term} cannot be instantiated`);
        throw new NotImplementedError(`creating ${d.kind.term}: OpenStack has no such resource`);
    }
    const tags = d.mixins.filter((m) => m.origin === 'user').map((m) => m.id);
    if (tags.length > 0) await s.tags.set(s.ctx.owner, location, tags);
    out.push(location);
  }
  return out;
}

async function createCompute(s: Session, d: EntityDraft): Promise<string> {
  const { nova, neutron } = s.clients;
  const catalog = await s.catalog.get(s.project, s.clients, s.call);
  const image = imageOf(s, d, catalog);
  const flavor = flavorOf(s, d, catalog);
  // Every inline link is checked before anything is made: a bad one leaves nothing behind.
  const nics: Network[] = [];
  const disks: string[] = [];
  for (const l of d.links) {
    const target = await targetOf(s, l.kind.id, l.target ?? '', catalog);
    if (l.kind.id === NETWORKINTERFACE.id) nics.push(target as Network);
    else disks.push((target as { id: string }).id);
  }
  const external = nics.filter((n) => n['router:external']);
  if (external.length > 0) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `link ${NETWORK.location}${external[0].id} (a floating IP) once the compute exists: POST it to ${NETWORKINTERFACE.location}`);
  }
  const keyName = await keypairOf(s, d.attributes);
  const ports: Port[] = [];
  try {
    for (const n of nics) ports.push(await neutron.createPort({ network_id: n.id, name: `occi-${d.attributes['occi.core.title'] ?? 'compute'}` }, s.call));
    const bdm: BlockDeviceMapping[] = disks.length === 0 ? [] : [
      { boot_index: 0, uuid: image, source_type: 'image', destination_type: 'local', delete_on_termination: true },
      ...disks.map((uuid): BlockDeviceMapping => ({ boot_index: -1, uuid, source_type: 'volume', destination_type: 'volume', delete_on_termination: false })),
    ];
    const userData = userDataOf(d.attributes);
    const created = await nova.createServer({
      name: String(d.attributes['occi.core.title'] ?? d.attributes['occi.compute.hostname'] ?? 'occi-compute'),
      flavorRef: flavor.id,
      imageRef: image,
      networks: ports.length > 0 ? ports.map((p) => ({ port: p.id })) : 'none',
      // Nova keeps ports it was given when the server goes; these name ours, so that deleting the compute deletes them too.
      metadata: Object.fromEntries([
        ...ports.map((p, i) => [`${METADATA_PORT}${i}`, p.id]), ...disks.map((v, i) => [`${METADATA_VOLUME}${i}`, v]), ...contextMetadata(d),
      ]),
      ...(keyName ? { key_name: keyName } : {}),
      ...(userData ? { userData } : {}),
      ...(bdm.length > 0 ? { block_device_mapping_v2: bdm } : {}),
      ...(typeof d.attributes['occi.core.summary'] === 'string' ? { description: d.attributes['occi.core.summary'] } : {}),
    }, s.call);
    return COMPUTE.location + created.id;
  } catch (err) {
    await Promise.allSettled(ports.map((p) => neutron.deletePort(p.id, s.call)));
    throw err;
  }
}

/** The context mixins the draft names and OpenStack's key name, kept in the server's metadata to be shown back as named. */
function contextMetadata(d: EntityDraft): Array<[string, string]> {
  const named = CONTEXT_MIXINS.filter((m) => d.mixins.some((x) => x.id === m.id)).map((m) => m.id);
  const name = d.attributes['org.openstack.credentials.publickey.name'];
  return [
    ...(named.length > 0 ? [[METADATA_CONTEXT, named.join(' ')] as [string, string]] : []),
    // Nova's metadata values hold 255 characters.
    ...(typeof name === 'string' && name !== '' ? [[METADATA_KEY_NAME, name.slice(0, 255)] as [string, string]] : []),
  ];
}

/** The image of the draft's os_tpl: one of ours, which this project can boot. */
function imageOf(s: Session, d: EntityDraft, catalog: ProjectCatalog): string {
  const os = d.mixins.find((m) => templateFamily(m) === OS_TPL);
  const image = os ? s.catalog.imageOf(os.id, catalog) : catalog.images.find((i) => i.id === s.defaultImage || i.name === s.defaultImage);
  if (!image) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_CATEGORY',
      os ? `${os.id} is not an image this project can boot` : `name an OS template (an image): the query interface filtered by ${OS_TPL.id} lists them`,
    );
  }
  return image.id;
}

/** The draft's resource_tpl, else the smallest flavour with at least the cores and memory asked for. */
function flavorOf(s: Session, d: EntityDraft, catalog: ProjectCatalog): Flavor {
  const named = d.mixins.find((m) => templateFamily(m) === RESOURCE_TPL);
  if (named) {
    const flavor = s.catalog.flavorOf(named.id, catalog);
    if (!flavor) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `${named.id} is not a flavour of this project`);
    return flavor;
  }
  const cores = Number(d.attributes['occi.compute.cores'] ?? 0);
  const memory = Number(d.attributes['occi.compute.memory'] ?? 0) * 1024;
  const fits = catalog.flavors.filter((f) => f.vcpus >= cores && f.ram >= memory).sort((a, b) => a.vcpus - b.vcpus || a.ram - b.ram || a.disk - b.disk);
  if (fits.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `no flavour has ${cores} cores and ${memory / 1024} GiB of memory`);
  return fits[0];
}

/** A public key (ssh_key, or the OpenStack public_key mixin) imported as a keypair named after its digest. */
async function keypairOf(s: Session, attributes: Attributes): Promise<string | undefined> {
  const key = attributes['occi.credentials.ssh.publickey'] ?? attributes['org.openstack.credentials.publickey.data'];
  if (typeof key !== 'string' || key.trim() === '') return undefined;
  const text = /^ssh-|^ecdsa-/.test(key.trim()) ? key.trim() : Buffer.from(key, 'base64').toString('utf8').trim();
  const name = `occi-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  try {
    await s.clients.nova.createKeypair({ name, public_key: text }, s.call);
  } catch (err) {
    // The same key imported before by this user: reuse it.
    if (!(err instanceof OpenStackError && err.status === 409)) throw err;
  }
  return name;
}

/** `occi.compute.userdata` (or OpenStack's user_data mixin) is Base64; Nova gets the bytes. */
function userDataOf(attributes: Attributes): Uint8Array | undefined {
  const value = attributes['occi.compute.userdata'] ?? attributes['org.openstack.compute.user_data'];
  if (typeof value !== 'string' || value === '') return undefined;
  return /^[A-Za-z0-9+/\s]+=*$/.test(value) ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
}

async function createNetwork(s: Session, d: EntityDraft): Promise<string> {
  const { neutron } = s.clients;
  const network = await neutron.createNetwork({ name: String(d.attributes['occi.core.title'] ?? 'occi-network') }, s.call);
  // Nova boots only on ports with an address: a network always gets an IPv4 subnet, the one asked for or a private /24.
  const cidr = d.attributes['occi.network.address'];
  {
    try {
      await neutron.createSubnet({
        network_id: network.id, ip_version: 4, cidr: typeof cidr === 'string' ? cidr : privateCidr(network.id),
        ...(typeof d.attributes['occi.network.gateway'] === 'string' ? { gateway_ip: d.attributes['occi.network.gateway'] } : {}),
        enable_dhcp: d.attributes['occi.network.allocation'] !== 'static',
      }, s.call);
    } catch (err) {
      await neutron.deleteNetwork(network.id, s.call).catch(() => undefined);
      throw err;
    }
  }
  s.catalog.invalidate(s.project);
  return NETWORK.location + network.id;
}

/** A 10.x.y.0/24 picked from the network's id: distinct networks of a project rarely share one. */
function privateCidr(id: string): string {
  const h = createHash('sha256').update(id).digest();
  return `10.${h[0]}.${h[1]}.0/24`;
}

async function createStorage(s: Session, d: EntityDraft): Promise<string> {
  const size = Math.max(1, Math.ceil(Number(d.attributes['occi.storage.size'] ?? 1)));
  const volume = await s.clients.cinder.createVolume({ size, name: String(d.attributes['occi.core.title'] ?? 'occi-storage') }, s.call);
  return STORAGE.location + volume.id;
}

/** A stand-alone link: a port attached to a server, a floating IP for an external network, a volume attachment. */
async function createLink(s: Session, d: EntityDraft, source: string | undefined, target: string | undefined): Promise<string> {
  const { nova, neutron } = s.clients;
  const from = parseLocation(source ?? '');
  if (!from || from.collection !== COMPUTE.location) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `the source of a ${d.kind.term} must be a compute, not ${source ?? '(none)'}`);
  const catalog = await s.catalog.get(s.project, s.clients, s.call);
  try {
    await nova.getServer(from.id, s.call);
  } catch (err) {
    if (err instanceof OpenStackError && err.status === 404) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no compute at ${source}`);
    throw err;
  }
  const to = await targetOf(s, d.kind.id, target ?? '', catalog);
  await settledServer(s, from.id);
  if (d.kind.id === STORAGELINK.id) {
    // A volume just made is `creating` for a moment: Nova attaches only an available one.
    let volume = await s.clients.cinder.getVolume(to.id, s.call);
    if (volume.status === 'creating') {
      await until(s, `${target} was still being created`, async () => (volume = await s.clients.cinder.getVolume(to.id, s.call)).status !== 'creating');
    }
    const inUse = (servers: readonly string[], cause?: unknown) =>
      new ConflictError('OCCI_ERR_CONFLICT_STATE', `${target} is linked to ${servers.map((id) => COMPUTE.location + id).join(', ') || 'a compute'} already: a storage is linked to one compute at a time (delete that storagelink first)`, { cause });
    if (!volume.multiattach && ((volume.attachments ?? []).length > 0 || ['in-use', 'attaching', 'reserved'].includes(String(volume.status)))) {
      throw inUse((volume.attachments ?? []).map((a) => a.server_id));
    }
    const device = d.attributes['occi.storagelink.deviceid'];
    try {
      await nova.attachVolume(from.id, { volumeId: to.id, ...(typeof device === 'string' ? { device } : {}) }, s.call);
    } catch (err) {
      // Attached by another request meanwhile: Nova says 400 "Invalid volume: ... already attached".
      if (err instanceof OpenStackError && err.status === 400 && /already attached/i.test(err.reason)) throw inUse([], err);
      throw err;
    }
    return `${STORAGELINK.location}${from.id}_${to.id}`;
  }
  if ((to as Network)['router:external']) {
    const [port] = await neutron.listPorts({ device_id: from.id }, s.call);
    if (!port) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `a floating IP needs the compute to have an interface on a private network first`);
    try {
      // Allocated and associated in one call: when Neutron refuses, no floating IP is left behind.
      const fip = await neutron.createFloatingIp({ floating_network_id: to.id, port_id: port.id }, s.call);
      return `${NETWORKINTERFACE.location}fip-${fip.id}`;
    } catch (err) {
      if (err instanceof OpenStackError && err.type === 'ExternalGatewayForFloatingIPNotFound') {
        throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `no router joins the network of ${source} to ${target}: a floating IP needs a router with its gateway on ${target} and an interface on the compute's subnet (${err.reason})`, { cause: err });
      }
      throw err;
    }
  }
  const attached = await nova.attachInterface(from.id, { net_id: to.id }, s.call);
  return NETWORKINTERFACE.location + attached.port_id;
}

/**
 * Waits (within the request's deadline) while the server is still being
 * built: Nova refuses to attach anything before, and a client that has just
 * created a compute expects to link it at once.
 */
export async function settledServer(s: Session, id: string): Promise<void> {
  await until(s, `${COMPUTE.location}${id} was still busy`, async () => {
    const server = await s.clients.nova.getServer(id, s.call);
    return server.status === 'ERROR' || (server.status !== 'BUILD' && !server['OS-EXT-STS:task_state']);
  });
}

/** Polls `done` with a growing pause, within the request's deadline (and `maxMs`); past it BackendTimeoutError. */
export async function until(s: Session, what: string, done: () => Promise<boolean>, maxMs = Infinity): Promise<void> {
  const end = Date.now() + maxMs;
  for (let wait = 100; !(await done()); wait = Math.min(wait * 2, 1000)) {
    if (s.call.signal?.aborted || Date.now() + wait > end) throw new BackendTimeoutError(`OpenStack: ${what} at the request's deadline`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** The network or volume a link points to, visible to this project; anything else is a 400. */
async function targetOf(s: Session, kind: string, target: string, catalog: ProjectCatalog): Promise<Network | { id: string }> {
  const where = parseLocation(target);
  const wants = (kind === STORAGELINK.id ? STORAGE.location : NETWORK.location)!;
  if (!where || where.collection !== wants) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `a ${kind === STORAGELINK.id ? 'storagelink' : 'networkinterface'} must target a ${wants.slice(1, -1)} of this provider, not ${target || '(none)'}`);
  }
  try {
    if (kind === STORAGELINK.id) return await s.clients.cinder.getVolume(where.id, s.call);
    return catalog.networks.get(where.id) ?? (await s.clients.neutron.getNetwork(where.id, s.call));
  } catch (err) {
    if (err instanceof OpenStackError && err.status === 404) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no ${wants.slice(1, -1)} at ${target}`);
    throw err;
  }
}

