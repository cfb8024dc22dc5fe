import { tplString, tplVectors, type Vector } from './one-template.js';
import type { History, OnedState, Vm } from './state.js';
import { STATE } from './vm-states.js';
import { ids, leaf, node, ownerHead, permissions, templateEl, tplBody } from './xml.js';

/** Monitoring is reported while the VM sits on a host. */
function monitoring(vm: Vm, full: boolean): string {
  const onHost = vm.lastPoll > 0 && ([STATE.ACTIVE, STATE.SUSPENDED, STATE.POWEROFF] as number[]).includes(vm.state);
  if (!onHost) return '<MONITORING/>';
  const on = vm.state === STATE.ACTIVE;
  const memKb = on ? Number(tplString(vm.template, 'MEMORY') ?? 0) * 512 : 0;
  const cpu = on ? '1.5' : '0';
  if (!full) return node('MONITORING', leaf('CPU', cpu) + leaf('MEMORY', memKb));
  return node('MONITORING', leaf('CPU', cpu) + leaf('ID', vm.id) + leaf('MEMORY', memKb) + leaf('NETRX', on ? 1024 : 0)
    + leaf('NETTX', on ? 2048 : 0) + leaf('TIMESTAMP', vm.lastPoll));
}

function historyFull(vm: Vm, h: History): string {
  return node('HISTORY', leaf('OID', vm.id) + leaf('SEQ', h.seq) + leaf('HOSTNAME', 'node01') + leaf('HID', 0) + leaf('CID', 0)
    + leaf('STIME', h.stime) + leaf('ETIME', h.etime) + leaf('VM_MAD', 'kvm') + leaf('TM_MAD', 'ssh') + leaf('DS_ID', 0)
    + leaf('PLAN_ID', -1) + leaf('ACTION_ID', -1) + leaf('PSTIME', h.pstime) + leaf('PETIME', h.petime) + leaf('RSTIME', h.rstime)
    + leaf('RETIME', h.retime) + leaf('ESTIME', h.estime) + leaf('EETIME', h.eetime) + leaf('ACTION', h.action)
    + leaf('UID', h.uid) + leaf('GID', h.gid) + leaf('REQUEST_ID', -1));
}

/** The full `<VM>` of one.vm.info and one.vmpool.infoextended (vm.xsd). */
export function vmXml(state: OnedState, vm: Vm): string {
  return node('VM', ownerHead(state, vm) + permissions(vm.perms) + leaf('LAST_POLL', vm.lastPoll) + leaf('STATE', vm.state)
    + leaf('LCM_STATE', vm.lcm) + leaf('PREV_STATE', vm.prevState) + leaf('PREV_LCM_STATE', vm.prevLcm)
    + leaf('RESCHED', vm.resched) + leaf('STIME', vm.stime) + leaf('ETIME', vm.etime) + leaf('DEPLOY_ID', vm.deployId)
    + monitoring(vm, true) + '<SCHED_ACTIONS/>' + templateEl('TEMPLATE', vm.template) + templateEl('USER_TEMPLATE', vm.userTemplate)
    + node('HISTORY_RECORDS', vm.history.map((h) => historyFull(vm, h)).join(''))
    + node('BACKUPS', '<BACKUP_CONFIG/>' + ids('BACKUP_IDS', [])));
}

const pick = (v: Vector, keys: readonly string[]): string => keys.filter((k) => v[k] !== undefined).map((k) => leaf(k, v[k])).join('');

// VirtualMachine::to_xml_short writes these in this order (see examples/vmpool.info.xml), not sorted.
const SHORT_DISK = ['DISK_ID', 'DATASTORE', 'DATASTORE_ID', 'IMAGE', 'IMAGE_ID', 'SIZE', 'TYPE', 'CLONE', 'CLONE_TARGET', 'LN_TARGET', 'DISK_SNAPSHOT_TOTAL_SIZE'];
const SHORT_NIC = ['IP', 'IP6', 'IP6_GLOBAL', 'IP6_ULA', 'MAC', 'NETWORK', 'NETWORK_ID', 'NIC_ID', 'SECURITY_GROUPS'];
const SHORT_USER_TEMPLATE = new Set(['ERROR', 'LABELS', 'SCHED_MESSAGE', 'SCHED_RANK', 'SCHED_DS_RANK', 'SCHED_REQUIREMENTS', 'SCHED_DS_REQUIREMENTS', 'USER_PRIORITY', 'PUBLIC_CLOUD']);

/** The short `<VM>` of one.vmpool.info (vm_pool.xsd): no PERMISSIONS, no CONTEXT, reduced vectors, last history only. */
export function vmShortXml(state: OnedState, vm: Vm): string {
  const t = vm.template;
  const graphics = tplVectors(t, 'GRAPHICS')[0];
  const template = ['CPU', 'MEMORY', 'VCPU'].map((k) => (tplString(t, k) !== undefined ? leaf(k, tplString(t, k)!) : '')).join('')
    + tplVectors(t, 'DISK').map((d) => node('DISK', pick(d, SHORT_DISK))).join('')
    + tplVectors(t, 'NIC').map((n) => node('NIC', pick(n, SHORT_NIC))).join('')
    + (graphics ? node('GRAPHICS', pick(graphics, ['LISTEN', 'PORT', 'TYPE'])) : '');
  const last = vm.history.at(-1);
  const history = last
    ? node('HISTORY', leaf('OID', vm.id) + leaf('SEQ', last.seq) + leaf('HOSTNAME', 'node01') + leaf('HID', 0) + leaf('CID', 0)
      + leaf('DS_ID', 0) + leaf('VM_MAD', 'kvm') + leaf('TM_MAD', 'ssh') + leaf('ACTION', last.action))
    : '';
  return node('VM', ownerHead(state, vm) + leaf('LAST_POLL', vm.lastPoll) + leaf('STATE', vm.state) + leaf('LCM_STATE', vm.lcm)
    + leaf('RESCHED', vm.resched) + leaf('STIME', vm.stime) + leaf('ETIME', vm.etime) + leaf('DEPLOY_ID', vm.deployId)
    + node('TEMPLATE', template) + monitoring(vm, false)
    + node('USER_TEMPLATE', tplBody(vm.userTemplate, (n) => SHORT_USER_TEMPLATE.has(n)))
    + node('HISTORY_RECORDS', history));
}
