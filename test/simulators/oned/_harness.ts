import assert from 'node:assert/strict';
import { asList, parseOnedDocument, type OneObject, type OneValue } from '../../../src/backends/opennebula/document.js';
import { OnedError } from '../../../src/backends/opennebula/errors.js';
import { XmlRpcClient, type XmlRpcParam } from '../../../src/backends/opennebula/xmlrpc.js';
import type { OnedSimulator } from './server.js';

/** An oned session bound to one user: `rpc(method, ...params)` through the backend's own client. */
export interface Session {
  readonly session: string;
  rpc(method: string, ...params: XmlRpcParam[]): Promise<string | number | boolean>;
  /** Calls a `*.info` method and parses its document. */
  doc(method: string, root: string, ...params: XmlRpcParam[]): Promise<OneObject>;
}

export function sessionFor(sim: OnedSimulator, session: string, client = new XmlRpcClient({ url: sim.url, timeoutMs: 5000 })): Session {
  const rpc = (method: string, ...params: XmlRpcParam[]) => client.callOned(method, [session, ...params]);
  return {
    session,
    rpc,
    doc: async (method, root, ...params) => parseOnedDocument(String(await rpc(method, ...params)), root),
  };
}

/** Asserts an oned failure: its code and a message that matches (the `[method] ` prefix included). */
export async function rejectsOned(call: Promise<unknown>, code: number, message: RegExp | string): Promise<OnedError> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof OnedError, `expected an OnedError, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

/** STATE/LCM_STATE of a parsed VM. */
export const stateOf = (vm: OneObject): [number, number] => [Number(vm.STATE), Number(vm.LCM_STATE)];

export const child = (o: OneValue | undefined, name: string): OneValue | undefined =>
  (o !== undefined && typeof o === 'object' && !Array.isArray(o) ? o[name] : undefined);

export const list = (o: OneValue | undefined, ...path: string[]): OneObject[] => {
  let cur = o;
  for (const p of path.slice(0, -1)) cur = child(cur, p);
  return asList(child(cur, path[path.length - 1])) as OneObject[];
};
