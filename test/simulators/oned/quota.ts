import { fail } from './rpc.js';
import type { OnedState, User } from './state.js';
import { STATE } from './vm-states.js';
import type { VmQuotaView } from './xml.js';
import { tplString } from './one-template.js';

// ostream's default precision: six significant digits.
const fmt = (n: number): number => Number(n.toPrecision(6));

/** What a user's live VMs use; computed from the VMs, so it can never drift. DONE VMs count for nothing. */
export function vmUsage(state: OnedState, uid: number): VmQuotaView['used'] {
  const used = { VMS: 0, CPU: 0, MEMORY: 0, RUNNING_VMS: 0, RUNNING_CPU: 0, RUNNING_MEMORY: 0 };
  for (const vm of state.vms.values()) {
    if (vm.uid !== uid || vm.state === STATE.DONE) continue;
    const cpu = Number(tplString(vm.template, 'CPU') ?? 0);
    const memory = Number(tplString(vm.template, 'MEMORY') ?? 0);
    used.VMS += 1; used.CPU += cpu; used.MEMORY += memory;
    if (![STATE.STOPPED, STATE.POWEROFF, STATE.UNDEPLOYED].includes(vm.state as 4 | 8 | 9)) {
      used.RUNNING_VMS += 1; used.RUNNING_CPU += cpu; used.RUNNING_MEMORY += memory;
    }
  }
  used.CPU = fmt(used.CPU);
  used.RUNNING_CPU = fmt(used.RUNNING_CPU);
  return used;
}

/** The VM_QUOTA entry oned shows once a user has a limit or a VM. */
export function quotaView(state: OnedState, user: User): VmQuotaView | undefined {
  const used = vmUsage(state, user.id);
  const q = user.quota;
  if (q.VMS === undefined && q.CPU === undefined && q.MEMORY === undefined && used.VMS === 0) return undefined;
  return { limits: { VMS: q.VMS ?? -1, CPU: q.CPU ?? -1, MEMORY: q.MEMORY ?? -1 }, used };
}

/**
 * Quota::check_quota: the first metric past its limit fails the call with
 * AUTHORIZATION, `User [uid] : user [uid] limit of <n> reached for <METRIC> quota in VM.`
 * Members of the oneadmin group have no quotas.
 */
export function checkVmQuota(state: OnedState, user: User, add: { VMS: number; CPU: number; MEMORY: number }): void {
  if (state.isAdmin(user)) return;
  const used = vmUsage(state, user.id);
  for (const metric of ['VMS', 'CPU', 'MEMORY'] as const) {
    const limit = user.quota[metric];
    if (limit === undefined || limit < 0 || add[metric] === 0) continue;
    if (used[metric] + add[metric] > limit) {
      throw fail.authorization(user.id, `user [${user.id}] limit of ${fmt(limit)} reached for ${metric} quota in VM`);
    }
  }
}
