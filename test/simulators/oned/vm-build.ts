import { acquireImage, DiskError, releaseImage, resolveImage } from './images.js';
import { cloneTpl, tplRemove, tplString, tplVectors, type Tpl, type Vector } from './one-template.js';
import { checkVmQuota } from './quota.js';
import { CODE, invalidName, OnedFailure, type Call } from './rpc.js';
import { UMASK_177, type OnedState, type Vm } from './state.js';
import { deploy } from './vm-lifecycle.js';
import { STATE } from './vm-states.js';
import { LeaseError, releaseLease, resolveNetwork, takeLease } from './vnets.js';

/**
 * A template problem found while creating a VM (bad CPU, unknown image, no
 * free lease). vm.allocate answers INTERNAL with the bare reason,
 * template.instantiate ALLOCATE (xml-rpc.md §2).
 */
export class VmTemplateError extends Error {}

/** vm.xsd's TEMPLATE children that hold plain text; anything else of that name goes to USER_TEMPLATE. */
const TEXT_ATTRS = new Set([
  'AUTOMATIC_DS_REQUIREMENTS', 'AUTOMATIC_NIC_REQUIREMENTS', 'AUTOMATIC_REQUIREMENTS', 'CLONING_TEMPLATE_ID', 'CPU',
  'CPU_COST', 'DISK_COST', 'EMULATOR', 'IMPORTED', 'MEMORY', 'MEMORY_COST', 'MEMORY_MAX', 'SUBMIT_ON_HOLD', 'TEMPLATE_ID',
  'TM_MAD_SYSTEM', 'VCPU', 'VCPU_MAX', 'VMID', 'VROUTER_ID', 'VROUTER_KEEPALIVED_ID', 'VROUTER_KEEPALIVED_PASSWORD',
]);
/**
 * vm.xsd's TEMPLATE children of any content. HYPERV_OPTIONS, VIDEO,
 * MEMORY_SLOTS and MEMORY_RESIZE_MODE are left out: the XSD puts them out of
 * the alphabetical order oned writes (README, "Known gaps").
 */
const ANY_ATTRS = new Set([
  'CONTEXT', 'DISK', 'FEATURES', 'GRAPHICS', 'INPUT', 'NIC', 'NIC_ALIAS', 'NIC_DEFAULT', 'NUMA_NODE', 'OS', 'PCI', 'RAW',
  'SECURITY_GROUP_RULE', 'SPICE_OPTIONS', 'TOPOLOGY', 'VMGROUP',
]);
export const isTemplateAttr = (name: string, value: Tpl[number]['value']): boolean =>
  ANY_ATTRS.has(name) || (TEXT_ATTRS.has(name) && typeof value === 'string');

/** VirtualMachine::parse_defaults / check_cpu... messages. */
export function checkCapacity(tpl: Tpl, required: boolean): string | undefined {
  const memory = tplString(tpl, 'MEMORY');
  const cpu = tplString(tpl, 'CPU');
  const vcpu = tplString(tpl, 'VCPU');
  if ((required || memory !== undefined) && !(/^\d+$/.test(memory ?? '') && Number(memory) > 0)) return 'MEMORY attribute must be a positive integer value.';
  if ((required || cpu !== undefined) && !(Number(cpu) > 0)) return 'CPU attribute must be a positive float or integer value.';
  if (vcpu !== undefined && !(/^\d+$/.test(vcpu) && Number(vcpu) > 0)) return 'VCPU attribute must be a positive integer value.';
  return undefined;
}

/** The next free device of a prefix: vda, vdb, ... */
export function nextTarget(vm: Pick<Vm, 'template'>, prefix: string, extra: readonly string[] = []): string {
  const used = new Set([...tplVectors(vm.template, 'DISK').map((d) => d.TARGET), tplVectors(vm.template, 'CONTEXT')[0]?.TARGET, ...extra]);
  for (let c = 97; c < 123; c++) if (!used.has(prefix + String.fromCharCode(c))) return prefix + String.fromCharCode(c);
  return `${prefix}z`;
}

