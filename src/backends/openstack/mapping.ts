/**
 * OpenStack's objects as OCCI entities, one way (the other way is in the
 * kind modules). Pure functions: what a listing fetched goes in, entities
 * come out. Locations carry the cloud's ids: `/compute/<server>`,
 * `/network/<network>`, `/storage/<volume>`, `/networkinterface/<port>`,
 * `/networkinterface/fip-<floating ip>` (a floating IP: a link to the
 * external network), `/storagelink/<server>_<volume>`.
 */
import { createHash } from 'node:crypto';
import {
  COMPUTE, IPNETWORK, IPNETWORKINTERFACE, NETWORK, OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA, SSH_KEY, NETWORKINTERFACE, RESTART, SAVE, START, STOP,
  STORAGE, STORAGELINK, SUSPEND, UP, DOWN, USER_DATA, type Attributes, type Entity, type Link, type Resource,
} from '../../model/index.js';
import type { Volume } from './cinder.js';
import type { FloatingIp, Network, Port, Subnet } from './neutron.js';
import type { Server } from './nova-types.js';

/** What the mapping needs besides the objects themselves. */
export interface Lookups {
  /** Type id of the os_tpl mixin of an image id, when the image is offered. */
  osTemplate(imageId: string): string | undefined;
  /** Type id of the resource_tpl mixin of a flavour name. */
  resourceTemplate(flavorName: string): string | undefined;
  /** `x64`/`x86` of an image, when it says. */
  architecture(imageId: string): string | undefined;
  subnets: ReadonlyMap<string, Subnet>;
  /** Networks by id (for a link's target kind and the external network). */
  networks: ReadonlyMap<string, Network>;
  /** User mixins (tags) by location. */
  tags: ReadonlyMap<string, readonly string[]>;
  /** Public keys of the user's keypairs, by name (a server shows only its key's name). */
  keys: ReadonlyMap<string, string>;
}

/** Server metadata naming the ports and volumes made for it at boot (`occi:port:0`, `occi:volume:0`...). */
export const METADATA_PORT = 'occi:port:';
export const METADATA_VOLUME = 'occi:volume:';
/**
 * Server metadata naming the context mixins the client chose at creation,
 * shown back as named: OpenStack's 1.1-era `public_key` / `user_data`
 * instead of OCCI's `ssh_key`, and whether user data was given (Nova shows
 * it to administrators only, so the mixin is shown without its value); and
 * the name OpenStack's key mixin gave the key.
 */
export const METADATA_CONTEXT = 'occi:context';
export const METADATA_KEY_NAME = 'occi:key-name';
export const CONTEXT_MIXINS = [SSH_KEY, OPENSTACK_PUBLIC_KEY, USER_DATA, OPENSTACK_USER_DATA] as const;

/** Nova status → OCCI state; a task in progress keeps the state and shows the task. */
const SERVER_STATE: Partial<Record<Server['status'], string>> = {
  ACTIVE: 'active', SHUTOFF: 'inactive', SUSPENDED: 'suspended', PAUSED: 'suspended', ERROR: 'error', BUILD: 'inactive',
  REBOOT: 'active', HARD_REBOOT: 'active', RESIZE: 'active', VERIFY_RESIZE: 'active', REVERT_RESIZE: 'active', REBUILD: 'inactive',
  SHELVED: 'inactive', SHELVED_OFFLOADED: 'inactive', MIGRATING: 'active', PASSWORD: 'active', RESCUE: 'active',
};

/** The actions Nova accepts in a status, when no task runs (Nova's own state checks, compute/api.py). */
const SERVER_ACTIONS: Partial<Record<Server['status'], readonly string[]>> = {
  ACTIVE: [STOP.id, RESTART.id, SUSPEND.id, SAVE.id],
  SHUTOFF: [START.id, RESTART.id, SAVE.id],
  SUSPENDED: [START.id],
  PAUSED: [START.id],
  ERROR: [STOP.id, RESTART.id],
};

