import { createImage, IMG_STATE, IMG_TYPES, nameTaken, releaseImage } from './images.js';
import { parseTemplate, TemplateSyntaxError, tplMerge, tplString, tplVectors, type Tpl } from './one-template.js';
import { checkVmQuota } from './quota.js';
import { authorize, fail, int, invalidName, poolFilter, str, type Call, type Method } from './rpc.js';
import type { Vm } from './state.js';
import { createVm, refreshContext, resolveDisk, resolveNic, VmTemplateError } from './vm-build.js';
import { actionOp, isKnownAction, play, recordAction, setState, vmAction } from './vm-lifecycle.js';
import { isActive, LCM, STATE, stateName } from './vm-states.js';
import { vmShortXml, vmXml } from './vm-xml.js';
import { releaseLease } from './vnets.js';
import { node } from './xml.js';

export function parseOrFail(text: string): Tpl {
  try {
    return parseTemplate(text);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw fail.internal(err.message);
    throw err;
  }
}

const getVm = (call: Call, id: number, op: 'USE' | 'MANAGE' | 'ADMIN'): Vm =>
  authorize(call, call.state.vms, id, 'virtual machine', 'VM', op);

function allocate(call: Call): number {
  const tpl = parseOrFail(str(call, 0));
  try {
    return createVm(call, tpl, { onHold: call.args.length > 1 && call.args[1] === true });
  } catch (err) {
    // VirtualMachineAllocate answers template problems with INTERNAL and the bare reason.
    if (err instanceof VmTemplateError) throw fail.internal(err.message);
    throw err;
  }
}

function action(call: Call): number {
  const name = str(call, 0);
  const id = int(call, 1);
  if (!isKnownAction(name)) throw fail.action(`Action "${name}" is not supported`, id);
  vmAction(call.state, call.user, getVm(call, id, actionOp(name)), name);
  return id;
}

/** Where a hotplug goes and where it comes back (xml-rpc.md §5.1). */
function hotplug(call: Call, vm: Vm, running: number, poweroff: number | undefined, act: string): void {
  if (isActive(vm, LCM.RUNNING)) {
    setState(vm, STATE.ACTIVE, running);
    play(call.state, vm, [[STATE.ACTIVE, LCM.RUNNING]]);
  } else if (poweroff !== undefined) {
    setState(vm, STATE.ACTIVE, poweroff);
    play(call.state, vm, [[STATE.POWEROFF, LCM.LCM_INIT]]);
  }
  recordAction(vm, call.user, act);
}

const hotplugState = (vm: Vm): boolean => isActive(vm, LCM.RUNNING) || vm.state === STATE.POWEROFF;

function oneVector(call: Call, name: 'DISK' | 'NIC') {
  const vectors = tplVectors(parseOrFail(str(call, 1)), name);
  if (vectors.length !== 1) throw fail.internal(`The template must hold exactly one ${name} vector.`);
  return vectors[0];
}

function attach(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  if (!hotplugState(vm)) throw fail.action(`Could not attach a new disk to VM ${vm.id}, wrong state ${stateName(vm)}.`, vm.id);
  if (vm.history.length === 0) throw fail.action('VM is not running in any host', vm.id);
  const asked = oneVector(call, 'DISK');
  const ids = [...tplVectors(vm.template, 'DISK'), ...tplVectors(vm.template, 'CONTEXT')].map((d) => Number(d.DISK_ID));
  let disk;
  try {
    disk = resolveDisk(call, vm, asked, Math.max(-1, ...ids) + 1, []);
  } catch (err) {
    if (err instanceof VmTemplateError) throw fail.action(err.message, vm.id);
    throw err;
  }
  vm.template.push({ name: 'DISK', value: disk });
  hotplug(call, vm, LCM.HOTPLUG, LCM.HOTPLUG_PROLOG_POWEROFF, 'disk-attach');
  return vm.id;
}

function detach(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const diskId = int(call, 1);
  if (!hotplugState(vm)) throw fail.action(`Could not detach disk from VM ${vm.id}, wrong state ${stateName(vm)}.`, vm.id);
  const at = vm.template.findIndex((a) => a.name === 'DISK' && typeof a.value !== 'string' && a.value.DISK_ID === String(diskId));
  if (at === -1) throw fail.action(`Could not detach disk with DISK_ID ${diskId}, it does not exist.`, vm.id);
  const [removed] = vm.template.splice(at, 1);
  const imageId = (removed.value as Record<string, string>).IMAGE_ID;
  if (imageId !== undefined) releaseImage(call.state, Number(imageId), vm.id);
  hotplug(call, vm, LCM.HOTPLUG, LCM.HOTPLUG_EPILOG_POWEROFF, 'disk-detach');
  return vm.id;
}