/** The DISK vector oned writes for an image (or volatile) disk. */
export function resolveDisk(call: Call, vm: Pick<Vm, 'id' | 'template'>, asked: Vector, diskId: number, acquired: number[]): Vector {
  if (asked.IMAGE_ID === undefined && asked.IMAGE === undefined) {
    const type = (asked.TYPE ?? '').toLowerCase();
    if ((type !== 'fs' && type !== 'swap') || !(Number(asked.SIZE) > 0)) throw new VmTemplateError('DISK must have an IMAGE or IMAGE_ID, or TYPE fs/swap and SIZE.');
    const prefix = asked.DEV_PREFIX ?? 'vd';
    return { FORMAT: 'raw', ...asked, CLUSTER_ID: '0', DATASTORE_ID: '0', DEV_PREFIX: prefix, DISK_ID: String(diskId), DISK_TYPE: 'FILE', TARGET: asked.TARGET ?? nextTarget(vm, prefix), TYPE: type };
  }
  let img;
  try {
    img = resolveImage(call, asked);
    acquireImage(img, vm.id);
  } catch (err) {
    if (err instanceof DiskError) throw new VmTemplateError(err.message);
    throw err;
  }
  acquired.push(img.id);
  const ds = call.state.datastores.get(img.datastoreId);
  const prefix = asked.DEV_PREFIX ?? tplString(img.template, 'DEV_PREFIX') ?? 'vd';
  const size = Math.max(img.size, Number(asked.SIZE ?? 0) || 0);
  const { IMAGE_UNAME: _u, IMAGE_UID: _i, ...extra } = asked;
  const disk: Vector = {
    ALLOW_ORPHANS: 'YES', CLONE: img.persistent ? 'NO' : 'YES', CLONE_TARGET: 'SYSTEM', CLUSTER_ID: '0',
    DATASTORE: ds?.name ?? '', DATASTORE_ID: String(img.datastoreId), DEV_PREFIX: prefix, DISK_ID: String(diskId),
    DISK_SNAPSHOT_TOTAL_SIZE: '0', DISK_TYPE: 'FILE', DRIVER: tplString(img.template, 'DRIVER') ?? img.format, FORMAT: img.format,
    IMAGE: img.name, IMAGE_ID: String(img.id), IMAGE_STATE: String(img.state), IMAGE_UNAME: call.state.uname(img.uid),
    LN_TARGET: 'NONE', ORIGINAL_SIZE: String(img.size), READONLY: img.type === 1 ? 'YES' : 'NO', SAVE: img.persistent ? 'YES' : 'NO',
    SIZE: String(size), SOURCE: img.source, TARGET: asked.TARGET ?? nextTarget(vm, prefix), TM_MAD: 'ssh', TYPE: 'FILE',
  };
  if (img.persistent) disk.PERSISTENT = 'YES';
  return { ...extra, ...disk };
}

/** Resolves a NIC vector: the network (USE checked) and a lease from it. */
export function resolveNic(call: Call, vmId: number, asked: Vector, nicId: number): Vector {
  let vn;
  try {
    vn = resolveNetwork(call, asked);
  } catch (err) {
    if (err instanceof OnedFailure && err.code !== CODE.AUTHORIZATION) throw new VmTemplateError(err.text);
    throw err;
  }
  try {
    return takeLease(call.state, vn, vmId, nicId, asked);
  } catch (err) {
    if (err instanceof LeaseError) throw new VmTemplateError(err.message);
    throw err;
  }
}

/** Rewrites CONTEXT: ETH<n>_* keys from the NICs when NETWORK = YES (xml-rpc.md §7.1). */
export function refreshContext(state: OnedState, vm: Vm): void {
  const ctx = tplVectors(vm.template, 'CONTEXT')[0];
  if (!ctx) return;
  for (const key of Object.keys(ctx)) if (/^ETH\d+_/.test(key)) delete ctx[key];
  if ((ctx.NETWORK ?? '').toUpperCase() !== 'YES') return;
  for (const nic of tplVectors(vm.template, 'NIC')) {
    const vn = state.vnets.get(Number(nic.NETWORK_ID));
    const p = `ETH${nic.NIC_ID}_`;
    ctx[`${p}IP`] = nic.IP;
    ctx[`${p}MAC`] = nic.MAC;
    for (const [key, attr] of [['MASK', 'NETWORK_MASK'], ['NETWORK', 'NETWORK_ADDRESS'], ['GATEWAY', 'GATEWAY'], ['DNS', 'DNS']]) {
      const value = vn ? tplString(vn.template, attr) : undefined;
      if (value !== undefined) ctx[p + key] = value;
    }
  }
}

