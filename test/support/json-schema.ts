/**
 * A small JSON Schema draft-04 validator: the keywords rOCCI-core 5's schemas
 * use (test/fixtures/rocci-json-schemas/), and no others: a schema with a
 * keyword it does not know is refused rather than half-checked.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Schema = { [keyword: string]: unknown };

/** The draft-04 meta-schema's `stringArray` (json-schema.org/draft-04/schema), the one outside reference the schemas make. */
const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
const META: Record<string, Schema> = {
  [`${DRAFT_04}/definitions/stringArray`]: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
};

const KNOWN = new Set([
  'id', '$schema', 'title', 'description', 'definitions', '$ref', 'type', 'required', 'properties', 'additionalProperties',
  'patternProperties', 'items', 'minItems', 'uniqueItems', 'oneOf', 'anyOf', 'allOf', 'enum',
]);

export interface SchemaSet {
  /** Problems of `value` against the schema file `name` (e.g. `model.json`); empty when it is valid. */
  validate(name: string, value: unknown): string[];
}

/** Every `*.json` schema of a folder, references between them resolved by file name. */
export function loadSchemas(dir: string): SchemaSet {
  const files = new Map<string, Schema>();
  for (const f of readdirSync(dir)) if (f.endsWith('.json')) files.set(f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Schema);

  const resolve = (ref: string, file: string): { schema: Schema; file: string } => {
    if (META[ref]) return { schema: META[ref], file };
    const [target, fragment = ''] = ref.split('#');
    const name = target === '' ? file : target;
    let node: unknown = files.get(name);
    if (node === undefined) throw new Error(`unresolvable $ref ${ref} in ${file}`);
    // "#definitions/x" (no slash, as resource.json writes it) is read as "#/definitions/x", as the Ruby json-schema gem does.
    for (const part of fragment.split('/').filter((p) => p !== '')) {
      node = (node as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (node === undefined) throw new Error(`unresolvable $ref ${ref} in ${file}`);
    }
    return { schema: node as Schema, file: name };
  };

  const check = (schema: Schema, file: string, value: unknown, at: string, out: string[]): void => {
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`${file}: keyword ${k} is not supported by this validator`);
    if (typeof schema.$ref === 'string') {
      const r = resolve(schema.$ref, file);
      check(r.schema, r.file, value, at, out);
      return;
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => isType(value, t))) {
        out.push(`${at}: expected ${types.join(' or ')}, got ${kindOf(value)}`);
        return;
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) out.push(`${at}: not one of the enum`);
    for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) {
      const list = schema[keyword] as Schema[] | undefined;
      if (!list) continue;
      const passing = list.filter((s) => {
        const sub: string[] = [];
        check(s, file, value, at, sub);
        return sub.length === 0;
      }).length;
      const ok = keyword === 'oneOf' ? passing === 1 : keyword === 'anyOf' ? passing >= 1 : passing === list.length;
      if (!ok) out.push(`${at}: ${keyword} matched ${passing} of ${list.length} schemas`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push(`${at}: fewer than ${schema.minItems} items`);
      if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) out.push(`${at}: items are not unique`);
      if (schema.items !== undefined) value.forEach((v, i) => check(schema.items as Schema, file, v, `${at}[${i}]`, out));
    }
    if (isType(value, 'object')) {
      const obj = value as Record<string, unknown>;
      for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) out.push(`${at}: missing required member "${r}"`);
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const patterns = Object.entries((schema.patternProperties as Record<string, Schema> | undefined) ?? {});
      for (const [name, v] of Object.entries(obj)) {
        let matched = false;
        if (properties[name]) {
          matched = true;
          check(properties[name], file, v, `${at}.${name}`, out);
        }
        for (const [pattern, s] of patterns) {
          if (new RegExp(pattern, 'u').test(name)) {
            matched = true;
            check(s, file, v, `${at}.${name}`, out);
          }
        }
        if (matched) continue;
        if (schema.additionalProperties === false) out.push(`${at}: member "${name}" is not allowed`);
        else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties as Schema, file, v, `${at}.${name}`, out);
      }
    }
  };

  return {
    validate(name, value) {
      const schema = files.get(name);
      if (!schema) throw new Error(`no schema ${name}`);
      const out: string[] = [];
      check(schema, name, value, '$', out);
      return out;
    },
  };
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`type ${type} is not supported by this validator`);
  }
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
