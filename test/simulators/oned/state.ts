import { createHash } from 'node:crypto';
import type { Tpl } from './one-template.js';

/** Nine 0/1 flags: OWNER_U/M/A, GROUP_U/M/A, OTHER_U/M/A (xml-rpc.md §8). */
export type Perms = readonly [number, number, number, number, number, number, number, number, number];
/** DEFAULT_UMASK 177: owner use and manage only. */
export const UMASK_177: Perms = [1, 1, 0, 0, 0, 0, 0, 0, 0];
export type Op = 'USE' | 'MANAGE' | 'ADMIN';
const OP_BIT: Record<Op, number> = { USE: 0, MANAGE: 1, ADMIN: 2 };

export interface Owned {
  readonly id: number;
  uid: number;
  gid: number;
  name: string;
  perms: Perms;
}

export interface Token { token: string; expiration: number; egid: number }
export interface VmQuota { VMS?: number; CPU?: number; MEMORY?: number }

export interface User {
  readonly id: number;
  name: string;
  passwordHash: string;
  gid: number;
  groups: number[];
  authDriver: string;
  enabled: boolean;
  tokens: Token[];
  template: Tpl;
  quota: VmQuota;
}

export interface Group { readonly id: number; name: string; template: Tpl }

export interface History {
  seq: number; stime: number; etime: number; pstime: number; petime: number; rstime: number; retime: number;
  estime: number; eetime: number; action: number; uid: number; gid: number;
}

export interface Vm extends Owned {
  state: number; lcm: number; prevState: number; prevLcm: number;
  resched: number; stime: number; etime: number; deployId: string; lastPoll: number;
  /** The well-known attributes (xml-rpc.md §3.3); everything else is in userTemplate. */
  template: Tpl;
  userTemplate: Tpl;
  history: History[];
  /** Which prolog the next deployment plays: a first deploy, or a return from STOPPED / UNDEPLOYED. */
  redeploy: 'fresh' | 'stopped' | 'undeployed';
}

export interface VmTemplate extends Owned { regtime: number; template: Tpl }

export interface Lease { ip: string; mac: string; vm: number }
/** Only IPv4 ranges are simulated; the MAC of each address is 02:00 followed by its four bytes. */
export interface AddressRange { id: number; type: 'IP4'; ip: string; mac: string; size: number; leases: Lease[] }
export interface Vnet extends Owned {
  state: number; prevState: number; bridge: string; vnMad: string; template: Tpl; ars: AddressRange[];
  /** ARs given at allocation, added when the network leaves LOCK_CREATE. */
  pendingArs: Tpl;
}

export interface Image extends Owned {
  type: number; persistent: boolean; regtime: number; modtime: number; source: string; path: string;
  format: string; fs: string; size: number; state: number; prevState: number; datastoreId: number;
  vms: number[]; template: Tpl;
}

export interface Datastore extends Owned {
  dsMad: string; tmMad: string; type: number; diskType: number; totalMb: number; template: Tpl;
}

export type StepMode = 'info' | 'timer' | 'manual' | 'immediate';

/**
 * Queues of pending transitions, one per object (`vm:3`, `image:1`), played
 * by the simulator's step mode: one step per read of the object (`info`),
 * one step per `stepMs` of wall time (`timer`, applied lazily at the next
 * call), only on `advance()` (`manual`), or all at once (`immediate`).
 */
export class Stepper {
  readonly mode: StepMode;
  readonly stepMs: number;
  readonly #queues = new Map<string, Array<() => void>>();
  readonly #last = new Map<string, number>();

  constructor(mode: StepMode, stepMs: number) {
    this.mode = mode;
    this.stepMs = stepMs;
  }

  /** Replaces the object's queue: an accepted action cancels what was still to come. */
  schedule(key: string, steps: Array<() => void>): void {
    this.#queues.set(key, [...steps]);
    this.#last.set(key, Date.now());
    if (this.mode === 'immediate') this.#drain(key, Infinity);
  }