export function computeEntity(server: Server, ports: readonly Port[], floating: readonly FloatingIp[], volumes: readonly Volume[], l: Lookups): Resource {
  const location = COMPUTE.location + server.id;
  const task = server['OS-EXT-STS:task_state'];
  const attributes: Attributes = {
    'occi.core.title': server.name,
    'occi.compute.state': SERVER_STATE[server.status] ?? 'error',
    'occi.compute.hostname': server['OS-EXT-SRV-ATTR:hostname'] ?? server.name,
    'occi.compute.cores': server.flavor.vcpus,
    'occi.compute.memory': server.flavor.ram / 1024,
  };
  if (server.description) attributes['occi.core.summary'] = server.description;
  const message = task ?? (server.status === 'ERROR' ? server.fault?.message : undefined) ?? (SERVER_STATE[server.status] ? undefined : server.status.toLowerCase());
  if (message) attributes['occi.compute.state.message'] = message;
  const imageId = server.image === '' ? undefined : server.image.id;
  const arch = imageId && l.architecture(imageId);
  if (arch) attributes['occi.compute.architecture'] = arch;
  const key = server.key_name ? l.keys.get(server.key_name) : undefined;
  const named = (server.metadata[METADATA_CONTEXT] ?? '').split(' ');
  const context: string[] = [];
  if (key && named.includes(OPENSTACK_PUBLIC_KEY.id)) {
    context.push(OPENSTACK_PUBLIC_KEY.id);
    attributes['org.openstack.credentials.publickey.data'] = key;
    const name = server.metadata[METADATA_KEY_NAME];
    if (name) attributes['org.openstack.credentials.publickey.name'] = name;
  } else if (key) {
    context.push(SSH_KEY.id);
    attributes['occi.credentials.ssh.publickey'] = key;
  }
  context.push(...[USER_DATA.id, OPENSTACK_USER_DATA.id].filter((id) => named.includes(id)));
  const mixins = [imageId && l.osTemplate(imageId), l.resourceTemplate(server.flavor.original_name), ...context, ...(l.tags.get(location) ?? [])]
    .filter((m): m is string => typeof m === 'string');
  // Ports and volumes made for it at boot are its links from the start, before Nova has bound and attached them.
  const [bootPorts, bootVolumes] = [new Set(bootIds(server, METADATA_PORT)), new Set(bootIds(server, METADATA_VOLUME))];
  // Nova lists a volume as the server's as soon as it accepts the attach; Cinder shows the attachment once it is done.
  for (const v of server['os-extended-volumes:volumes_attached']) bootVolumes.add(v.id);
  const mine = ports.filter((p) => p.device_id === server.id || bootPorts.has(p.id)).sort(byCreation((p) => (p as Port & { created_at?: string }).created_at ?? ''));
  const links: Link[] = [
    ...mine.map((p, i) => portLink(p, i, server, l)),
    ...floating.filter((f) => f.port_id && mine.some((p) => p.id === f.port_id)).map((f) => floatingLink(f, server, l)),
    ...volumes.flatMap((v) => {
      const attached = v.attachments.filter((a) => a.server_id === server.id);
      if (attached.length === 0 && bootVolumes.has(v.id)) return [volumeLink(server.id, v, undefined, l)];
      return attached.map((a) => volumeLink(server.id, v, a.device, l));
    }),
  ];
  return withVersion({
    id: server.id, kind: COMPUTE.id, mixins, attributes, location, version: '', links,
    actions: task || server.status === 'BUILD' ? [] : (SERVER_ACTIONS[server.status] ?? []),
  });
}

function portLink(port: Port, index: number, server: Server, l: Lookups): Link {
  const ip = port.fixed_ips[0];
  const subnet = ip && l.subnets.get(ip.subnet_id);
  const attributes: Attributes = {
    'occi.networkinterface.interface': `eth${index}`,
    'occi.networkinterface.mac': port.mac_address,
    // A port is usable once the server is up; the test ML2 driver here never reports a port ACTIVE itself.
    'occi.networkinterface.state': port.status === 'ACTIVE' || (port.status !== 'ERROR' && server.status === 'ACTIVE') ? 'active' : 'inactive',
  };
  if (ip) {
    attributes['occi.networkinterface.address'] = ip.ip_address;
    if (subnet?.gateway_ip) attributes['occi.networkinterface.gateway'] = subnet.gateway_ip;
    attributes['occi.networkinterface.allocation'] = subnet?.enable_dhcp === false ? 'static' : 'dynamic';
  }
  return link(NETWORKINTERFACE.id, port.id, server.id, NETWORK.location + port.network_id, NETWORK.id, ip ? [IPNETWORKINTERFACE.id] : [], attributes, l);
}

function floatingLink(fip: FloatingIp, server: Server, l: Lookups): Link {
  const attributes: Attributes = {
    'occi.networkinterface.interface': 'public',
    'occi.networkinterface.mac': '00:00:00:00:00:00',
    'occi.networkinterface.state': fip.status === 'ERROR' ? 'error' : 'active',
    'occi.networkinterface.address': fip.floating_ip_address,
    'occi.networkinterface.allocation': 'dynamic',
  };
  return link(NETWORKINTERFACE.id, `fip-${fip.id}`, server.id, NETWORK.location + fip.floating_network_id, NETWORK.id, [IPNETWORKINTERFACE.id], attributes, l);
}

