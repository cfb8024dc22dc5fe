import { ParsingError } from '../../errors.js';
import { ATTRIBUTE_NAME, type Attributes, type AttributeValue } from '../../model/index.js';
import { MAX_VALUE_BYTES } from '../_grammar.js';

/**
 * Reading request JSON defensively: every failure is a ParsingError whose
 * message names the JSON path of the problem (`resources[0].mixins[1] must be
 * a string`), whatever the bytes.
 */

/** Deepest nesting accepted; a resource with inline links and hash attributes needs about 8. */
export const MAX_DEPTH = 64;
/** Most entities, links, locations or categories one request may carry. */
export const MAX_ITEMS = 10_000;

export type JsonObject = { readonly [key: string]: unknown };

/** Parses a request body; `undefined` when it is blank (only JSON whitespace). */
export function readBody(body: string): unknown {
  // RFC 8259 §8.1: a parser MAY ignore a byte order mark.
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (/^[ \t\r\n]*$/.test(text)) return undefined;
  checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ParsingError(`the body is not valid JSON: ${clip(err instanceof Error ? err.message : String(err), 200)}`, 'OCCI_ERR_PARSE_SYNTAX', { cause: err });
  }
  const bad = findBad(value, 1);
  if (bad) throw new ParsingError(`${formatPath(bad.path) || 'the body'} ${bad.why}`);
  return value;
}

/**
 * Counts bracket depth on the raw text, so that a 10,000-deep `[[[[` is
 * refused before JSON.parse builds it and before anything recurses over it.
 */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) throw new ParsingError(`the body is nested deeper than ${MAX_DEPTH} levels (at character ${i})`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

type Segment = string | number;

/**
 * Finds a null (the schema has no null, json-rendering.md §9 defect 6) or a
 * number JSON.parse made infinite (`1e999`). The path is built only on the
 * way back from a failure.
 */
function findBad(value: unknown, depth: number): { path: Segment[]; why: string } | undefined {
  if (value === null) return { path: [], why: 'is null; JSON renderings have no null, leave the member out instead' };
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path: [], why: 'is not a finite number' };
  if (typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return { path: [], why: `is nested deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBad(value[i], depth + 1);
      if (bad) {
        bad.path.unshift(i);
        return bad;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const bad = findBad((value as JsonObject)[key], depth + 1);
    if (bad) {
      bad.path.unshift(key);
      return bad;
    }
  }
  return undefined;
}

/** `['resources', 0, 'attributes', 'occi.core.id']` → `resources[0].attributes["occi.core.id"]`. */
function formatPath(path: readonly Segment[]): string {
  return path.reduce<string>((p, s) => child(p, s), '');
}

/** The path of a member or item below `path` ('' is the body itself). */
export function child(path: string, key: Segment): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${quote(key)}]`;
}

/** A client's string, safe to put in a message: JSON-quoted (no control characters) and clipped. */
export function quote(s: string): string {
  return JSON.stringify(clip(s, 60));
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

function name(path: string): string {
  return path === '' ? 'the body' : path;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A member's value if the object has it as its own (never one inherited from Object.prototype). */
export function member(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function objectAt(value: unknown, path: string, what = 'an object'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParsingError(`${name(path)} must be ${what}, got ${typeOf(value)}`);
  }
  return value as JsonObject;
}

export function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new ParsingError(`${name(path)} must be an array, got ${typeOf(value)}`);
  if (value.length > MAX_ITEMS) throw new ParsingError(`${name(path)} has more than ${MAX_ITEMS} items`);
  return value;
}

export function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ParsingError(`${name(path)} must be a string, got ${typeOf(value)}`);
  return value;
}

/** An optional string member. */
export function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = member(obj, key);
  return v === undefined ? undefined : stringAt(v, child(path, key));
}

/** An optional array-of-strings member; absent is `[]` (and `[]` is accepted, json-rendering.md §10). */
export function optionalStrings(obj: JsonObject, key: string, path: string): string[] {
  const v = member(obj, key);
  if (v === undefined) return [];
  const p = child(path, key);
  return arrayAt(v, p).map((item, i) => stringAt(item, child(p, i)));
}

/** Refuses members the definition does not have: every schema object has `additionalProperties: false` (§9). */
export function checkMembers(obj: JsonObject, allowed: ReadonlySet<string>, path: string, what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw new ParsingError(`${name(path)}: unknown member ${quote(key)}; ${what} has only ${[...allowed].join(', ')}`);
    }
  }
}

/** An `attributes` object (§6): flat dotted names, values of any JSON type but null. */
export function attributesAt(value: unknown, path: string): Attributes {
  const obj = objectAt(value, path);
  const out: Attributes = {};
  for (const key of Object.keys(obj)) {
    // The name check also keeps `__proto__` out of a plain object.
    if (!ATTRIBUTE_NAME.test(key)) throw new ParsingError(`${child(path, key)}: ${quote(key)} is not an attribute name`);
    const v = obj[key];
    // The text renderings' limit: a value stored from JSON must fit when rendered and read back as text.
    if (typeof v === 'string' && (v.length > MAX_VALUE_BYTES || Buffer.byteLength(v, 'utf8') > MAX_VALUE_BYTES)) {
      throw new ParsingError(`${child(path, key)}: longer than ${MAX_VALUE_BYTES} bytes`, 'OCCI_ERR_PARSE_BODY_TOO_LARGE');
    }
    out[key] = copyValue(v);
  }
  return out;
}

/** A fresh copy; Object.fromEntries defines keys as own data properties, so `__proto__` stays a plain key. */
function copyValue(value: unknown): AttributeValue {
  if (Array.isArray(value)) return value.map(copyValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, copyValue((value as JsonObject)[k])]));
  }
  // readBody has refused null and non-finite numbers already.
  return value as AttributeValue;
}
