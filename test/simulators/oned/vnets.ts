import { parseTemplate, TemplateSyntaxError, tplString, tplVectors, type Tpl, type Vector } from './one-template.js';
import { authorize, fail, int, invalidName, poolFilter, str, type Call, type Method } from './rpc.js';
import { UMASK_177, type AddressRange, type OnedState, type Perms, type Vnet } from './state.js';
import { intToIp, ipToInt, macOf, node, vnetPoolEntryXml, vnetXml } from './xml.js';

/** Virtual network states, include/VirtualNetwork.h (xml-rpc.md §4.3). */
export const VN_STATE = { INIT: 0, READY: 1, LOCK_CREATE: 2, LOCK_DELETE: 3, DONE: 4, ERROR: 5 } as const;

export interface VnetSeed {
  name: string; uid: number; gid: number; perms: Perms; bridge: string;
  ar: { ip: string; size: number }; context: Record<string, string>;
}

function makeAr(id: number, ip: string, size: number): AddressRange {
  return { id, type: 'IP4', ip, mac: macOf(ipToInt(ip)), size, leases: [] };
}

/** A READY network as a fresh install's admin would have created it. */
export function seedVnet(state: OnedState, seed: VnetSeed): Vnet {
  const id = state.takeId('vnet');
  const template: Tpl = [
    { name: 'BRIDGE', value: seed.bridge }, { name: 'BRIDGE_TYPE', value: 'linux' },
    ...Object.entries(seed.context).map(([name, value]) => ({ name, value })),
    { name: 'OUTER_VLAN_ID', value: '' }, { name: 'PHYDEV', value: '' }, { name: 'SECURITY_GROUPS', value: '0' },
    { name: 'VLAN_ID', value: '' }, { name: 'VN_MAD', value: 'bridge' },
  ];
  const vn: Vnet = {
    id, uid: seed.uid, gid: seed.gid, name: seed.name, perms: seed.perms, state: VN_STATE.READY, prevState: VN_STATE.INIT,
    bridge: seed.bridge, vnMad: 'bridge', template, ars: [makeAr(0, seed.ar.ip, seed.ar.size)], pendingArs: [],
  };
  state.vnets.set(id, vn);
  return vn;
}

/** No address left (or the one asked for is taken or outside every range). */
export class LeaseError extends Error {}

/**
 * Takes a lease for `vmId`: the address asked for, or the first free one,
 * range by range. The NIC vector oned writes into the VM is returned.
 */
export function takeLease(state: OnedState, vn: Vnet, vmId: number, nicId: number, asked: Vector): Vector {
  const wanted = asked.IP;
  let chosen: { ar: AddressRange; n: number } | undefined;
  for (const ar of vn.ars) {
    const base = ipToInt(ar.ip);
    const taken = new Set(ar.leases.map((l) => ipToInt(l.ip)));
    if (wanted !== undefined) {
      const n = ipToInt(wanted);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(wanted) && n >= base && n < base + ar.size && !taken.has(n)) chosen = { ar, n };
    } else {
      for (let n = base; n < base + ar.size && !chosen; n++) if (!taken.has(n)) chosen = { ar, n };
    }
    if (chosen) break;
  }
  if (!chosen) throw new LeaseError(`Cannot get IP/MAC lease from virtual network ${vn.id}.`);
  const ip = intToIp(chosen.n);
  const mac = macOf(chosen.n);
  chosen.ar.leases.push({ ip, mac, vm: vmId });
  const { NETWORK_ID: _id, NETWORK: _name, NETWORK_UNAME: _uname, NETWORK_UID: _uid, ...extra } = asked;
  return {
    ...extra, AR_ID: String(chosen.ar.id), BRIDGE: vn.bridge, BRIDGE_TYPE: 'linux', CLUSTER_ID: '0', IP: ip, MAC: mac,
    NAME: asked.NAME ?? `NIC${nicId}`, NETWORK: vn.name, NETWORK_ID: String(vn.id), NETWORK_UNAME: state.uname(vn.uid),
    NIC_ID: String(nicId), SECURITY_GROUPS: '0', TARGET: `one-${vmId}-${nicId}`, VN_MAD: vn.vnMad,
  };
}

/** Gives a NIC's address back to its network. */
export function releaseLease(state: OnedState, nic: Vector, vmId: number): void {
  const vn = state.vnets.get(Number(nic.NETWORK_ID));
  const ar = vn?.ars.find((a) => String(a.id) === nic.AR_ID);
  if (ar) ar.leases = ar.leases.filter((l) => !(l.ip === nic.IP && l.vm === vmId));
}