function attachNic(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  if (!hotplugState(vm)) throw fail.action(`Could not add a new NIC to VM ${vm.id}, wrong state ${stateName(vm)}.`, vm.id);
  const asked = oneVector(call, 'NIC');
  const nicId = Math.max(-1, ...tplVectors(vm.template, 'NIC').map((n) => Number(n.NIC_ID))) + 1;
  let nic;
  try {
    nic = resolveNic(call, vm.id, asked, nicId);
  } catch (err) {
    if (err instanceof VmTemplateError) throw fail.action(err.message, vm.id);
    throw err;
  }
  vm.template.push({ name: 'NIC', value: nic });
  refreshContext(call.state, vm);
  hotplug(call, vm, LCM.HOTPLUG_NIC, undefined, 'nic-attach');
  return vm.id;
}

function detachNic(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const nicId = int(call, 1);
  if (!hotplugState(vm)) throw fail.action(`Could not detach NIC from VM ${vm.id}, wrong state ${stateName(vm)}.`, vm.id);
  const at = vm.template.findIndex((a) => a.name === 'NIC' && typeof a.value !== 'string' && a.value.NIC_ID === String(nicId));
  if (at === -1) throw fail.action(`Could not detach NIC with NIC_ID ${nicId}, it does not exist.`, vm.id);
  const [removed] = vm.template.splice(at, 1);
  releaseLease(call.state, removed.value as Record<string, string>, vm.id);
  refreshContext(call.state, vm);
  hotplug(call, vm, LCM.HOTPLUG_NIC, undefined, 'nic-detach');
  return vm.id;
}

/** VM state → the HOTPLUG_SAVEAS_* LCM state while the copy runs (xml-rpc.md §4.1). */
const SAVEAS: Record<number, number> = {
  [STATE.POWEROFF]: LCM.HOTPLUG_SAVEAS_POWEROFF, [STATE.SUSPENDED]: LCM.HOTPLUG_SAVEAS_SUSPENDED,
  [STATE.UNDEPLOYED]: LCM.HOTPLUG_SAVEAS_UNDEPLOYED, [STATE.STOPPED]: LCM.HOTPLUG_SAVEAS_STOPPED,
};

function diskSaveAs(call: Call): number {
  const { state, user } = call;
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const diskId = int(call, 1);
  const name = str(call, 2);
  const typeName = str(call, 3).toUpperCase();
  const during = isActive(vm, LCM.RUNNING) ? LCM.HOTPLUG_SAVEAS : SAVEAS[vm.state];
  if (during === undefined) throw fail.internal('VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.', vm.id);
  const disk = tplVectors(vm.template, 'DISK').find((d) => d.DISK_ID === String(diskId));
  if (!disk) throw fail.internal(`VM disk with DISK_ID ${diskId} does not exist.`, vm.id);
  const source = disk.IMAGE_ID !== undefined ? state.images.get(Number(disk.IMAGE_ID)) : undefined;
  if (!source) throw fail.internal('Cannot save_as a volatile disk.', vm.id);
  const bad = invalidName(name);
  if (bad) throw fail.internal(bad, vm.id);
  const clash = nameTaken(state, user.id, name);
  if (clash !== undefined) throw fail.internal(`NAME is already taken by IMAGE ${clash}.`, vm.id);
  const type = typeName === '' ? source.type : IMG_TYPES.indexOf(typeName);
  if (type === -1) throw fail.internal(`Unknown type ${typeName}`, vm.id);
  const img = createImage(state, user, {
    name, type, size: Number(disk.SIZE ?? source.size), persistent: false, dsId: source.datastoreId, path: '',
    template: [{ name: 'DEV_PREFIX', value: disk.DEV_PREFIX ?? 'vd' }, { name: 'SAVED_DISK_ID', value: String(diskId) }, { name: 'SAVED_VM_ID', value: String(vm.id) }],
  });
  // The copy is the VM's hotplug: the image turns READY when the VM leaves HOTPLUG_SAVEAS*.
  state.stepper.cancel(`image:${img.id}`);
  const [backState, backLcm] = during === LCM.HOTPLUG_SAVEAS ? [STATE.ACTIVE, LCM.RUNNING] : [vm.state, LCM.LCM_INIT];
  setState(vm, STATE.ACTIVE, during);
  play(state, vm, [[backState, backLcm, () => { img.prevState = img.state; img.state = IMG_STATE.READY; }]]);
  recordAction(vm, user, 'disk-saveas');
  return img.id;
}

function update(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const type = call.args.length > 2 ? int(call, 2) : 0;
  if (type !== 0 && type !== 1) throw fail.api('Wrong update type');
  const tpl = parseOrFail(str(call, 1));
  vm.userTemplate = type === 0 ? tpl : tplMerge(vm.userTemplate, tpl);
  recordAction(vm, call.user, 'update');
  return vm.id;
}

