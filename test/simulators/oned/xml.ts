import { byName, type Tpl } from './one-template.js';
import type { Datastore, Group, Image, OnedState, Owned, Perms, User, VmTemplate, Vnet } from './state.js';

/**
 * Documents as oned writes them (xml-rpc.md §3.3): XSD sequence order, no
 * declaration, no namespace, text escaped (no CDATA), an empty value as
 * `<X></X>` and an empty collection as `<X/>`.
 */

export const esc = (s: string): string => s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
export const leaf = (name: string, value: string | number): string => `<${name}>${esc(String(value))}</${name}>`;
export const node = (name: string, inner: string): string => (inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`);
export const ids = (name: string, list: readonly number[]): string => node(name, list.map((id) => leaf('ID', id)).join(''));

const PERM_NAMES = ['OWNER_U', 'OWNER_M', 'OWNER_A', 'GROUP_U', 'GROUP_M', 'GROUP_A', 'OTHER_U', 'OTHER_M', 'OTHER_A'];
export const permissions = (p: Perms): string => node('PERMISSIONS', PERM_NAMES.map((n, i) => leaf(n, p[i])).join(''));

/** A template's attributes sorted by name (stable: repeats keep their order), vector members sorted too. */
export function tplBody(tpl: Tpl, keep: (name: string) => boolean = () => true): string {
  return tpl
    .filter((a) => keep(a.name))
    .map((a, i) => ({ a, i }))
    .sort((x, y) => byName(x.a.name, y.a.name) || x.i - y.i)
    .map(({ a }) => (typeof a.value === 'string'
      ? leaf(a.name, a.value)
      : node(a.name, Object.keys(a.value).sort(byName).map((k) => leaf(k, (a.value as Record<string, string>)[k])).join(''))))
    .join('');
}

export const templateEl = (name: string, tpl: Tpl, keep?: (name: string) => boolean): string => node(name, tplBody(tpl, keep));

/** ID, UID, GID, UNAME, GNAME, NAME: the head every owned object's schema starts with. */
export function ownerHead(state: OnedState, o: Owned): string {
  return leaf('ID', o.id) + leaf('UID', o.uid) + leaf('GID', o.gid) + leaf('UNAME', state.uname(o.uid))
    + leaf('GNAME', state.gname(o.gid)) + leaf('NAME', o.name);
}

// ---- users and groups (user.xsd, user_pool.xsd, group.xsd, group_pool.xsd) ----

/** Usage and limits of one VM quota entry; limits -1 mean "the default", i.e. unlimited here. */
export interface VmQuotaView {
  limits: { VMS: number; CPU: number; MEMORY: number };
  used: { VMS: number; CPU: number; MEMORY: number; RUNNING_VMS: number; RUNNING_CPU: number; RUNNING_MEMORY: number };
}

function vmQuota(q: VmQuotaView | undefined): string {
  if (!q) return '<VM_QUOTA/>';
  const fields: Array<[string, number]> = [
    ['CPU', q.limits.CPU], ['CPU_USED', q.used.CPU], ['MEMORY', q.limits.MEMORY], ['MEMORY_USED', q.used.MEMORY],
    ['RUNNING_CPU', -1], ['RUNNING_CPU_USED', q.used.RUNNING_CPU], ['RUNNING_MEMORY', -1], ['RUNNING_MEMORY_USED', q.used.RUNNING_MEMORY],
    ['RUNNING_VMS', -1], ['RUNNING_VMS_USED', q.used.RUNNING_VMS], ['SYSTEM_DISK_SIZE', -1], ['SYSTEM_DISK_SIZE_USED', 0],
    ['VMS', q.limits.VMS], ['VMS_USED', q.used.VMS],
  ];
  return node('VM_QUOTA', node('VM', fields.map(([n, v]) => leaf(n, v)).join('')));
}

const quotas = (q: VmQuotaView | undefined): string => `<DATASTORE_QUOTA/><NETWORK_QUOTA/>${vmQuota(q)}<IMAGE_QUOTA/>`;
const EMPTY_DEFAULTS = '<DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/>';

function userShort(state: OnedState, u: User): string {
  const tokens = u.tokens.map((t) => node('LOGIN_TOKEN', leaf('TOKEN', t.token) + leaf('EXPIRATION_TIME', t.expiration) + leaf('EGID', t.egid)));
  return leaf('ID', u.id) + leaf('GID', u.gid) + ids('GROUPS', u.groups) + leaf('GNAME', state.gname(u.gid)) + leaf('NAME', u.name)
    + leaf('PASSWORD', u.passwordHash) + leaf('AUTH_DRIVER', u.authDriver) + leaf('ENABLED', u.enabled ? 1 : 0)
    + tokens.join('') + templateEl('TEMPLATE', u.template);
}

export function userXml(state: OnedState, u: User, quota: VmQuotaView | undefined): string {
  return node('USER', userShort(state, u) + quotas(quota) + node('DEFAULT_USER_QUOTAS', EMPTY_DEFAULTS));
}

export function userPoolXml(state: OnedState, users: readonly User[], quota: (u: User) => VmQuotaView | undefined): string {
  const entries = users.map((u) => node('USER', userShort(state, u)));
  const quotaEntries = users.map((u) => node('QUOTAS', leaf('ID', u.id) + quotas(quota(u))));
  return node('USER_POOL', entries.join('') + quotaEntries.join('') + node('DEFAULT_USER_QUOTAS', EMPTY_DEFAULTS));
}

function groupShort(state: OnedState, g: Group): string {
  const members = [...state.users.values()].filter((u) => u.groups.includes(g.id)).map((u) => u.id);
  return leaf('ID', g.id) + leaf('NAME', g.name) + templateEl('TEMPLATE', g.template) + ids('USERS', members) + '<ADMINS/>';
}

export function groupXml(state: OnedState, g: Group): string {
  return node('GROUP', groupShort(state, g) + quotas(undefined) + node('DEFAULT_GROUP_QUOTAS', EMPTY_DEFAULTS));
}

export function groupPoolXml(state: OnedState, groups: readonly Group[]): string {
  const entries = groups.map((g) => node('GROUP', groupShort(state, g)));
  const quotaEntries = groups.map((g) => node('QUOTAS', leaf('ID', g.id) + quotas(undefined)));
  return node('GROUP_POOL', entries.join('') + quotaEntries.join('') + node('DEFAULT_GROUP_QUOTAS', EMPTY_DEFAULTS));
}

// ---- VM templates (vmtemplate.xsd) ----

export function vmTemplateXml(state: OnedState, t: VmTemplate): string {
  return node('VMTEMPLATE', ownerHead(state, t) + permissions(t.perms) + leaf('REGTIME', t.regtime) + templateEl('TEMPLATE', t.template));
}

// ---- images and datastores (image.xsd, datastore.xsd) ----

export function imageXml(state: OnedState, img: Image): string {
  const ds = state.datastores.get(img.datastoreId);
  return node('IMAGE', ownerHead(state, img) + permissions(img.perms)
    + leaf('TYPE', img.type) + leaf('DISK_TYPE', 0) + leaf('PERSISTENT', img.persistent ? 1 : 0)
    + leaf('REGTIME', img.regtime) + leaf('MODTIME', img.modtime) + leaf('SOURCE', img.source) + leaf('PATH', img.path)
    + leaf('FORMAT', img.format) + leaf('FS', img.fs) + leaf('SIZE', img.size) + leaf('STATE', img.state)
    + leaf('PREV_STATE', img.prevState) + leaf('RUNNING_VMS', img.vms.length) + leaf('CLONING_OPS', 0)
    + leaf('CLONING_ID', -1) + leaf('TARGET_SNAPSHOT', -1) + leaf('DATASTORE_ID', img.datastoreId)
    + leaf('DATASTORE', ds?.name ?? '') + ids('VMS', img.vms) + '<CLONES/><APP_CLONES/>' + templateEl('TEMPLATE', img.template)
    + node('SNAPSHOTS', leaf('ALLOW_ORPHANS', 'YES') + leaf('CURRENT_BASE', -1) + leaf('NEXT_SNAPSHOT', 0))
    + '<BACKUP_INCREMENTS/>');
}

export function datastoreXml(state: OnedState, ds: Datastore): string {
  const images = [...state.images.values()].filter((i) => i.datastoreId === ds.id);
  const used = images.reduce((n, i) => n + i.size, 0);
  return node('DATASTORE', ownerHead(state, ds) + permissions(ds.perms) + leaf('DS_MAD', ds.dsMad) + leaf('TM_MAD', ds.tmMad)
    + leaf('BASE_PATH', `/var/lib/one//datastores/${ds.id}`) + leaf('TYPE', ds.type) + leaf('DISK_TYPE', ds.diskType)
    + leaf('STATE', 0) + ids('CLUSTERS', [0]) + leaf('TOTAL_MB', ds.totalMb) + leaf('FREE_MB', ds.totalMb - used)
    + leaf('USED_MB', used) + ids('IMAGES', images.map((i) => i.id)) + templateEl('TEMPLATE', ds.template));
}

