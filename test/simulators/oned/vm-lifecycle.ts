import { releaseImage } from './images.js';
import { tplVectors } from './one-template.js';
import { fail } from './rpc.js';
import type { OnedState, User, Vm } from './state.js';
import { isActive, isFailure, LCM, STATE, stateName } from './vm-states.js';
import { releaseLease } from './vnets.js';

/** HISTORY/ACTION numbers (vm.xsd comment) of the actions the simulator plays. */
export const ACTION_ID: Record<string, number> = {
  undeploy: 5, 'undeploy-hard': 6, hold: 7, release: 8, stop: 9, suspend: 10, resume: 11, reboot: 15, 'reboot-hard': 16,
  resched: 17, unresched: 18, poweroff: 19, 'poweroff-hard': 20, 'disk-attach': 21, 'disk-detach': 22, 'nic-attach': 23,
  'nic-detach': 24, terminate: 27, 'terminate-hard': 28, rename: 34, resize: 35, update: 36, 'disk-saveas': 40,
};

type Step = [state: number, lcm: number, effect?: () => void];

export function setState(vm: Vm, state: number, lcm: number): void {
  vm.prevState = vm.state;
  vm.prevLcm = vm.lcm;
  vm.state = state;
  vm.lcm = lcm;
}

/** Replaces the VM's queue with these transitions (played by the step mode). */
export function play(state: OnedState, vm: Vm, steps: readonly Step[]): void {
  state.stepper.schedule(`vm:${vm.id}`, steps.map(([s, l, effect]) => () => { setState(vm, s, l); effect?.(); }));
}

/** Stamps the action on the current history record, as oned does for every VM action. */
export function recordAction(vm: Vm, user: User, action: string): void {
  const h = vm.history.at(-1);
  if (!h) return;
  h.action = ACTION_ID[action] ?? 0;
  h.uid = user.id;
  h.gid = user.gid;
}

function openHistory(state: OnedState, vm: Vm): void {
  const now = state.now();
  vm.history.push({ seq: vm.history.length, stime: now, etime: 0, pstime: now, petime: 0, rstime: 0, retime: 0, estime: 0, eetime: 0, action: 0, uid: -1, gid: -1 });
  vm.deployId = `one-${vm.id}`;
  const graphics = tplVectors(vm.template, 'GRAPHICS')[0];
  // oned picks VNC_PORTS/START (5900) + VM ID when the template gives no port.
  if (graphics && graphics.PORT === undefined) graphics.PORT = String(5900 + vm.id);
}

function booted(state: OnedState, vm: Vm): void {
  const h = vm.history.at(-1);
  if (h && h.petime === 0) { h.petime = state.now(); h.rstime = state.now(); }
}

function running(state: OnedState, vm: Vm): void {
  vm.lastPoll = state.now();
}

/** The VM leaves its host (STOPPED, UNDEPLOYED, DONE): the history record closes. */
function closeHistory(state: OnedState, vm: Vm): void {
  const h = vm.history.at(-1);
  if (!h || h.etime !== 0) return;
  const now = state.now();
  h.etime = now; h.retime = h.retime || now; h.estime = now; h.eetime = now;
}

/** PENDING → (scheduler) PROLOG* → BOOT* → RUNNING, the prolog depending on where the VM comes from (§5.1). */
export function deploy(state: OnedState, vm: Vm): void {
  const [prolog, boot] = vm.redeploy === 'stopped' ? [LCM.PROLOG_RESUME, LCM.BOOT_STOPPED]
    : vm.redeploy === 'undeployed' ? [LCM.PROLOG_UNDEPLOY, LCM.BOOT_UNDEPLOY] : [LCM.PROLOG, LCM.BOOT];
  play(state, vm, [
    [STATE.ACTIVE, prolog, () => openHistory(state, vm)],
    [STATE.ACTIVE, boot, () => booted(state, vm)],
    [STATE.ACTIVE, LCM.RUNNING, () => running(state, vm)],
  ]);
}

/** DONE: ETIME set, leases and images given back (xml-rpc.md §5.1). Quota usage follows by itself. */
export function finish(state: OnedState, vm: Vm): void {
  state.stepper.cancel(`vm:${vm.id}`);
  setState(vm, STATE.DONE, LCM.LCM_INIT);
  vm.etime = state.now();
  closeHistory(state, vm);
  for (const nic of tplVectors(vm.template, 'NIC')) releaseLease(state, nic, vm.id);
  for (const disk of tplVectors(vm.template, 'DISK')) if (disk.IMAGE_ID !== undefined) releaseImage(state, Number(disk.IMAGE_ID), vm.id);
}

const notAvailable = (action: string, vm: Vm) =>
  fail.action(`Error performing action "${action}": This action is not available for state ${stateName(vm)}`, vm.id);

/** The operation an action needs (oned.conf VM_*_OPERATIONS defaults). */
export const actionOp = (action: string): 'ADMIN' | 'MANAGE' => (action === 'resched' || action === 'unresched' ? 'ADMIN' : 'MANAGE');

export const isKnownAction = (action: string): boolean =>
  ['terminate', 'terminate-hard', 'undeploy', 'undeploy-hard', 'poweroff', 'poweroff-hard', 'reboot', 'reboot-hard',
    'suspend', 'resume', 'stop', 'hold', 'release', 'resched', 'unresched'].includes(action);