function volumeLink(serverId: string, volume: Volume, device: string | undefined, l: Lookups): Link {
  const attributes: Attributes = { 'occi.storagelink.state': volume.status === 'in-use' && device !== undefined ? 'active' : 'inactive' };
  if (device !== undefined) attributes['occi.storagelink.deviceid'] = device;
  if (volume.status !== 'in-use') attributes['occi.storagelink.state.message'] = volume.status;
  return link(STORAGELINK.id, `${serverId}_${volume.id}`, serverId, STORAGE.location + volume.id, STORAGE.id, [], attributes, l);
}

function link(kind: string, id: string, serverId: string, target: string, targetKind: string, mixins: string[], attributes: Attributes, l: Lookups): Link {
  const location = (kind === STORAGELINK.id ? STORAGELINK.location : NETWORKINTERFACE.location) + id;
  return withVersion({
    id, kind, mixins: [...mixins, ...(l.tags.get(location) ?? [])], attributes, location, version: '',
    source: COMPUTE.location + serverId, sourceKind: COMPUTE.id, target, targetKind,
  });
}

export function networkEntity(network: Network, l: Lookups): Resource {
  const location = NETWORK.location + network.id;
  const up = network.admin_state_up && network.status === 'ACTIVE';
  const attributes: Attributes = { 'occi.core.title': network.name, 'occi.network.state': up ? 'active' : 'inactive' };
  if (network.status !== 'ACTIVE') attributes['occi.network.state.message'] = network.status.toLowerCase();
  const subnet = network.subnets.map((id) => l.subnets.get(id)).find((s) => s?.ip_version === 4) ?? l.subnets.get(network.subnets[0]);
  const mixins: string[] = [];
  if (subnet) {
    mixins.push(IPNETWORK.id);
    attributes['occi.network.address'] = subnet.cidr;
    if (subnet.gateway_ip) attributes['occi.network.gateway'] = subnet.gateway_ip;
    attributes['occi.network.allocation'] = subnet.enable_dhcp ? 'dynamic' : 'static';
  }
  mixins.push(...(l.tags.get(location) ?? []));
  const settled = network.status === 'ACTIVE' || network.status === 'DOWN';
  return withVersion({
    id: network.id, kind: NETWORK.id, mixins, attributes, location, version: '', links: [],
    actions: settled ? [network.admin_state_up ? DOWN.id : UP.id] : [],
  });
}

/** Cinder status → OCCI storage state; `available` and `in-use` are a volume that can be used. */
export function storageEntity(volume: Volume, l: Lookups): Resource {
  const location = STORAGE.location + volume.id;
  const online = volume.status === 'available' || volume.status === 'in-use';
  const attributes: Attributes = {
    'occi.core.title': volume.name ?? volume.id,
    'occi.storage.size': volume.size,
    'occi.storage.state': online ? 'online' : volume.status.startsWith('error') ? 'error' : 'offline',
  };
  if (!online) attributes['occi.storage.state.message'] = volume.status;
  if (volume.description) attributes['occi.core.summary'] = volume.description;
  // Cinder cannot take a volume offline, and an online one is already online: no action is valid.
  return withVersion({ id: volume.id, kind: STORAGE.id, mixins: [...(l.tags.get(location) ?? [])], attributes, location, version: '', links: [], actions: [] });
}

/**
 * The version is a digest of what the entity shows: Nova's `updated` has
 * one-second resolution and Neutron's and Cinder's change on things we do not
 * render, so a digest changes exactly when the rendering does.
 */
function withVersion<T extends Entity>(entity: T): T {
  entity.version = createHash('sha1').update(JSON.stringify(entity)).digest('base64url').slice(0, 16);
  return entity;
}

/** Oldest first; creation times have one-second resolution, so the id breaks ties: the same order every time. */
export function byCreation<T extends { id: string }>(created: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const [ca, cb] = [created(a), created(b)];
    return ca < cb ? -1 : ca > cb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** The ids the server's metadata names under a prefix: the ports or volumes made for it at boot. */
export function bootIds(server: Server, prefix: string): string[] {
  return Object.entries(server.metadata).filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
}

/** Splits an entity location into kind location and id (`/storagelink/<s>_<v>` → both ids). */
export function parseLocation(location: string): { collection: string; id: string } | undefined {
  const m = /^(\/[a-z]+\/)([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(location);
  return m ? { collection: m[1], id: m[2] } : undefined;
}
