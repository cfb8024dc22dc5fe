import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IMAGE_METHODS } from './images.js';
import { fail, OnedFailure, type Arg, type Call, type Method, type ParamType } from './rpc.js';
import { seed, SEEDED_PASSWORDS } from './seed.js';
import { OnedState, Stepper, type StepMode, type User, type VmQuota } from './state.js';
import { TEMPLATE_METHODS } from './templates.js';
import { addUser, authenticate, USER_METHODS, type NewUser } from './users.js';
import { setState } from './vm-lifecycle.js';
import { VM_METHODS } from './vms.js';
import { VNET_METHODS } from './vnets.js';
import { Fault, failureResponse, faultResponse, parseMethodCall, successResponse, type WireValue } from './wire.js';

const METHODS: Record<string, Method> = { ...USER_METHODS, ...VM_METHODS, ...TEMPLATE_METHODS, ...VNET_METHODS, ...IMAGE_METHODS };

export interface OnedSimulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How VMs, images and networks walk their states (see Stepper); default `info`. */
  stepMode?: StepMode;
  /** Wall time of one step in `timer` mode; default 200 ms. */
  stepMs?: number;
  /** What one.system.version answers; default 7.0.2. */
  version?: string;
  /** Size of the private network's address range; default 20. */
  privateLeases?: number;
  serveradminPassword?: string;
  /** Let RUNNING VMs be resized in place (HOTPLUG_RESIZE). */
  liveResize?: boolean;
}

/**
 * A fault to play on matching calls, `times` times (default: until removed).
 * `delayMs` holds the answer back; `drop` destroys the connection before the
 * call runs or after it ran (the change is made, the answer lost); `error`
 * answers an oned failure without running the call.
 */
export interface InjectedFault {
  method?: string | RegExp;
  delayMs?: number;
  drop?: 'before' | 'after';
  error?: { code: number; message?: string };
  times?: number;
}

export interface SimUser { id: number; name: string; password: string; session: string }

export interface OnedSimulator {
  /** `http://127.0.0.1:PORT/RPC2` */
  readonly url: string;
  readonly port: number;
  readonly state: OnedState;
  readonly users: { oneadmin: SimUser; serveradmin: SimUser; alice: SimUser };
  /** Method names of every call that reached the simulator, in order (for counting upstream calls). */
  readonly calls: string[];
  addUser(user: NewUser): SimUser;
  setQuota(name: string, quota: VmQuota): void;
  inject(fault: InjectedFault): () => void;
  clearFaults(): void;
  /** Plays one pending step of a VM (by ID), of any object (`image:3`), or of everything; returns steps played. */
  advance(target?: number | string): number;
  /** Plays every pending step to the end. */
  settle(): number;
  /** Puts a VM in any STATE/LCM_STATE (e.g. a *_FAILURE one) and drops its pending steps. */
  forceVmState(id: number, state: number, lcm?: number): void;
  close(): Promise<void>;
}

const TYPE_OF: Record<ParamType, (v: WireValue) => boolean> = {
  string: (v) => v.type === 'string',
  int: (v) => v.type === 'int',
  boolean: (v) => v.type === 'boolean',
  array: (v) => v.type === 'array' && (v.value as WireValue[]).every((e) => e.type === 'int'),
};

function checkParams(method: Method, params: readonly WireValue[]): Arg[] {
  const expected = [...method.params, ...(method.optional ?? [])];
  const count = params.length - 1;
  if (count < method.params.length || method.forbiddenCounts?.includes(count)) throw new Fault(-501, 'Not enough parameters');
  return params.slice(1, 1 + expected.length).map((p, i) => {
    if (!TYPE_OF[expected[i]](p)) throw new Fault(-501, `Type mismatch: parameter ${i + 1} is not ${expected[i]}`);
    return p.type === 'array' ? (p.value as WireValue[]).map((e) => e.value as number) : (p.value as Arg);
  });
}

