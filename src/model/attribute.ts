import { isIP } from 'node:net';
import { ValidationError } from '../errors.js';

/** A value an entity holds for one attribute. JSON's value set, without null. */
export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue };

/** Attribute values of one entity, keyed by the full dotted name (the namespace is flat). */
export type Attributes = Record<string, AttributeValue>;

/**
 * The type of an attribute. `number` is a float (rendered `4.0` in text),
 * `integer` a whole number, `enum` a string from `enum`, `list` a JSON array,
 * `hash` a JSON object (OCCI Core §4; JSON Rendering §7).
 */
export type AttributeType = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'hash';

/** An attribute definition (OCCI Core 1.2 §4): it never holds an instance's value. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly mutable: boolean;
  readonly required: boolean;
  readonly default?: AttributeValue;
  /** ECMAScript regular expression a string value must match (whole value). */
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** What a string must be beyond its pattern (Infrastructure 1.2 §3.1, §5.1: addresses; §2: a DNS hostname). */
  readonly format?: AttributeFormat;
  readonly description?: string;
}

/**
 * `ip`: an IPv4 or IPv6 address; `cidr`: one with a prefix length
 * (`192.168.0.0/24`, `fc00::/7`); `ip-or-cidr`: either (the spec's own
 * interface example carries a prefix); `hostname`: RFC 1123 labels.
 */
export type AttributeFormat = 'ip' | 'cidr' | 'ip-or-cidr' | 'hostname';

/** What a format asks for, in words (reasons and JSON descriptions). */
export const FORMAT_NAMES: Readonly<Record<AttributeFormat, string>> = {
  ip: 'an IPv4 or IPv6 address',
  cidr: 'an IPv4 or IPv6 network in CIDR notation',
  'ip-or-cidr': 'an IPv4 or IPv6 address, optionally with a prefix length',
  hostname: 'a DNS hostname (RFC 1123)',
};

/**
 * OCCI integers are 32-bit, as XML Schema's `int` and the cloud APIs they
 * map to (Nova's vcpus, OpenNebula's VCPU); beyond is a client's mistake.
 */
export const INTEGER_RANGE = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 } as const;

/** Shorthand used by the model data files: only `name` and `type` are needed. */
export function attr(
  name: string,
  type: AttributeType,
  options: Partial<Omit<AttributeDefinition, 'name' | 'type'>> = {},
): AttributeDefinition {
  return Object.freeze({ mutable: true, required: false, ...options, name, type });
}

/** Attribute names, OCCI 1.2 text grammar: `(ALPHA / DIGIT) *(ALPHA / DIGIT / "-" / "_" / ".")`. */
export const ATTRIBUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// CR, LF and other C0 controls cannot travel in a text rendering line or
// header (Text Rendering §3); refusing them keeps text/occi from splitting
// a response header on a client-chosen value.
const CONTROL_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const MAX_NESTING = 32;

/**
 * Checks `value` against `def` and returns it in its canonical type. Lenient
 * where the text rendering cannot say the type (a quoted "2" for an integer,
 * 2 for a float), strict about everything else. Throws ValidationError.
 */
export function coerceValue(def: AttributeDefinition, value: AttributeValue): AttributeValue {
  const bad = (why: string): never => {
    throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `attribute ${def.name}: ${why}`);
  };
  switch (def.type) {
    case 'string':
    case 'enum': {
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
      if (typeof value !== 'string') return bad(`expected a string, got ${describe(value)}`);
      if (CONTROL_CHARS.test(value)) return bad('control characters (CR, LF, NUL, ...) are not allowed; encode multi-line data in Base64');
      if (def.type === 'enum' && def.enum && !def.enum.includes(value)) {
        return bad(`"${value}" is not one of ${def.enum.join(', ')}`);
      }
      if (def.pattern !== undefined && !new RegExp(`^(?:${def.pattern})$`).test(value)) {
        return bad(`"${value}" does not match the pattern ${def.pattern}`);
      }
      if (def.format !== undefined && !hasFormat(def.format, value)) return bad(`${describe(value)} is not ${FORMAT_NAMES[def.format]}`);
      return value;
    }
    case 'number':
    case 'integer': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value.trim())) n = Number(value.trim());
      else return bad(`expected a number, got ${describe(value)}`);
      if (!Number.isFinite(n)) return bad('expected a finite number');
      if (def.type === 'integer' && !Number.isInteger(n)) return bad(`expected an integer, got ${n}`);
      if (def.type === 'integer' && (n < INTEGER_RANGE.minimum || n > INTEGER_RANGE.maximum)) {
        return bad(`${n} is outside the range of an integer, ${INTEGER_RANGE.minimum} to ${INTEGER_RANGE.maximum}`);
      }
      if (def.minimum !== undefined && n < def.minimum) return bad(`${n} is below the minimum ${def.minimum}`);
      if (def.maximum !== undefined && n > def.maximum) return bad(`${n} is above the maximum ${def.maximum}`);
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return bad(`expected a boolean, got ${describe(value)}`);
    }
    case 'list':
    case 'hash': {
      // The text rendering has no list/hash syntax; rOCCI sends them as JSON
      // inside a quoted string, so accept that form too.
      if (typeof value === 'string') {
        try {
          value = JSON.parse(value) as AttributeValue;
        } catch {
          return bad(`expected a JSON ${def.type === 'list' ? 'array' : 'object'}`);
        }
      }
      const isList = Array.isArray(value);
      const isHash = typeof value === 'object' && value !== null && !isList;
      if (def.type === 'list' ? !isList : !isHash) return bad(`expected a ${def.type === 'list' ? 'list' : 'hash'}, got ${describe(value)}`);
      checkNested(value, 0, bad);
      return value;
    }
  }
}

function hasFormat(format: AttributeFormat, value: string): boolean {
  if (format === 'hostname') {
    // RFC 1123 §2.1: labels of letters, digits and inner hyphens, 1-63 characters, 253 in all; a final dot is the root.
    const name = value.endsWith('.') ? value.slice(0, -1) : value;
    return name.length > 0 && name.length <= 253 && name.split('.').every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
  }
  const slash = value.indexOf('/');
  if (slash < 0) return format !== 'cidr' && isIP(value) !== 0;
  if (format === 'ip') return false;
  const version = isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  return version !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function checkNested(value: unknown, depth: number, bad: (why: string) => never): void {
  if (depth > MAX_NESTING) bad(`nested deeper than ${MAX_NESTING} levels`);
  if (value === null) bad('null is not a value');
  if (Array.isArray(value)) for (const v of value) checkNested(v, depth + 1, bad);
  else if (typeof value === 'object') for (const v of Object.values(value as object)) checkNested(v, depth + 1, bad);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a hash';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '...' : value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Typed equality for attribute filters and immutable-echo checks: 2 equals 2.0 equals "2". */
export function sameValue(def: AttributeDefinition | undefined, a: AttributeValue, b: AttributeValue): boolean {
  if (def) {
    try {
      a = coerceValue(def, a);
      b = coerceValue(def, b);
    } catch {
      return false;
    }
  }
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}