// ---- virtual networks (vnet.xsd, vnet_pool.xsd) ----

/** An IPv4 address as a number, and back; MACs are 02:00 followed by the IP's bytes. */
export const ipToInt = (ip: string): number => ip.split('.').reduce((n, b) => n * 256 + Number(b), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
export const macOf = (n: number): string =>
  ['02', '00', ...[24, 16, 8, 0].map((s) => (Math.floor(n / 2 ** s) % 256).toString(16).padStart(2, '0'))].join(':');

function vnetHead(state: OnedState, vn: Vnet): string {
  const used = vn.ars.reduce((n, ar) => n + ar.leases.length, 0);
  return ownerHead(state, vn) + permissions(vn.perms) + ids('CLUSTERS', [0]) + leaf('BRIDGE', vn.bridge)
    + leaf('BRIDGE_TYPE', 'linux') + leaf('STATE', vn.state) + leaf('PREV_STATE', vn.prevState)
    + leaf('PARENT_NETWORK_ID', '') + leaf('VN_MAD', vn.vnMad) + leaf('PHYDEV', '') + leaf('VLAN_ID', '')
    + leaf('OUTER_VLAN_ID', '') + leaf('VLAN_ID_AUTOMATIC', 0) + leaf('OUTER_VLAN_ID_AUTOMATIC', 0)
    + leaf('USED_LEASES', used) + '<VROUTERS/><UPDATED_VMS/><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/>'
    + templateEl('TEMPLATE', vn.template);
}

export function vnetXml(state: OnedState, vn: Vnet): string {
  const ars = vn.ars.map((ar) => {
    const last = ipToInt(ar.ip) + ar.size - 1;
    const leases = ar.leases.map((l) => node('LEASE', leaf('IP', l.ip) + leaf('MAC', l.mac) + leaf('VM', l.vm)));
    return node('AR', leaf('AR_ID', ar.id) + leaf('IP', ar.ip) + leaf('MAC', ar.mac) + leaf('SIZE', ar.size)
      + leaf('TYPE', ar.type) + leaf('MAC_END', macOf(last)) + leaf('IP_END', intToIp(last))
      + leaf('USED_LEASES', ar.leases.length) + node('LEASES', leases.join('')));
  });
  return node('VNET', vnetHead(state, vn) + node('AR_POOL', ars.join('')));
}

export function vnetPoolEntryXml(state: OnedState, vn: Vnet): string {
  const ars = vn.ars.map((ar) => node('AR', leaf('AR_ID', ar.id) + leaf('IP', ar.ip) + leaf('MAC', ar.mac)
    + leaf('SIZE', ar.size) + leaf('TYPE', ar.type)));
  return node('VNET', vnetHead(state, vn) + node('AR_POOL', ars.join('')));
}
