import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The simulator's own XML-RPC codec, written apart from the backend's client
 * so that a bug in one is not mirrored by the other.
 */

export type WireType = 'string' | 'int' | 'boolean' | 'double' | 'i8' | 'array' | 'struct' | 'nil';
export interface WireValue { type: WireType; value: unknown }

/** A request that never reaches OpenNebula's code: answered with `<fault>` (xml-rpc.md §1.2). */
export class Fault extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const PARSER = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  htmlEntities: true,
  processEntities: { enabled: true, maxExpandedLength: 1e9, maxTotalExpansions: 1e9 },
  isArray: (name: string, jpath: unknown) =>
    name === 'param' || name === 'member' || (name === 'value' && String(jpath).endsWith('data.value')),
});

type Raw = Record<string, unknown>;
const parseError = (why: string): Fault => new Fault(-503, `XML-RPC parse error: ${why}`);

function decodeValue(raw: unknown): WireValue {
  if (typeof raw === 'string') return { type: 'string', value: raw };
  const obj = (raw ?? {}) as Raw;
  const keys = Object.keys(obj).filter((k) => k !== '#text');
  if (keys.length === 0) return { type: 'string', value: typeof obj['#text'] === 'string' ? obj['#text'] : '' };
  if (keys.length !== 1) throw parseError('a <value> holds more than one type');
  const type = keys[0];
  const inner = obj[type];
  const text = typeof inner === 'string' ? inner : typeof inner === 'object' && inner !== null && '#text' in inner ? String((inner as Raw)['#text']) : '';
  switch (type) {
    case 'string': return { type: 'string', value: text };
    case 'int': case 'i4': case 'i8': {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw parseError(`<${type}> holds "${text}"`);
      return { type: type === 'i8' ? 'i8' : 'int', value: Number(text) };
    }
    case 'boolean': {
      if (text.trim() !== '0' && text.trim() !== '1') throw parseError(`<boolean> holds "${text}"`);
      return { type: 'boolean', value: text.trim() === '1' };
    }
    case 'double': return { type: 'double', value: Number(text) };
    case 'nil': return { type: 'nil', value: null };
    case 'array': {
      const data = typeof inner === 'object' && inner ? (inner as Raw).data : undefined;
      const values = typeof data === 'object' && data ? ((data as Raw).value as unknown[] | undefined) : undefined;
      return { type: 'array', value: (values ?? []).map(decodeValue) };
    }
    case 'struct': {
      const members = (typeof inner === 'object' && inner ? (inner as Raw).member : []) as Raw[] | undefined;
      const out = new Map<string, WireValue>();
      for (const m of members ?? []) out.set(String(m.name ?? ''), decodeValue(m.value));
      return { type: 'struct', value: out };
    }
    default: throw parseError(`unknown type <${type}>`);
  }
}

/** Reads a `<methodCall>`; anything else is fault -503. */
export function parseMethodCall(xml: string): { method: string; params: WireValue[] } {
  if (XMLValidator.validate(xml) !== true) throw parseError('not well-formed XML');
  const doc = PARSER.parse(xml) as Raw;
  const call = doc.methodCall as Raw | undefined;
  if (!call || typeof call !== 'object') throw parseError('no <methodCall>');
  const method = typeof call.methodName === 'string' ? call.methodName.trim() : '';
  if (!method) throw parseError('no <methodName>');
  const params = typeof call.params === 'object' && call.params ? ((call.params as Raw).param as Raw[] | undefined) ?? [] : [];
  return { method, params: params.map((p) => decodeValue(p.value)) };
}

// xmlrpc-c escapes these in <string>; CR as a reference so it survives line-end normalisation.
const esc = (s: string): string =>
  s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#x0d;'));

export type OutValue = { string: string } | { i4: number } | { i8: number } | { boolean: boolean };

function encode(v: OutValue): string {
  if ('string' in v) return `<value><string>${esc(v.string)}</string></value>`;
  if ('i4' in v) return `<value><i4>${v.i4}</i4></value>`;
  if ('i8' in v) return `<value><i8>${v.i8}</i8></value>`;
  return `<value><boolean>${v.boolean ? 1 : 0}</boolean></value>`;
}

const envelope = (inner: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\r\n<methodResponse>\r\n${inner}\r\n</methodResponse>\r\n`;

function array(values: OutValue[]): string {
  return envelope(`<params>\r\n<param><value><array><data>\r\n${values.map(encode).join('\r\n')}\r\n</data></array></value></param>\r\n</params>`);
}

/** `[true, result, 0]` (xml-rpc.md §1.1). */
export function successResponse(result: string | number | boolean): string {
  const v: OutValue = typeof result === 'string' ? { string: result } : typeof result === 'number' ? { i4: result } : { boolean: result };
  return array([{ boolean: true }, v, { i4: 0 }]);
}

/** `[false, message, code, object id, <i8>-1]` (xml-rpc.md §1.1). */
export function failureResponse(message: string, code: number, objectId: number): string {
  return array([{ boolean: false }, { string: message }, { i4: code }, { i4: objectId }, { i8: -1 }]);
}

export function faultResponse(code: number, message: string): string {
  return envelope(`<fault>\r\n<value><struct>\r\n<member><name>faultCode</name>\r\n<value><i4>${code}</i4></value></member>\r\n`
    + `<member><name>faultString</name>\r\n<value><string>${esc(message)}</string></value></member>\r\n</struct></value>\r\n</fault>`);
}
