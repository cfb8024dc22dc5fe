import { createHash } from 'node:crypto';
import { RESTART, SAVE, START, STOP, SUSPEND, type Action, type Entity } from '../../model/index.js';

/**
 * The state tables of the OCCI ↔ OpenNebula mapping
 * (../shared/opennebula/xml-rpc.md §4.3, §4.4, §5, §6): what OCCI state a
 * VM, image or virtual network is in, which OCCI actions oned accepts there,
 * and what oned calls each action. Pure data and functions, no I/O.
 */

/** VM STATE names, include/VirtualMachine.h (7 was FAILED, unused since 4.14). */
export const VM_STATE_NAMES = [
  'INIT', 'PENDING', 'HOLD', 'ACTIVE', 'STOPPED', 'SUSPENDED', 'DONE', 'FAILED', 'POWEROFF', 'UNDEPLOYED', 'CLONING', 'CLONING_FAILURE',
] as const;

/** LCM_STATE names (13, 14, 55 and 58 are unused). */
export const LCM_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'LCM_INIT', 1: 'PROLOG', 2: 'BOOT', 3: 'RUNNING', 4: 'MIGRATE', 5: 'SAVE_STOP', 6: 'SAVE_SUSPEND', 7: 'SAVE_MIGRATE',
  8: 'PROLOG_MIGRATE', 9: 'PROLOG_RESUME', 10: 'EPILOG_STOP', 11: 'EPILOG', 12: 'SHUTDOWN', 15: 'CLEANUP_RESUBMIT',
  16: 'UNKNOWN', 17: 'HOTPLUG', 18: 'SHUTDOWN_POWEROFF', 19: 'BOOT_UNKNOWN', 20: 'BOOT_POWEROFF', 21: 'BOOT_SUSPENDED',
  22: 'BOOT_STOPPED', 23: 'CLEANUP_DELETE', 24: 'HOTPLUG_SNAPSHOT', 25: 'HOTPLUG_NIC', 26: 'HOTPLUG_SAVEAS',
  27: 'HOTPLUG_SAVEAS_POWEROFF', 28: 'HOTPLUG_SAVEAS_SUSPENDED', 29: 'SHUTDOWN_UNDEPLOY', 30: 'EPILOG_UNDEPLOY',
  31: 'PROLOG_UNDEPLOY', 32: 'BOOT_UNDEPLOY', 33: 'HOTPLUG_PROLOG_POWEROFF', 34: 'HOTPLUG_EPILOG_POWEROFF',
  35: 'BOOT_MIGRATE', 36: 'BOOT_FAILURE', 37: 'BOOT_MIGRATE_FAILURE', 38: 'PROLOG_MIGRATE_FAILURE', 39: 'PROLOG_FAILURE',
  40: 'EPILOG_FAILURE', 41: 'EPILOG_STOP_FAILURE', 42: 'EPILOG_UNDEPLOY_FAILURE', 43: 'PROLOG_MIGRATE_POWEROFF',
  44: 'PROLOG_MIGRATE_POWEROFF_FAILURE', 45: 'PROLOG_MIGRATE_SUSPEND', 46: 'PROLOG_MIGRATE_SUSPEND_FAILURE',
  47: 'BOOT_UNDEPLOY_FAILURE', 48: 'BOOT_STOPPED_FAILURE', 49: 'PROLOG_RESUME_FAILURE', 50: 'PROLOG_UNDEPLOY_FAILURE',
  51: 'DISK_SNAPSHOT_POWEROFF', 52: 'DISK_SNAPSHOT_REVERT_POWEROFF', 53: 'DISK_SNAPSHOT_DELETE_POWEROFF',
  54: 'DISK_SNAPSHOT_SUSPENDED', 56: 'DISK_SNAPSHOT_DELETE_SUSPENDED', 57: 'DISK_SNAPSHOT', 59: 'DISK_SNAPSHOT_DELETE',
  60: 'PROLOG_MIGRATE_UNKNOWN', 61: 'PROLOG_MIGRATE_UNKNOWN_FAILURE', 62: 'DISK_RESIZE', 63: 'DISK_RESIZE_POWEROFF',
  64: 'DISK_RESIZE_UNDEPLOYED', 65: 'HOTPLUG_NIC_POWEROFF', 66: 'HOTPLUG_RESIZE', 67: 'HOTPLUG_SAVEAS_UNDEPLOYED',
  68: 'HOTPLUG_SAVEAS_STOPPED', 69: 'BACKUP', 70: 'BACKUP_POWEROFF', 71: 'RESTORE',
};

