import type { OnedState, Op, Owned, User } from './state.js';

/** `include/Request.h` ErrorCode (xml-rpc.md §2). */
export const CODE = {
  AUTHENTICATION: 0x0100, AUTHORIZATION: 0x0200, NO_EXISTS: 0x0400, ACTION: 0x0800,
  XML_RPC_API: 0x1000, INTERNAL: 0x2000, ALLOCATE: 0x4000, LOCKED: 0x8000,
} as const;

/**
 * An OpenNebula-level failure; the dispatcher prefixes `[method] ` and answers
 * `[false, message, code, objectId, -1]`. `text` is what follows the prefix.
 */
export class OnedFailure extends Error {
  constructor(readonly code: number, readonly text: string, readonly objectId = -1) {
    super(text);
  }
}

/** Object names used in messages (xml-rpc.md §2). */
export type ObjectName =
  | 'virtual machine' | 'virtual machine template' | 'virtual network' | 'image' | 'user' | 'group' | 'datastore';
/** Authorization object types in reasons. */
export type AuthType = 'VM' | 'TEMPLATE' | 'NET' | 'IMAGE' | 'USER' | 'GROUP' | 'DATASTORE';

export const fail = {
  authentication: (): OnedFailure => new OnedFailure(CODE.AUTHENTICATION, "User couldn't be authenticated, aborting call."),
  /** `User [uid] : <reason>.` — the reason of a refused permission or an exhausted quota. */
  authorization: (uid: number, reason: string, objectId = -1): OnedFailure =>
    new OnedFailure(CODE.AUTHORIZATION, `User [${uid}] : ${reason}.`, objectId),
  noExists: (name: ObjectName, id: number): OnedFailure => new OnedFailure(CODE.NO_EXISTS, `Error getting ${name} [${id}].`, id),
  action: (reason: string, objectId = -1): OnedFailure => new OnedFailure(CODE.ACTION, reason, objectId),
  api: (reason: string): OnedFailure => new OnedFailure(CODE.XML_RPC_API, reason),
  internal: (reason: string, objectId = -1): OnedFailure => new OnedFailure(CODE.INTERNAL, reason, objectId),
  allocate: (name: ObjectName, reason: string): OnedFailure => new OnedFailure(CODE.ALLOCATE, `Error allocating a new ${name}. ${reason}`),
};

export type ParamType = 'string' | 'int' | 'boolean' | 'array';
export type Arg = string | number | boolean | number[];

/** One authenticated call: the caller, the method name and the checked arguments after the session. */
export interface Call {
  readonly state: OnedState;
  readonly user: User;
  readonly method: string;
  readonly args: readonly Arg[];
}

export interface Method {
  /** Required parameters after the session. */
  readonly params: readonly ParamType[];
  /** Optional trailing parameters, in order. */
  readonly optional?: readonly ParamType[];
  /** Parameter counts (after the session) that fault with -501 although within range (a pair sent half). */
  readonly forbiddenCounts?: readonly number[];
  run(call: Call): string | number | boolean;
}

export const int = (call: Call, i: number): number => call.args[i] as number;
export const str = (call: Call, i: number): string => call.args[i] as string;
export const bool = (call: Call, i: number, fallback = false): boolean => (i < call.args.length ? (call.args[i] as boolean) : fallback);

/** Fetches an object and checks `op` on it, with oned's NO_EXISTS and AUTHORIZATION answers. */
export function authorize<T extends Owned>(
  call: Call, pool: ReadonlyMap<number, T>, id: number, name: ObjectName, type: AuthType, op: Op,
): T {
  const obj = pool.get(id);
  if (!obj) throw fail.noExists(name, id);
  if (!call.state.can(call.user, obj, op)) {
    throw fail.authorization(call.user.id, `Not authorized to perform ${op} ${type} [${id}]`, id);
  }
  return obj;
}

/**
 * Pool listing rules of xml-rpc.md §3.1: the filter flag picks the owner set,
 * permissions (USE) apply on top, then the ID range or page.
 */
export function poolFilter<T extends Owned>(call: Call, objects: Iterable<T>, flag: number, start: number, end: number): T[] {
  if (flag < -4) throw fail.api('Incorrect filter_flag');
  const { user, state } = call;
  const chosen = [...objects].filter((o) => {
    if (flag === -4 && o.gid !== user.gid) return false;
    if (flag === -3 && o.uid !== user.id) return false;
    if (flag === -1 && o.uid !== user.id && !user.groups.includes(o.gid)) return false;
    if (flag >= 0 && o.uid !== flag) return false;
    return state.can(user, o, 'USE');
  }).sort((a, b) => a.id - b.id);
  if (end < -1) return chosen.slice(Math.max(0, start), Math.max(0, start) - end);
  return chosen.filter((o) => (start < 0 || o.id >= start) && (end === -1 || o.id <= end));
}

/** `Invalid NAME, ...` reasons of PoolObjectSQL::name_is_valid, or undefined when the name is fine. */
export function invalidName(name: string): string | undefined {
  if (name.length === 0) return 'Invalid NAME, it cannot be empty';
  if (name.length > 128) return 'Invalid NAME, max length is 128 chars';
  const bad = /[&|:\\";/'#{}$<>\t\n\v\f\r]/.exec(name);
  return bad ? `Invalid NAME, char '${bad[0]}' is not allowed` : undefined;
}
