import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { AttributeDefinition, AttributeValue, Attributes, Kind, Mixin } from '../../model/index.js';
import type { Catalog } from '../catalog.js';
import { UsageError } from '../errors.js';

/**
 * Attribute values from the command line: `name=value`, typed by the
 * attribute's definition when the server's discovery gives one (numbers,
 * booleans, JSON lists and hashes), rOCCI-cli's casts `num(2)`,
 * `float(1.5)`, `bool(true)`, and `@FILE` for a file's contents.
 */

/** `name=value` → [name, raw value]; the first `=` splits. */
export function assignment(text: string, what = 'attribute'): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${what} "${text}" must be NAME=VALUE`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/** A path with `~` expanded. */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** `@FILE` → the file's text (`@-`: standard input, read by the caller); anything else as it is. */
export function fileOrText(value: string, readStdin: () => string): string {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  if (path === '-') return readStdin();
  try {
    return readFileSync(expandHome(path), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** A value typed by its definition (or by a rOCCI-cli cast); `name` for messages. */
export function typedValue(name: string, raw: string, def: AttributeDefinition | undefined): AttributeValue {
  const cast = /^(num|float|bool)\((.*)\)$/.exec(raw.trim());
  if (cast) {
    const [, fn, inner] = cast;
    if (fn === 'bool') {
      if (inner !== 'true' && inner !== 'false') throw new UsageError(`${name}: bool(...) takes true or false, not ${inner}`);
      return inner === 'true';
    }
    const n = Number(inner);
    if (inner.trim() === '' || !Number.isFinite(n) || (fn === 'num' && !Number.isInteger(n))) throw new UsageError(`${name}: ${fn}(...) takes a${fn === 'num' ? 'n integer' : ' number'}, not ${inner}`);
    return n;
  }
  switch (def?.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} takes a number, not "${raw}"`);
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new UsageError(`${name} takes true or false, not "${raw}"`);
    case 'list':
    case 'hash':
      try {
        return JSON.parse(raw) as AttributeValue;
      } catch {
        throw new UsageError(`${name} takes JSON (a ${def.type === 'list' ? 'list: ["a", "b"]' : 'hash: {"a": 1}'}), not "${raw}"`);
      }
    default:
      return raw;
  }
}

/** The attribute definitions an entity of `kind` with `mixins` carries, as the server declares them. */
export function definitionsFor(kind: Kind | undefined, mixins: readonly Mixin[]): Map<string, AttributeDefinition> {
  const out = new Map(kind?.allAttributes ?? []);
  for (const m of mixins) for (const c of m.closure) for (const [n, d] of c.attributes) out.set(n, d);
  return out;
}

/** `--attribute` values (each `name=value`, `@FILE` allowed) typed against `defs`. */
export function attributesFrom(items: readonly string[], defs: ReadonlyMap<string, AttributeDefinition>, readStdin: () => string): Attributes {
  const out: Attributes = {};
  for (const item of items) {
    const [name, raw] = assignment(item);
    out[name] = typedValue(name, fileOrText(raw, readStdin), defs.get(name));
  }
  return out;
}

/** Mixins by name, each resolved in the catalog (`os_tpl#debian12`, a type id, a unique term). */
export function mixinsFrom(catalog: Catalog, names: readonly string[]): Mixin[] {
  return names.map((n) => catalog.resolveMixin(n));
}

/** Comma-separated items (rOCCI-cli's `Array` options): `a,b` → [a, b]. */
export function splitCommas(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}