const ACTIVE = 3;
const RUNNING = 3;

/** LCM states of a guest that runs (a hotplug, migration or snapshot under way): OCCI `active`. */
const RUNS = new Set([
  'RUNNING', 'HOTPLUG', 'HOTPLUG_NIC', 'HOTPLUG_SAVEAS', 'HOTPLUG_RESIZE', 'HOTPLUG_SNAPSHOT', 'MIGRATE', 'SAVE_MIGRATE',
  'PROLOG_MIGRATE', 'BOOT_MIGRATE', 'DISK_SNAPSHOT', 'DISK_SNAPSHOT_DELETE', 'DISK_RESIZE', 'BACKUP',
]);
/** States of a guest whose memory is saved (OCCI `suspended`). */
const SUSPENDS = new Set([
  'SUSPENDED', 'SAVE_SUSPEND', 'HOTPLUG_SAVEAS_SUSPENDED', 'DISK_SNAPSHOT_SUSPENDED', 'DISK_SNAPSHOT_DELETE_SUSPENDED', 'PROLOG_MIGRATE_SUSPEND',
]);

export type ComputeState = 'active' | 'inactive' | 'suspended' | 'error';

export interface VmStatus {
  /** `occi.compute.state`. */
  readonly state: ComputeState;
  /** `occi.compute.state.message`: oned's own word (the LCM state while ACTIVE), with USER_TEMPLATE/ERROR on a failure. */
  readonly message: string;
  /** The OCCI actions oned accepts now (one.vm.action's state rules, xml-rpc.md §4.1). */
  readonly actions: readonly Action[];
  /** ACTIVE/RUNNING: the guest's NICs and disks are in use (link state `active`, as rOCCI-server had it). */
  readonly running: boolean;
  /** DONE: the VM is gone (oned keeps it in its database; OCCI does not show it). */
  readonly gone: boolean;
}

/** The name oned gives the VM's state: the LCM state's while ACTIVE, the VM state's otherwise. */
export function vmStateName(state: number, lcm: number): string {
  return state === ACTIVE ? LCM_STATE_NAMES[lcm] ?? `LCM_${lcm}` : VM_STATE_NAMES[state] ?? `STATE_${state}`;
}

/**
 * STATE/LCM_STATE → OCCI state, message and valid actions. Failures (a
 * `*_FAILURE` state, CLONING_FAILURE) and ACTIVE/UNKNOWN are `error`; a
 * guest that runs is `active`; one with its memory saved `suspended`;
 * everything else, on its way up or down or switched off, `inactive`. Only
 * steady states accept actions: while oned is busy (PROLOG, BOOT, HOTPLUG,
 * SHUTDOWN...) none is offered.
 */
export function vmStatus(state: number, lcm: number, error = ''): VmStatus {
  const name = vmStateName(state, lcm);
  const failed = name.includes('FAILURE');
  const unknown = state === ACTIVE && name === 'UNKNOWN';
  const occi: ComputeState = failed || unknown ? 'error'
    : (state === ACTIVE && RUNS.has(name)) ? 'active'
    : SUSPENDS.has(name) ? 'suspended'
    : 'inactive';
  const running = state === ACTIVE && lcm === RUNNING;
  return {
    state: occi,
    message: failed && error !== '' ? `${name}: ${error}` : name,
    actions: running ? [STOP, RESTART, SUSPEND, SAVE]
      : unknown ? [START, STOP]
      : name === 'POWEROFF' ? [START, SAVE]
      : name === 'SUSPENDED' || name === 'STOPPED' || name === 'UNDEPLOYED' ? [START]
      : [],
    running,
    gone: name === 'DONE',
  };
}

/**
 * The one.vm.action name of an OCCI action and its `method` (Infrastructure
 * §2.1): start resumes; stop powers off (`graceful`/`acpioff`: ACPI, else
 * hard); restart reboots (`graceful`/`warm`: ACPI, `cold`: reset); suspend
 * saves the memory. `save` is not a one.vm.action (one.vm.disksaveas).
 */
export function vmActionName(term: string, method: unknown): string | undefined {
  switch (term) {
    case 'start': return 'resume';
    case 'stop': return method === 'graceful' || method === 'acpioff' ? 'poweroff' : 'poweroff-hard';
    case 'restart': return method === 'graceful' || method === 'warm' ? 'reboot' : 'reboot-hard';
    case 'suspend': return 'suspend';
    default: return undefined;
  }
}