/** Finds the network a NIC vector names, by NETWORK_ID or by NETWORK (+ NETWORK_UNAME, default the caller). */
export function resolveNetwork(call: Call, nic: Vector): Vnet {
  if (nic.NETWORK_ID !== undefined) {
    return authorize(call, call.state.vnets, Number(nic.NETWORK_ID), 'virtual network', 'NET', 'USE');
  }
  const owner = nic.NETWORK_UNAME ?? call.user.name;
  const vn = [...call.state.vnets.values()].find((v) => v.name === nic.NETWORK && call.state.uname(v.uid) === owner);
  if (!vn) throw fail.internal(`Virtual network "${nic.NETWORK ?? ''}" of user ${owner} does not exist.`);
  return authorize(call, call.state.vnets, vn.id, 'virtual network', 'NET', 'USE');
}

function allocate(call: Call): number {
  const { state, user } = call;
  let tpl: Tpl;
  try {
    tpl = parseTemplate(str(call, 0));
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw fail.internal(err.message);
    throw err;
  }
  const name = tplString(tpl, 'NAME');
  if (name === undefined) throw fail.internal('No NAME in template for Virtual Network.');
  const vnMad = tplString(tpl, 'VN_MAD');
  if (!vnMad) throw fail.internal('No VN_MAD in template for Virtual Network.');
  const bad = invalidName(name);
  if (bad) throw fail.internal(bad);
  const clash = [...state.vnets.values()].find((v) => v.uid === user.id && v.name === name);
  if (clash) throw fail.internal(`NAME is already taken by NET ${clash.id}.`);
  const ars = tplVectors(tpl, 'AR');
  for (const ar of ars) {
    if (ar.TYPE?.toUpperCase() !== 'IP4' || !/^\d+\.\d+\.\d+\.\d+$/.test(ar.IP ?? '') || !(Number(ar.SIZE) > 0)) {
      throw fail.internal('Only IP4 address ranges with IP and SIZE are simulated.');
    }
  }
  const id = state.takeId('vnet');
  const bridge = tplString(tpl, 'BRIDGE') ?? `onebr${id}`;
  const template = tpl.filter((a) => a.name !== 'AR' && a.name !== 'NAME' && a.name !== 'BRIDGE');
  template.push({ name: 'BRIDGE', value: bridge }, { name: 'BRIDGE_TYPE', value: 'linux' });
  const vn: Vnet = {
    id, uid: user.id, gid: user.gid, name, perms: UMASK_177, state: VN_STATE.LOCK_CREATE, prevState: VN_STATE.INIT,
    bridge, vnMad, template, ars: [], pendingArs: ars.map((value) => ({ name: 'AR', value })),
  };
  state.vnets.set(id, vn);
  // The driver answers: the network turns READY and only then gets its ranges.
  state.stepper.schedule(`vnet:${id}`, [() => {
    vn.prevState = vn.state;
    vn.state = VN_STATE.READY;
    vn.ars = vn.pendingArs.map((a, i) => makeAr(i, (a.value as Vector).IP, Number((a.value as Vector).SIZE)));
    vn.pendingArs = [];
  }]);
  return id;
}

function remove(call: Call): number {
  const id = int(call, 0);
  const vn = authorize(call, call.state.vnets, id, 'virtual network', 'NET', 'MANAGE');
  if (vn.state !== VN_STATE.READY && vn.state !== VN_STATE.ERROR) {
    throw fail.action(`Cannot delete virtual network in state ${Object.keys(VN_STATE)[vn.state] ?? vn.state}.`, id);
  }
  if (vn.ars.some((ar) => ar.leases.length > 0)) {
    throw fail.action('Cannot delete virtual network. Can not remove a virtual network with leases in use', id);
  }
  vn.prevState = vn.state;
  vn.state = VN_STATE.LOCK_DELETE;
  call.state.stepper.schedule(`vnet:${id}`, [() => { call.state.vnets.delete(id); }]);
  return id;
}

export const VNET_METHODS: Record<string, Method> = {
  'one.vn.allocate': { params: ['string', 'int'], run: allocate },
  'one.vn.delete': { params: ['int'], run: remove },
  'one.vn.info': {
    params: ['int'], optional: ['boolean'],
    run: (call) => {
      const vn = authorize(call, call.state.vnets, int(call, 0), 'virtual network', 'NET', 'USE');
      const xml = vnetXml(call.state, vn);
      call.state.stepper.observed(`vnet:${vn.id}`);
      return xml;
    },
  },
  'one.vnpool.info': {
    params: ['int', 'int', 'int'],
    run: (call) => {
      const nets = poolFilter(call, call.state.vnets.values(), int(call, 0), int(call, 1), int(call, 2));
      const xml = node('VNET_POOL', nets.map((vn) => vnetPoolEntryXml(call.state, vn)).join(''));
      for (const vn of nets) call.state.stepper.observed(`vnet:${vn.id}`);
      return xml;
    },
  },
};