function rename(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const bad = invalidName(str(call, 1));
  if (bad) throw fail.action(bad, vm.id);
  vm.name = str(call, 1);
  recordAction(vm, call.user, 'rename');
  return vm.id;
}

const RESIZABLE: number[] = [STATE.INIT, STATE.PENDING, STATE.HOLD, STATE.UNDEPLOYED, STATE.CLONING, STATE.CLONING_FAILURE, STATE.POWEROFF];

function resize(call: Call): number {
  const vm = getVm(call, int(call, 0), 'MANAGE');
  const tpl = parseOrFail(str(call, 1));
  const live = call.state.liveResize && isActive(vm, LCM.RUNNING);
  if (!RESIZABLE.includes(vm.state) && !live) throw fail.action(`Cannot resize a VM in state ${stateName(vm)}`, vm.id);
  const value = (k: string): number => Number(tplString(tpl, k) ?? 0);
  const cpu = value('CPU'); const vcpu = value('VCPU'); const memory = value('MEMORY');
  if (!(cpu >= 0)) throw fail.internal('CPU must be a positive float or integer value.', vm.id);
  if (!(memory >= 0) || !Number.isInteger(memory)) throw fail.internal('MEMORY must be a positive integer value.', vm.id);
  if (!(vcpu >= 0) || !Number.isInteger(vcpu)) throw fail.internal('VCPU must be a positive integer value.', vm.id);
  const old = (k: string): number => Number(tplString(vm.template, k) ?? 0);
  const owner = call.state.users.get(vm.uid);
  if (owner) {
    checkVmQuota(call.state, owner, { VMS: 0, CPU: cpu ? cpu - old('CPU') : 0, MEMORY: memory ? memory - old('MEMORY') : 0 });
  }
  for (const [k, v] of [['CPU', cpu], ['VCPU', vcpu], ['MEMORY', memory]] as const) {
    if (v > 0) {
      const at = vm.template.findIndex((a) => a.name === k);
      if (at === -1) vm.template.push({ name: k, value: String(v) });
      else vm.template[at] = { name: k, value: String(v) };
    }
  }
  if (live) {
    setState(vm, STATE.ACTIVE, LCM.HOTPLUG_RESIZE);
    play(call.state, vm, [[STATE.ACTIVE, LCM.RUNNING]]);
  }
  recordAction(vm, call.user, 'resize');
  return vm.id;
}

function pool(extended: boolean) {
  return (call: Call): string => {
    const stateFilter = int(call, 3);
    if (stateFilter < -2 || stateFilter > 11) throw fail.api('Incorrect filter_flag, state');
    if (call.args.length > 4 && str(call, 4) !== '') throw fail.internal('JSON query search is not supported by the SQL backend');
    const vms = poolFilter(call, call.state.vms.values(), int(call, 0), int(call, 1), int(call, 2)).filter((vm) =>
      (stateFilter === -2 ? true : stateFilter === -1 ? vm.state !== STATE.DONE : vm.state === stateFilter));
    const xml = node('VM_POOL', vms.map((vm) => (extended ? vmXml(call.state, vm) : vmShortXml(call.state, vm))).join(''));
    for (const vm of vms) call.state.stepper.observed(`vm:${vm.id}`);
    return xml;
  };
}

export const VM_METHODS: Record<string, Method> = {
  'one.vm.allocate': { params: ['string'], optional: ['boolean'], run: allocate },
  'one.vm.info': {
    params: ['int'], optional: ['boolean'],
    run: (call) => {
      const vm = getVm(call, int(call, 0), 'USE');
      const xml = vmXml(call.state, vm);
      call.state.stepper.observed(`vm:${vm.id}`);
      return xml;
    },
  },
  'one.vm.action': { params: ['string', 'int'], run: action },
  'one.vm.attach': { params: ['int', 'string'], run: attach },
  'one.vm.detach': { params: ['int', 'int'], run: detach },
  'one.vm.attachnic': { params: ['int', 'string'], run: attachNic },
  'one.vm.detachnic': { params: ['int', 'int'], run: detachNic },
  'one.vm.disksaveas': { params: ['int', 'int', 'string', 'string', 'int'], run: diskSaveAs },
  'one.vm.update': { params: ['int', 'string'], optional: ['int'], run: update },
  'one.vm.rename': { params: ['int', 'string'], run: rename },
  'one.vm.resize': { params: ['int', 'string'], optional: ['boolean'], run: resize },
  'one.vmpool.info': { params: ['int', 'int', 'int', 'int'], optional: ['string'], run: pool(false) },
  'one.vmpool.infoextended': { params: ['int', 'int', 'int', 'int'], optional: ['string'], run: pool(true) },
};