/** one.vm.action's state rules (xml-rpc.md §4.1 table) and the sequences each starts (§5.1). */
export function vmAction(state: OnedState, user: User, vm: Vm, action: string): void {
  transition(state, vm, action);
  recordAction(vm, user, action);
}

function transition(state: OnedState, vm: Vm, action: string): void {
  const runningOrUnknown = isActive(vm, LCM.RUNNING) || isActive(vm, LCM.UNKNOWN);
  const hard = action.endsWith('-hard');
  const done = (): void => finish(state, vm);
  switch (action) {
    case 'terminate': case 'terminate-hard': {
      if (runningOrUnknown || (hard && isActive(vm, LCM.SHUTDOWN))) {
        setState(vm, STATE.ACTIVE, LCM.SHUTDOWN);
        play(state, vm, [[STATE.ACTIVE, LCM.EPILOG], [STATE.DONE, LCM.LCM_INIT, done]]);
      } else if (([STATE.SUSPENDED, STATE.POWEROFF, STATE.STOPPED, STATE.UNDEPLOYED] as number[]).includes(vm.state)) {
        setState(vm, STATE.ACTIVE, LCM.EPILOG);
        play(state, vm, [[STATE.DONE, LCM.LCM_INIT, done]]);
      } else if (([STATE.INIT, STATE.PENDING, STATE.HOLD, STATE.CLONING, STATE.CLONING_FAILURE] as number[]).includes(vm.state) || isFailure(vm)) {
        done();
      } else if (vm.state !== STATE.DONE) {
        throw fail.action(`Could not terminate VM ${vm.id}, wrong state ${stateName(vm)}.`, vm.id);
      }
      return;
    }
    case 'undeploy': case 'undeploy-hard': {
      const toUndeployed: Step = [STATE.UNDEPLOYED, LCM.LCM_INIT, () => { closeHistory(state, vm); vm.redeploy = 'undeployed'; }];
      if (runningOrUnknown || (hard && isActive(vm, LCM.SHUTDOWN_UNDEPLOY))) {
        setState(vm, STATE.ACTIVE, LCM.SHUTDOWN_UNDEPLOY);
        play(state, vm, [[STATE.ACTIVE, LCM.EPILOG_UNDEPLOY], toUndeployed]);
      } else if (vm.state === STATE.POWEROFF) {
        setState(vm, STATE.ACTIVE, LCM.EPILOG_UNDEPLOY);
        play(state, vm, [toUndeployed]);
      } else throw notAvailable(action, vm);
      return;
    }
    case 'poweroff': case 'poweroff-hard': {
      if (!runningOrUnknown && !(hard && isActive(vm, LCM.SHUTDOWN_POWEROFF))) throw notAvailable(action, vm);
      setState(vm, STATE.ACTIVE, LCM.SHUTDOWN_POWEROFF);
      play(state, vm, [[STATE.POWEROFF, LCM.LCM_INIT]]);
      return;
    }
    case 'reboot': case 'reboot-hard': case 'suspend': {
      if (!isActive(vm, LCM.RUNNING)) throw notAvailable(action, vm);
      if (action === 'suspend') {
        setState(vm, STATE.ACTIVE, LCM.SAVE_SUSPEND);
        play(state, vm, [[STATE.SUSPENDED, LCM.LCM_INIT]]);
      }
      return;
    }
    case 'resume': {
      const boot = vm.state === STATE.SUSPENDED ? LCM.BOOT_SUSPENDED : vm.state === STATE.POWEROFF ? LCM.BOOT_POWEROFF
        : isActive(vm, LCM.UNKNOWN) ? LCM.BOOT_UNKNOWN : undefined;
      if (boot !== undefined) {
        setState(vm, STATE.ACTIVE, boot);
        play(state, vm, [[STATE.ACTIVE, LCM.RUNNING, () => running(state, vm)]]);
      } else if (vm.state === STATE.STOPPED || vm.state === STATE.UNDEPLOYED) {
        setState(vm, STATE.PENDING, LCM.LCM_INIT);
        deploy(state, vm);
      } else throw notAvailable(action, vm);
      return;
    }
    case 'stop': {
      const toStopped: Step = [STATE.STOPPED, LCM.LCM_INIT, () => { closeHistory(state, vm); vm.redeploy = 'stopped'; }];
      if (isActive(vm, LCM.RUNNING)) {
        setState(vm, STATE.ACTIVE, LCM.SAVE_STOP);
        play(state, vm, [[STATE.ACTIVE, LCM.EPILOG_STOP], toStopped]);
      } else if (vm.state === STATE.SUSPENDED) {
        setState(vm, STATE.ACTIVE, LCM.EPILOG_STOP);
        play(state, vm, [toStopped]);
      } else throw notAvailable(action, vm);
      return;
    }
    case 'hold': {
      if (vm.state !== STATE.PENDING) throw notAvailable(action, vm);
      state.stepper.cancel(`vm:${vm.id}`);
      setState(vm, STATE.HOLD, LCM.LCM_INIT);
      return;
    }
    case 'release': {
      if (vm.state !== STATE.HOLD) throw notAvailable(action, vm);
      setState(vm, STATE.PENDING, LCM.LCM_INIT);
      deploy(state, vm);
      return;
    }
    case 'resched': case 'unresched': {
      if (!runningOrUnknown && vm.state !== STATE.POWEROFF) throw notAvailable(action, vm);
      vm.resched = action === 'resched' ? 1 : 0;
      return;
    }
    default:
      throw fail.action(`Action "${action}" is not supported`, vm.id);
  }
}
