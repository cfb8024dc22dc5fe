import { escapeXmlText, parseXmlTree, XmlSyntaxError, type XmlNode } from './_xml-tree.js';
import {
  OnedError, OnedTimeoutError, OnedUnreachableError, XmlRpcFault, XmlRpcProtocolError,
} from './errors.js';

/** A decoded XML-RPC value. Integers of every width and doubles come back as numbers. */
export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/** Sends a number as `<i8>` (xmlrpc-c's 64-bit extension) whatever its size. */
export class XmlRpcI8 {
  constructor(readonly value: number | bigint) {}
}
/** Sends a number as `<double>` even when it is whole. */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}
export const i8 = (value: number | bigint): XmlRpcI8 => new XmlRpcI8(value);
export const double = (value: number): XmlRpcDouble => new XmlRpcDouble(value);

/**
 * A parameter to encode: a whole number is `<int>` (or `<i8>` past 32 bits),
 * another number `<double>`, a bigint `<i8>`; arrays and plain objects nest.
 */
export type XmlRpcParam =
  | string | number | boolean | bigint | XmlRpcI8 | XmlRpcDouble
  | readonly XmlRpcParam[] | { readonly [member: string]: XmlRpcParam };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function encodeI8(v: number | bigint): string {
  const big = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (big === undefined || big < INT64_MIN || big > INT64_MAX) throw new TypeError(`not a 64-bit integer: ${v}`);
  return `<i8>${big}</i8>`;
}

function encodeDouble(v: number): string {
  if (!Number.isFinite(v)) throw new TypeError(`XML-RPC has no ${v}`);
  // XML-RPC doubles are plain decimals: no exponent.
  const s = Math.abs(v) >= 1e21 || (v !== 0 && Math.abs(v) < 1e-6) ? v.toFixed(20).replace(/0+$/, '') : String(v);
  return `<double>${s}</double>`;
}

function encodeValue(v: XmlRpcParam): string {
  if (typeof v === 'string') return `<value><string>${escapeXmlText(v)}</string></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'bigint') return `<value>${encodeI8(v)}</value>`;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return `<value>${encodeDouble(v)}</value>`;
    return `<value>${v >= INT32_MIN && v <= INT32_MAX ? `<int>${v}</int>` : encodeI8(v)}</value>`;
  }
  if (v instanceof XmlRpcI8) return `<value>${encodeI8(v.value)}</value>`;
  if (v instanceof XmlRpcDouble) return `<value>${encodeDouble(v.value)}</value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join('')}</data></array></value>`;
  if (v !== null && typeof v === 'object') {
    const members = Object.entries(v as { [k: string]: XmlRpcParam })
      .map(([name, value]) => `<member><name>${escapeXmlText(name)}</name>${encodeValue(value)}</member>`);
    return `<value><struct>${members.join('')}</struct></value>`;
  }
  throw new TypeError(`cannot encode ${String(v)} as XML-RPC`);
}

/** The request body for `method(...params)`; strings are entity-escaped, never CDATA. */
export function encodeMethodCall(method: string, params: readonly XmlRpcParam[]): string {
  const body = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<methodCall><methodName>${escapeXmlText(method)}</methodName><params>${body}</params></methodCall>`;
}

const protocol = (message: string): XmlRpcProtocolError => new XmlRpcProtocolError(message);

function onlyChild(node: XmlNode, name?: string): XmlNode {
  if (node.children.length !== 1 || (name !== undefined && node.children[0].name !== name)) {
    throw protocol(`<${node.name}> must hold exactly one <${name ?? 'element'}>`);
  }
  return node.children[0];
}

function parseInteger(text: string, tag: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw protocol(`<${tag}> holds "${t}", not an integer`);
  return Number(t);
}