  cancel(key: string): void {
    this.#queues.delete(key);
  }

  pending(key: string): number {
    return this.#queues.get(key)?.length ?? 0;
  }

  /** The object was read: in `info` mode that plays its next step. */
  observed(key: string): void {
    if (this.mode === 'info') this.#drain(key, 1);
  }

  /** `timer` mode: plays every step whose time has come. */
  tick(): void {
    if (this.mode !== 'timer') return;
    const now = Date.now();
    for (const key of [...this.#queues.keys()]) {
      let last = this.#last.get(key) ?? now;
      while (this.pending(key) > 0 && now - last >= this.stepMs) {
        last += this.stepMs;
        this.#last.set(key, last);
        this.#drain(key, 1);
      }
    }
  }

  /** Plays one step of `key`, or of every object with a queue; returns how many were played. */
  advance(key?: string): number {
    const keys = key === undefined ? [...this.#queues.keys()] : [key];
    return keys.reduce((n, k) => n + this.#drain(k, 1), 0);
  }

  /** Plays every queue to its end. */
  settle(): number {
    let n = 0;
    while (this.#queues.size > 0) n += [...this.#queues.keys()].reduce((m, k) => m + this.#drain(k, Infinity), 0);
    return n;
  }

  #drain(key: string, max: number): number {
    let n = 0;
    for (; n < max; n++) {
      const queue = this.#queues.get(key);
      const step = queue?.shift();
      if (!step) break;
      if (queue!.length === 0) this.#queues.delete(key);
      step();
    }
    return n;
  }
}

export type PoolName = 'user' | 'group' | 'vm' | 'template' | 'vnet' | 'image' | 'datastore';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Everything oned would keep in its database, plus the step queues. */
export class OnedState {
  readonly users = new Map<number, User>();
  readonly groups = new Map<number, Group>();
  readonly vms = new Map<number, Vm>();
  readonly templates = new Map<number, VmTemplate>();
  readonly vnets = new Map<number, Vnet>();
  readonly images = new Map<number, Image>();
  readonly datastores = new Map<number, Datastore>();
  readonly stepper: Stepper;
  readonly version: string;
  /** Whether RUNNING VMs may be resized in place (a driver with live resize); rOCCI assumed not. */
  liveResize = false;
  readonly #next: Record<PoolName, number> = { user: 0, group: 0, vm: 0, template: 0, vnet: 0, image: 0, datastore: 0 };

  constructor(stepper: Stepper, version: string) {
    this.stepper = stepper;
    this.version = version;
  }

  /** The ID the pool would give next; IDs count up from 0 and are never reused. */
  peekId(pool: PoolName): number {
    return this.#next[pool];
  }

  takeId(pool: PoolName): number {
    return this.#next[pool]++;
  }

  /** Epoch seconds, as oned stamps STIME, REGTIME, ... */
  now(): number {
    return Math.floor(Date.now() / 1000);
  }

  userByName(name: string): User | undefined {
    return [...this.users.values()].find((u) => u.name === name);
  }

  uname(uid: number): string {
    return this.users.get(uid)?.name ?? '';
  }

  gname(gid: number): string {
    return this.groups.get(gid)?.name ?? '';
  }

  /** Members of group 0 (oneadmin) pass every permission and quota check. */
  isAdmin(user: User): boolean {
    return user.groups.includes(0);
  }

  /** Permission bits only: the default ACLs give group users nothing on others' objects. */
  can(user: User, obj: Owned, op: Op): boolean {
    if (this.isAdmin(user)) return true;
    const bit = OP_BIT[op];
    if (obj.uid === user.id && obj.perms[bit] === 1) return true;
    if (user.groups.includes(obj.gid) && obj.perms[3 + bit] === 1) return true;
    return obj.perms[6 + bit] === 1;
  }
}