/** $NAME, $VMID, $UID, $UNAME, $GID, $GNAME, $USER[X] and $NIC[X] (first NIC) in CONTEXT values. */
function expandContext(state: OnedState, vm: Vm, ctx: Vector): void {
  const owner = state.users.get(vm.uid);
  const nic = tplVectors(vm.template, 'NIC')[0];
  const simple: Record<string, string> = {
    NAME: vm.name, VMID: String(vm.id), UID: String(vm.uid), UNAME: state.uname(vm.uid), GID: String(vm.gid), GNAME: state.gname(vm.gid),
  };
  for (const [key, value] of Object.entries(ctx)) {
    ctx[key] = value.replace(/\$([A-Z_]+)(?:\[([A-Z0-9_]+)\])?/g, (whole, name: string, attr: string | undefined) => {
      if (attr === undefined) return simple[name] ?? whole;
      if (name === 'USER') return (owner && tplString(owner.template, attr)) ?? '';
      if (name === 'NIC') return nic?.[attr] ?? '';
      return whole;
    });
  }
}

export interface CreateOptions { onHold: boolean; name?: string; templateId?: number; templateName?: string }

/**
 * VirtualMachineAllocate: checks, quota, leases and images, then the VM in
 * PENDING (or HOLD). The ID is only consumed when everything succeeded.
 */
export function createVm(call: Call, input: Tpl, opts: CreateOptions): number {
  const { state, user } = call;
  const tpl = cloneTpl(input);
  const name = opts.name || tplString(tpl, 'NAME');
  if (name !== undefined) {
    const bad = invalidName(name);
    if (bad) throw new VmTemplateError(bad);
  }
  const capacity = checkCapacity(tpl, true);
  if (capacity) throw new VmTemplateError(capacity);
  checkVmQuota(state, user, { VMS: 1, CPU: Number(tplString(tpl, 'CPU')), MEMORY: Number(tplString(tpl, 'MEMORY')) });

  const id = state.peekId('vm');
  const template: Tpl = [];
  const userTemplate: Tpl = [];
  for (const a of tpl) {
    if (a.name === 'NAME' || a.name === 'DISK' || a.name === 'NIC' || a.name === 'CONTEXT') continue;
    (isTemplateAttr(a.name, a.value) ? template : userTemplate).push(a);
  }
  const vm: Vm = {
    id, uid: user.id, gid: user.gid, name: name ?? (opts.templateName ? `${opts.templateName}-${id}` : `one-${id}`), perms: UMASK_177,
    state: opts.onHold ? STATE.HOLD : STATE.PENDING, lcm: 0, prevState: 0, prevLcm: 0, resched: 0, stime: state.now(), etime: 0,
    deployId: '', lastPoll: 0, template, userTemplate, history: [], redeploy: 'fresh',
  };
  const acquired: number[] = [];
  try {
    tplVectors(tpl, 'NIC').forEach((nic, i) => template.push({ name: 'NIC', value: resolveNic(call, id, nic, i) }));
    tplVectors(tpl, 'DISK').forEach((disk, i) => template.push({ name: 'DISK', value: resolveDisk(call, vm, disk, i, acquired) }));
  } catch (err) {
    for (const nic of tplVectors(template, 'NIC')) releaseLease(state, nic, id);
    for (const imageId of acquired) releaseImage(state, imageId, id);
    throw err;
  }
  const ctx = tplVectors(tpl, 'CONTEXT')[0];
  if (ctx) {
    const context: Vector = { ...ctx, DISK_ID: String(tplVectors(template, 'DISK').length), TARGET: nextTarget(vm, 'hd') };
    template.push({ name: 'CONTEXT', value: context });
    refreshContext(state, vm);
    expandContext(state, vm, context);
  }
  if (opts.templateId !== undefined) { tplRemove(template, 'TEMPLATE_ID'); template.push({ name: 'TEMPLATE_ID', value: String(opts.templateId) }); }
  for (const generated of ['AUTOMATIC_DS_REQUIREMENTS', 'AUTOMATIC_NIC_REQUIREMENTS', 'AUTOMATIC_REQUIREMENTS', 'TM_MAD_SYSTEM', 'VMID']) {
    tplRemove(template, generated);
  }
  template.push(
    { name: 'AUTOMATIC_DS_REQUIREMENTS', value: '("CLUSTERS/ID" @> 0)' },
    { name: 'AUTOMATIC_REQUIREMENTS', value: '(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)' },
    { name: 'TM_MAD_SYSTEM', value: 'ssh' }, { name: 'VMID', value: String(id) },
  );
  if (tplVectors(template, 'NIC').length > 0) template.push({ name: 'AUTOMATIC_NIC_REQUIREMENTS', value: '("CLUSTERS/ID" @> 0)' });
  state.takeId('vm');
  state.vms.set(id, vm);
  if (!opts.onHold) deploy(state, vm);
  return id;
}
