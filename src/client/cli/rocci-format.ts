import type { AttributeDefinition, AttributeValue, Kind, Link, Mixin, Resource } from '../../model/index.js';
import type { Catalog } from '../catalog.js';
import type { Entity } from '../types.js';

/**
 * rOCCI-cli 4.x's output shapes (its ResourceOutputFactory and ERB
 * templates): `plain` blocks between `#` rules as wide as the terminal,
 * and the JSON of rOCCI-core 4 (attributes nested by their dotted names).
 * Written from the documented shapes, so that scripts reading them still do.
 */

export type RocciFormat = 'plain' | 'json' | 'json_pretty' | 'json_extended' | 'json_extended_pretty';
export const ROCCI_FORMATS: readonly RocciFormat[] = ['plain', 'json', 'json_pretty', 'json_extended', 'json_extended_pretty'];

function rule(width: number): string {
  return '#'.repeat(Math.max(1, width - 1));
}

function text(v: AttributeValue | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Every attribute as rOCCI-core lists them: occi.core.id (and source, target) included. */
function allAttributes(e: Entity): Array<[string, AttributeValue]> {
  const out: Array<[string, AttributeValue]> = [['occi.core.id', e.id]];
  if ((e as Link).source !== undefined) out.push(['occi.core.source', (e as Link).source], ['occi.core.target', (e as Link).target]);
  return [...out, ...Object.entries(e.attributes)];
}

/** URLs or type ids, one a line (`locations_to_plain`); as a JSON array otherwise. */
export function locations(items: readonly string[], format: RocciFormat): string {
  if (format === 'plain') return items.join('\n');
  return format === 'json_pretty' ? JSON.stringify(items, null, 2) : JSON.stringify(items);
}

/** `resources.erb` / `links.erb`, or their JSON. */
export function entities(list: readonly Entity[], catalog: Catalog, format: RocciFormat, width: number): string {
  if (format !== 'plain') return jsonArray(list.map((e) => entityJson(e, catalog)), format);
  if (list.length === 0) return '';
  const out: string[] = [rule(width)];
  for (const e of list) {
    out.push(`[[ ${e.kind} ]]`, `>> location: ${e.location}`);
    for (const [n, v] of allAttributes(e)) out.push(`${n} = ${text(v)}`);
    if ((e as Link).source === undefined) {
      out.push('', 'Links:');
      for (const l of (e as Resource).links ?? []) {
        out.push('', `    [[ ${l.kind} ]]`, `    >> location: ${l.location}`);
        for (const [n, v] of allAttributes(l)) out.push(`    ${n} = ${text(v)}`);
      }
    }
    out.push('', 'Mixins:');
    for (const id of e.mixins) {
      const m = catalog.find(id) as Mixin | undefined;
      out.push('', `    [[ ${id} ]]`, `    title:        ${m?.title ?? ''}`, `    term:         ${m?.term ?? id.slice(id.lastIndexOf('#') + 1)}`, `    location:     ${m ? catalog.location(m) ?? '' : ''}`);
    }
    out.push('', 'Actions:');
    for (const a of e.actions ?? []) out.push('', `    [[ ${a} ]]`);
    out.push(rule(width), '');
  }
  return out.join('\n');
}

/** `mixins.erb`, or the mixins' JSON. */
export function mixins(list: readonly Mixin[], catalog: Catalog, format: RocciFormat, width: number): string {
  if (format !== 'plain') return jsonArray(list.map((m) => mixinJson(m, catalog)), format);
  if (list.length === 0) return '';
  const out = [rule(width)];
  for (const m of list) out.push(`[[ ${m.id} ]]`, `title:        ${m.title ?? ''}`, `term:         ${m.term}`, `location:     ${catalog.location(m) ?? ''}`, rule(width));
  return out.join('\n');
}

/** `kinds.erb` (the `discover` action), or the kinds' JSON. */
export function kinds(list: readonly Kind[], catalog: Catalog, format: RocciFormat, width: number): string {
  if (format !== 'plain') return jsonArray(list.map((k) => kindJson(k, catalog)), format);
  if (list.length === 0) return '';
  const out = [rule(width)];
  for (const k of list) {
    out.push(
      `[[ ${k.id} ]]`, `>> title:      ${k.title ?? ''}`, `>> parent:     ${k.parent?.id ?? ''}`,
      `>> location:   ${catalog.location(k) ?? ''}`, `>> related to: ${k.parent?.id ?? ''}`, '', 'Attributes:',
    );
    for (const d of k.allAttributes.values()) {
      out.push('', `    [[ ${d.name} ]]`, `    | type:        ${d.type === 'integer' ? 'number' : d.type}`, `    | required:    ${d.required}`,
        `    | mutable:     ${d.mutable}`, `    | default:     ${text(d.default)}`, `    | description: ${d.description ?? ''}`, `    | pattern:     ${d.pattern ?? ''}`);
    }
    out.push('', 'Actions:');
    for (const a of k.actions) out.push('', `    [[ ${a.id} ]]`);
    out.push(rule(width), '');
  }
  return out.join('\n');
}

/** rOCCI-cli's arrays: one JSON document per item, compact or pretty, joined. */
function jsonArray(items: readonly unknown[], format: RocciFormat): string {
  if (format.endsWith('_pretty')) return `[\n${items.map((i) => JSON.stringify(i, null, 2)).join(',\n')}\n]`;
  return `[${items.map((i) => JSON.stringify(i)).join(',')}]`;
}

/** rOCCI-core 4's attributes: `occi.core.id` → `{"occi": {"core": {"id": …}}}`. */
export function nested(pairs: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of pairs) {
    const parts = name.split('.');
    let node = root;
    let i = 0;
    for (; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next === undefined) node = (node[parts[i]] = {}) as Record<string, unknown>;
      else if (typeof next === 'object' && next !== null && !Array.isArray(next) && !isDefinition(next)) node = next as Record<string, unknown>;
      // A value sits where a name continues (occi.compute.state and occi.compute.state.message): the rest stays dotted.
      else break;
    }
    node[parts.slice(i).join('.')] = value;
  }
  return root;
}