/** Runs one call the way oned's Request::execute does: session, authentication, parameters, the method. */
function execute(state: OnedState, name: string, params: readonly WireValue[]): string {
  const method = Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
  if (!method) throw new Fault(-506, `Method '${name}' not defined`);
  if (params.length === 0 || params[0].type !== 'string') throw new Fault(-501, 'Not enough parameters');
  state.stepper.tick();
  try {
    const user: User = authenticate(state, params[0].value as string);
    const call: Call = { state, user, method: name, args: checkParams(method, params) };
    return successResponse(method.run(call));
  } catch (err) {
    if (err instanceof OnedFailure) return failureResponse(`[${name}] ${err.text}`, err.code, err.objectId);
    if (err instanceof Fault) throw err;
    const message = err instanceof Error ? err.stack ?? err.message : String(err);
    return failureResponse(`[${name}] simulator error: ${message}`, 0x2000, -1);
  }
}

/** Starts the simulator on 127.0.0.1 (port 0 = any free port), seeded as a fresh install plus alice. */
export async function startOnedSimulator(options: OnedSimulatorOptions = {}): Promise<OnedSimulator> {
  const state = new OnedState(new Stepper(options.stepMode ?? 'info', options.stepMs ?? 200), options.version ?? '7.0.2');
  state.liveResize = options.liveResize ?? false;
  const serveradminPassword = options.serveradminPassword ?? 'serveradmin';
  seed(state, { serveradminPassword, privateLeases: options.privateLeases ?? 20 });
  const faults: Array<InjectedFault & { left: number }> = [];
  const calls: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number): Promise<void> => new Promise((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  const takeFault = (method: string): InjectedFault | undefined => {
    const f = faults.find((x) => x.left > 0 && (x.method === undefined || (typeof x.method === 'string' ? x.method === method : x.method.test(method))));
    if (f) f.left--;
    return f;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    if (req.method !== 'POST') { res.writeHead(405, { allow: 'POST' }).end(); return; }
    if (req.url !== '/RPC2') { res.writeHead(404).end(); return; }
    let answer: string;
    let fault: InjectedFault | undefined;
    try {
      const { method, params } = parseMethodCall(body);
      calls.push(method);
      fault = takeFault(method);
      if (fault?.delayMs) await wait(fault.delayMs);
      if (fault?.drop === 'before') { req.socket.destroy(); return; }
      answer = fault?.error
        ? failureResponse(`[${method}] ${fault.error.message ?? 'Injected failure.'}`, fault.error.code, -1)
        : execute(state, method, params);
    } catch (err) {
      if (!(err instanceof Fault)) throw err;
      answer = faultResponse(err.code, err.message);
    }
    if (fault?.drop === 'after') { req.socket.destroy(); return; }
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) res.writeHead(500).end(String(err));
      });
    });
    req.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}/RPC2`;

  const simUser = (name: string, password: string): SimUser => ({ id: state.userByName(name)!.id, name, password, session: `${name}:${password}` });
  return {
    url,
    port: address.port,
    state,
    users: {
      oneadmin: simUser('oneadmin', SEEDED_PASSWORDS.oneadmin),
      serveradmin: simUser('serveradmin', serveradminPassword),
      alice: simUser('alice', SEEDED_PASSWORDS.alice),
    },
    calls,
    addUser(user) {
      if (state.userByName(user.name)) throw new Error(`user ${user.name} exists`);
      addUser(state, user);
      return simUser(user.name, user.password);
    },
    setQuota(name, quota) {
      const user = state.userByName(name);
      if (!user) throw new Error(`no user ${name}`);
      user.quota = { ...quota };
    },
    inject(fault) {
      const entry = { ...fault, left: fault.times ?? Infinity };
      faults.push(entry);
      return () => { const at = faults.indexOf(entry); if (at !== -1) faults.splice(at, 1); };
    },
    clearFaults() { faults.length = 0; },
    advance(target) {
      return state.stepper.advance(typeof target === 'number' ? `vm:${target}` : target);
    },
    settle: () => state.stepper.settle(),
    forceVmState(id, s, lcm = 0) {
      const vm = state.vms.get(id);
      if (!vm) throw fail.noExists('virtual machine', id);
      state.stepper.cancel(`vm:${id}`);
      setState(vm, s, lcm);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