/** Image states, include/Image.h. */
export const IMAGE_STATE_NAMES = ['INIT', 'READY', 'USED', 'DISABLED', 'LOCKED', 'ERROR', 'CLONE', 'DELETE', 'USED_PERS', 'LOCKED_USED', 'LOCKED_USED_PERS'] as const;

export interface ResourceStatus<S extends string> {
  readonly state: S;
  readonly message: string;
  readonly gone: boolean;
}

/** Image → storage: READY and in use are `online`, ERROR `error`, anything else `offline` (rOCCI-server 2.x); DELETE is gone. */
export function imageStatus(state: number): ResourceStatus<'online' | 'offline' | 'error'> {
  const name = IMAGE_STATE_NAMES[state] ?? `STATE_${state}`;
  const occi = name === 'READY' || name === 'USED' || name === 'USED_PERS' ? 'online' : name === 'ERROR' ? 'error' : 'offline';
  return { state: occi, message: name, gone: name === 'DELETE' };
}

/** Virtual network states, include/VirtualNetwork.h. */
export const VNET_STATE_NAMES = ['INIT', 'READY', 'LOCK_CREATE', 'LOCK_DELETE', 'DONE', 'ERROR', 'UPDATE_FAILURE'] as const;

/** Virtual network → network: READY is `active`, ERROR and UPDATE_FAILURE `error`, LOCK_CREATE `inactive`; LOCK_DELETE and DONE are gone. */
export function vnetStatus(state: number): ResourceStatus<'active' | 'inactive' | 'error'> {
  const name = VNET_STATE_NAMES[state] ?? `STATE_${state}`;
  const occi = name === 'READY' ? 'active' : name === 'ERROR' || name === 'UPDATE_FAILURE' ? 'error' : 'inactive';
  return { state: occi, message: name, gone: name === 'LOCK_DELETE' || name === 'DONE' };
}

/** Image TYPE numbers: 2 is DATABLOCK, the only type OCCI storage maps to. */
export const IMAGE_TYPE = { OS: 0, CDROM: 1, DATABLOCK: 2 } as const;

/** MiB (oned's SIZE, MEMORY) → GiB (occi.storage.size, occi.compute.memory), kept to three decimals. */
export const mibToGib = (mib: number): number => Math.round((mib / 1024) * 1000) / 1000;
/** GiB → whole MiB, at least 1. */
export const gibToMib = (gib: number): number => Math.max(1, Math.round(gib * 1024));

/** OCCI architecture ↔ OS/ARCH. */
export const ARCH_TO_ONE: Readonly<Record<string, string>> = { x64: 'x86_64', x86: 'i686' };
export const ARCH_FROM_ONE: Readonly<Record<string, string>> = { x86_64: 'x64', amd64: 'x64', i686: 'x86', i386: 'x86' };

/** Where an entity of this backend lives: a VM, virtual network or image by ID, a NIC or disk by VM and NIC/DISK ID. */
export type Place =
  | { readonly kind: 'compute' | 'network' | 'storage'; readonly id: number }
  | { readonly kind: 'networkinterface' | 'storagelink'; readonly vm: number; readonly sub: number };

/** Parses `/compute/5`, `/network/1`, `/storage/7`, `/networkinterface/5-0`, `/storagelink/5-2`; anything else is undefined. */
export function parseLocation(location: string): Place | undefined {
  const m = /^\/(compute|network|storage|networkinterface|storagelink)\/(\d{1,10})(?:-(\d{1,10}))?$/.exec(location);
  if (!m) return undefined;
  const kind = m[1] as Place['kind'];
  const isLink = kind === 'networkinterface' || kind === 'storagelink';
  if (isLink !== (m[3] !== undefined)) return undefined;
  return isLink ? { kind, vm: Number(m[2]), sub: Number(m[3]) } : { kind, id: Number(m[2]) } as Place;
}

/** The id of a NIC or disk link: `<VM ID>-<NIC_ID or DISK_ID>`. */
export const linkId = (vm: number | string, sub: number | string): string => `${vm}-${sub}`;

/** Sets the version: a digest of everything rendered (oned has no version counter; STIME has one-second resolution). */
export function versioned<T extends Entity>(entity: T): T {
  const { version: _ignored, ...rest } = entity;
  entity.version = createHash('sha1').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
  return entity;
}