function decodeValue(value: XmlNode): XmlRpcValue {
  // XML-RPC spec: a <value> without a type element is a string.
  if (value.children.length === 0) return value.text;
  const typed = onlyChild(value);
  switch (typed.name) {
    case 'string': return typed.text;
    case 'int': case 'i4': case 'i8': return parseInteger(typed.text, typed.name);
    case 'boolean': {
      const t = typed.text.trim();
      if (t !== '0' && t !== '1') throw protocol(`<boolean> holds "${t}"`);
      return t === '1';
    }
    case 'double': {
      const t = typed.text.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw protocol(`<double> holds "${t}"`);
      return Number(t);
    }
    case 'nil': return null;
    case 'array': {
      const data = onlyChild(typed, 'data');
      return data.children.map((v) => {
        if (v.name !== 'value') throw protocol(`<data> holds <${v.name}>`);
        return decodeValue(v);
      });
    }
    case 'struct': {
      const out: XmlRpcStruct = {};
      for (const member of typed.children) {
        const name = member.children.find((c) => c.name === 'name');
        const val = member.children.find((c) => c.name === 'value');
        if (member.name !== 'member' || !name || !val) throw protocol('malformed <struct> member');
        Object.defineProperty(out, name.text, { value: decodeValue(val), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      throw protocol(`unsupported XML-RPC type <${typed.name}>`);
  }
}

/** Decodes a `<methodResponse>`: its one value, or a thrown XmlRpcFault for `<fault>`. */
export function decodeMethodResponse(xml: string): XmlRpcValue {
  let root: XmlNode;
  try {
    root = parseXmlTree(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new XmlRpcProtocolError(err.message, undefined, { cause: err });
    throw err;
  }
  if (root.name !== 'methodResponse') throw protocol(`expected <methodResponse>, got <${root.name}>`);
  const body = onlyChild(root);
  if (body.name === 'fault') {
    const fault = decodeValue(onlyChild(body, 'value'));
    if (fault === null || typeof fault !== 'object' || Array.isArray(fault)) throw protocol('<fault> without a struct');
    const code = fault.faultCode;
    throw new XmlRpcFault(typeof code === 'number' ? code : Number.NaN, String(fault.faultString ?? ''));
  }
  if (body.name !== 'params') throw protocol(`unexpected <${body.name}> in <methodResponse>`);
  return decodeValue(onlyChild(onlyChild(body, 'param'), 'value'));
}

/**
 * Unwraps oned's answer array: `[true, result, 0]` gives `result`;
 * `[false, message, code, object id, replication index]` throws OnedError.
 */
export function unwrapOnedResponse(method: string, value: XmlRpcValue): string | number | boolean {
  if (!Array.isArray(value) || value.length < 2 || typeof value[0] !== 'boolean') {
    throw new XmlRpcProtocolError(`${method}: the answer is not oned's [ok, result, ...] array`);
  }
  if (value[0]) {
    const result = value[1];
    if (typeof result !== 'string' && typeof result !== 'number' && typeof result !== 'boolean') {
      throw new XmlRpcProtocolError(`${method}: unexpected result type`);
    }
    return result;
  }
  const code = typeof value[2] === 'number' ? value[2] : -1;
  const objectId = typeof value[3] === 'number' ? value[3] : -1;
  throw new OnedError(method, String(value[1]), code, objectId);
}

export interface XmlRpcClientOptions {
  /** The endpoint, e.g. `http://127.0.0.1:2633/RPC2`. */
  url: string | URL;
  /** Default time limit of one call, request and response body together. */
  timeoutMs?: number;
  /** Stand-in for global fetch (tests). */
  fetch?: typeof fetch;
}

export interface CallOptions {
  /** Cancels the call; its reason is thrown as is (it is the caller's abort, not a timeout). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A small XML-RPC client on global fetch (undici keeps connections alive).
 * Transport failures become OnedUnreachableError / OnedTimeoutError, faults
 * XmlRpcFault, anything that is not XML-RPC XmlRpcProtocolError.
 *
 * @example
 *   const one = new XmlRpcClient({ url: 'http://127.0.0.1:2633/RPC2', timeoutMs: 5000 });
 *   const xml = await one.callOned('one.vm.info', ['alice:secret', 42]);
 */
export class XmlRpcClient {
  readonly url: string;
  readonly timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: XmlRpcClientOptions) {
    this.url = String(options.url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Calls `method` and returns its decoded value. */
  async call(method: string, params: readonly XmlRpcParam[], options: CallOptions = {}): Promise<XmlRpcValue> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const body = encodeMethodCall(method, params);
    let status: number;
    let text: string;
    try {
      const res = await this.#fetch(this.url, {
        method: 'POST', body, signal, headers: { 'content-type': 'text/xml; charset=utf-8' },
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw new OnedTimeoutError(method, timeoutMs, { cause: err });
      throw new OnedUnreachableError(method, systemCode(err), { cause: err });
    }
    if (status !== 200) {
      throw new XmlRpcProtocolError(`${method}: HTTP ${status} from ${new URL(this.url).host}`, status);
    }
    return decodeMethodResponse(text);
  }

  /** Calls an oned method and unwraps its `[ok, result, code, ...]` array (see unwrapOnedResponse). */
  async callOned(method: string, params: readonly XmlRpcParam[], options?: CallOptions): Promise<string | number | boolean> {
    return unwrapOnedResponse(method, await this.call(method, params, options));
  }
}