const DEFINITION = Symbol('definition');
function isDefinition(v: object): boolean {
  return DEFINITION in v;
}

function entityJson(e: Entity, catalog: Catalog): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: e.kind };
  if (e.mixins.length > 0) out.mixins = e.mixins;
  if (e.actions && e.actions.length > 0) out.actions = e.actions;
  out.attributes = nested(allAttributes(e));
  out.id = e.id;
  if ((e as Link).source !== undefined) {
    const l = e as Link;
    out.rel = l.targetKind ?? catalog.kindOfPath(l.target)?.id ?? 'http://schemas.ogf.org/occi/core#resource';
    out.source = l.source;
    out.target = l.target;
  } else if (((e as Resource).links ?? []).length > 0) {
    out.links = (e as Resource).links.map((l) => entityJson(l, catalog));
  }
  return out;
}

function definitionJson(d: AttributeDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = { type: d.type === 'integer' ? 'number' : d.type, required: d.required, mutable: d.mutable };
  if (d.default !== undefined) out.default = d.default;
  if (d.description !== undefined) out.description = d.description;
  if (d.pattern !== undefined) out.pattern = d.pattern;
  Object.defineProperty(out, DEFINITION, { value: true, enumerable: false });
  return out;
}

function mixinJson(m: Mixin, catalog: Catalog): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.depends.length > 0) out.depends = m.depends.map((d) => d.id);
  if (m.applies.length > 0) out.applies = m.applies.map((k) => k.id);
  if (m.depends.length > 0) out.related = m.depends.map((d) => d.id);
  if (m.actions.length > 0) out.actions = m.actions.map((a) => a.id);
  const location = catalog.location(m);
  if (location !== undefined) out.location = location;
  return { ...out, scheme: m.scheme, term: m.term, ...(m.title !== undefined ? { title: m.title } : {}), attributes: nested([...m.attributes.values()].map((d) => [d.name, definitionJson(d)])) };
}

function kindJson(k: Kind, catalog: Catalog): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (k.parent) out.parent = k.parent.id;
  if (k.parent) out.related = [k.parent.id];
  if (k.actions.length > 0) out.actions = k.actions.map((a) => a.id);
  const location = catalog.location(k);
  if (location !== undefined) out.location = location;
  return { ...out, scheme: k.scheme, term: k.term, ...(k.title !== undefined ? { title: k.title } : {}), attributes: nested([...k.allAttributes.values()].map((d) => [d.name, definitionJson(d)])) };
}
