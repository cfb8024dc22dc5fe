import type { AttributeValue, Category, Kind, Link, Mixin, Resource } from '../../model/index.js';
import { shortId, type Catalog } from '../catalog.js';
import type { OcciClient } from '../client.js';
import type { Entity } from '../types.js';

/**
 * What the commands print: aligned tables with coloured states for a
 * terminal, tab-separated `plain` lines, JSON, or bare URIs for pipes.
 */

export type OutputFormat = 'table' | 'json' | 'plain' | 'uri';

export interface Style {
  /** ANSI colours (a terminal, NO_COLOR unset, no --no-color). */
  readonly color: boolean;
  /** Terminal width; long columns are cut to fit. */
  readonly width: number;
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;

export function paint(text: string, code: keyof typeof CODES, style: Pick<Style, 'color'>): string {
  return style.color && text !== '' ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text;
}

/** States coloured by meaning: running green, stopped yellow, failed red. */
export function paintState(state: string, style: Pick<Style, 'color'>): string {
  if (['active', 'online', 'up'].includes(state)) return paint(state, 'green', style);
  if (['error', 'failed'].includes(state)) return paint(state, 'red', style);
  if (state === '') return state;
  return paint(state, 'yellow', style);
}

/** Visible width: ANSI sequences take no room. */
function visible(text: string): number {
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

function cut(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}

/**
 * Columns aligned with two spaces between them, a bold header; when wider
 * than the terminal, the widest columns are cut (with `…`), never the first.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], style: Style): string {
  if (rows.length === 0) return '';
  const plainRows = rows.map((r) => r.map((c) => c.replace(/\u001b\[[0-9;]*m/g, '')));
  const widths = headers.map((h, i) => Math.max(visible(h), ...plainRows.map((r) => visible(r[i] ?? ''))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > style.width) {
    let widest = 1;
    for (let i = 1; i < widths.length; i++) if (widths[i] > widths[widest]) widest = i;
    if (widths[widest] <= 8) break;
    widths[widest] = Math.max(8, widths[widest] - (total() - style.width));
  }
  const line = (cells: readonly string[], raw: readonly string[]) =>
    cells.map((c, i) => {
      const r = raw[i] ?? '';
      const shown = visible(r) > widths[i] ? cut(r, widths[i]) : c;
      return i === cells.length - 1 ? shown : shown + ' '.repeat(Math.max(0, widths[i] - visible(shown)));
    }).join('  ').trimEnd();
  const out = [paint(line(headers, headers), 'bold', style)];
  rows.forEach((r, i) => out.push(line(r, plainRows[i])));
  return `${out.join('\n')}\n`;
}

/** Two columns, name and value: one entity or category shown on a terminal. */
export function fields(pairs: ReadonlyArray<readonly [string, string]>, style: Style): string {
  const width = Math.max(...pairs.map(([k]) => visible(k)));
  return `${pairs.map(([k, v]) => `${paint(k, 'bold', style)}${' '.repeat(width - visible(k))}  ${v}`).join('\n')}\n`;
}

export function valueText(v: AttributeValue | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A category named shortly: `os_tpl#debian12 (Debian 12)`. */
export function categoryName(c: Category | undefined, id: string): string {
  if (!c) return id;
  return c.title ? `${shortId(c)} (${c.title})` : shortId(c);
}

export function stateOf(e: Entity, catalog: Catalog): string {
  const attribute = catalog.stateAttribute(catalog.find(e.kind) as Kind | undefined) ?? Object.keys(e.attributes).find((n) => n.endsWith('.state'));
  return attribute === undefined ? '' : valueText(e.attributes[attribute]);
}

export function titleOf(e: Entity): string {
  return valueText(e.attributes['occi.core.title']);
}

function termOf(id: string): string {
  return id.slice(id.lastIndexOf('#') + 1);
}

/** The template of a family an entity carries (`os_tpl` → its title or term). */
function template(e: Entity, catalog: Catalog, family: string): string {
  const members = new Set(catalog.templates(family).map((m) => m.id));
  const id = e.mixins.find((m) => members.has(m));
  if (id === undefined) return '';
  const m = catalog.find(id);
  return m?.title ?? termOf(id);
}

/** Columns for a listing, by what its members are. */
export function listColumns(entities: readonly Entity[], catalog: Catalog, style: Style): { headers: string[]; rows: string[][] } {
  const kinds = new Set(entities.map((e) => termOf(e.kind)));
  const only = kinds.size === 1 ? [...kinds][0] : undefined;
  const links = entities.every((e) => (e as Link).source !== undefined);
  const base = (e: Entity) => [e.id, titleOf(e), paintState(stateOf(e, catalog), style)];
  if (links && entities.length > 0) {
    return {
      headers: ['ID', 'KIND', 'SOURCE', 'TARGET', 'STATE'],
      rows: entities.map((e) => [e.id, termOf(e.kind), (e as Link).source, (e as Link).target, paintState(stateOf(e, catalog), style)]),
    };
  }
  switch (only) {
    case 'compute':
      return {
        headers: ['ID', 'TITLE', 'STATE', 'CORES', 'MEMORY', 'OS'],
        rows: entities.map((e) => [...base(e), valueText(e.attributes['occi.compute.cores']), gib(e.attributes['occi.compute.memory']), template(e, catalog, 'os_tpl')]),
      };
    case 'storage':
      return { headers: ['ID', 'TITLE', 'STATE', 'SIZE'], rows: entities.map((e) => [...base(e), gib(e.attributes['occi.storage.size'])]) };
    case 'network':
      return {
        headers: ['ID', 'TITLE', 'STATE', 'ADDRESS'],
        rows: entities.map((e) => [...base(e), valueText(e.attributes['occi.network.address'])]),
      };
    default:
      return { headers: ['ID', 'KIND', 'TITLE', 'STATE'], rows: entities.map((e) => [e.id, termOf(e.kind), titleOf(e), paintState(stateOf(e, catalog), style)]) };
  }
}

function gib(v: AttributeValue | undefined): string {
  return v === undefined ? '' : `${valueText(v)} GiB`;
}

/** One entity for a terminal: what it is, its state and actions, its attributes, its links. */
export function showEntity(e: Entity, url: string, catalog: Catalog, style: Style): string {
  const kind = catalog.find(e.kind);
  const pairs: Array<[string, string]> = [
    ['Location', url],
    ['Kind', categoryName(kind, e.kind)],
  ];
  if (e.mixins.length > 0) pairs.push(['Mixins', e.mixins.map((m) => categoryName(catalog.find(m), m)).join(', ')]);
  const state = stateOf(e, catalog);
  if (state !== '') pairs.push(['State', paintState(state, style)]);
  if (e.actions !== undefined) pairs.push(['Actions', e.actions.length > 0 ? e.actions.map(termOf).join(', ') : paint('none now', 'dim', style)]);
  if ((e as Link).source !== undefined) pairs.push(['Source', (e as Link).source], ['Target', (e as Link).target]);
  pairs.push(['occi.core.id', e.id]);
  for (const [name, value] of Object.entries(e.attributes)) pairs.push([name, valueText(value)]);
  let out = fields(pairs, style);
  const links = (e as Resource).links ?? [];
  if (links.length > 0) {
    out += `\n${paint('Links', 'bold', style)}\n`;
    out += table(
      ['KIND', 'TARGET', 'STATE', 'DETAIL', 'LOCATION'],
      links.map((l) => [termOf(l.kind), l.target, paintState(stateOf(l, catalog), style), linkDetail(l), l.location]),
      style,
    );
  }
  return out;
}

function linkDetail(l: Link): string {
  const a = l.attributes;
  return [a['occi.networkinterface.interface'], a['occi.networkinterface.address'], a['occi.networkinterface.mac'], a['occi.storagelink.deviceid'], a['occi.storagelink.mountpoint']]
    .filter((v) => v !== undefined).map(valueText).join(' ');
}

/** One entity as `name = value` lines (stable, greppable). */
export function plainEntity(e: Entity, url: string): string {
  const lines = [`location = ${url}`, `kind = ${e.kind}`, ...e.mixins.map((m) => `mixin = ${m}`), `occi.core.id = ${e.id}`];
  if ((e as Link).source !== undefined) lines.push(`occi.core.source = ${(e as Link).source}`, `occi.core.target = ${(e as Link).target}`);
  for (const [name, value] of Object.entries(e.attributes)) lines.push(`${name} = ${valueText(value)}`);
  for (const a of e.actions ?? []) lines.push(`action = ${a}`);
  for (const l of (e as Resource).links ?? []) lines.push(`link = ${l.location} ${l.kind} ${l.target}`);
  return `${lines.join('\n')}\n`;
}

/** One entity as a JSON object: its URL, what it is, its attributes (occi.core.* included) and links. */
export function entityJson(e: Entity, client: OcciClient): Record<string, unknown> {
  const url = client.url(e.location).href;
  const out: Record<string, unknown> = { location: url, kind: e.kind, id: e.id };
  if (e.mixins.length > 0) out.mixins = e.mixins;
  const attributes: Record<string, AttributeValue> = { 'occi.core.id': e.id };
  if ((e as Link).source !== undefined) {
    attributes['occi.core.source'] = (e as Link).source;
    attributes['occi.core.target'] = (e as Link).target;
  }
  out.attributes = { ...attributes, ...e.attributes };
  if (e.actions !== undefined) out.actions = e.actions;
  const links = (e as Resource).links;
  if (links && links.length > 0) out.links = links.map((l) => entityJson(l, client));
  if (e.version !== '') out.etag = e.version;
  return out;
}

/** A Kind, Mixin or Action described: its identity, where it lives, its attributes. */
export function showCategory(c: Category, catalog: Catalog, style: Style): string {
  const pairs: Array<[string, string]> = [['Type id', c.id], ['Class', c.class]];
  if (c.title) pairs.push(['Title', c.title]);
  const location = catalog.location(c);
  if (location) pairs.push(['Location', location]);
  if (c.class === 'kind') {
    const k = c as Kind;
    if (k.parent) pairs.push(['Parent', k.parent.id]);
    if (k.actions.length > 0) pairs.push(['Actions', k.actions.map((a) => a.term).join(', ')]);
  }
  if (c.class === 'mixin') {
    const m = c as Mixin;
    if (m.depends.length > 0) pairs.push(['Depends on', m.depends.map((d) => d.id).join(', ')]);
    if (m.applies.length > 0) pairs.push(['Applies to', m.applies.map((k) => k.term).join(', ')]);
    if (m.actions.length > 0) pairs.push(['Actions', m.actions.map((a) => a.term).join(', ')]);
  }
  let out = fields(pairs, style);
  const defs = c.class === 'kind' ? (c as Kind).allAttributes : c.attributes;
  if (defs.size > 0) {
    out += `\n${paint('Attributes', 'bold', style)}\n`;
    out += table(
      ['NAME', 'TYPE', 'REQUIRED', 'MUTABLE', 'DEFAULT', 'DESCRIPTION'],
      [...defs.values()].map((d) => [d.name, d.enum ? `enum(${d.enum.join('|')})` : d.type, d.required ? 'yes' : '', d.mutable ? 'yes' : 'no', valueText(d.default), d.description ?? '']),
      style,
    );
  }
  return out;
}

/** A category as a JSON object (the OCCI JSON rendering's shape, §4). */
export function categoryJson(c: Category, catalog: Catalog): Record<string, unknown> {
  const out: Record<string, unknown> = { term: c.term, scheme: c.scheme, class: c.class };
  if (c.title !== undefined) out.title = c.title;
  const location = catalog.location(c);
  if (location !== undefined) out.location = location;
  if (c.class === 'kind' && (c as Kind).parent) out.parent = (c as Kind).parent!.id;
  if (c.class === 'mixin') {
    const m = c as Mixin;
    if (m.depends.length > 0) out.depends = m.depends.map((d) => d.id);
    if (m.applies.length > 0) out.applies = m.applies.map((k) => k.id);
  }
  const actions = c.class === 'kind' ? (c as Kind).actions : c.class === 'mixin' ? (c as Mixin).actions : [];
  if (actions.length > 0) out.actions = actions.map((a) => a.id);
  const defs = c.class === 'kind' ? (c as Kind).allAttributes : c.attributes;
  if (defs.size > 0) {
    out.attributes = Object.fromEntries([...defs.values()].map((d) => [d.name, {
      type: d.type, mutable: d.mutable, required: d.required,
      ...(d.default !== undefined ? { default: d.default } : {}), ...(d.description !== undefined ? { description: d.description } : {}),
    }]));
  }
  return out;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
