import { InternalError } from '../../errors.js';
import {
  ENTITY, ENTITY_JSON_LOCATION, FIELD_ATTRIBUTES, FORMAT_NAMES, isLink, type Action, type AttributeDefinition, type AttributeType, type AttributeValue, type Category,
  type Entity, type Kind, type Link, type Mixin, type Model, type Resource,
} from '../../model/index.js';
import { ActionMemo, Memo, ShapeMemo } from '../_memo.js';
import type { Renderable, RenderContext, Rendered } from '../rendering.js';

/**
 * Model to `application/occi+json` (OCCI JSON Rendering 1.2). Member order
 * follows the spec's listings (§1, §2, §4). Never emits null or an empty
 * array: rOCCI-core 5 rejects both (json-rendering.md §11).
 */

type Json = string | number | boolean | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function renderJson(value: Renderable, ctx: RenderContext): Rendered {
  const { model } = ctx;
  switch (value.type) {
    case 'entity':
      return { headers: [], body: entityText(value.entity, model, model.renderKey) };
    case 'collection':
      return { headers: [], body: collectionText(value.entities, model) };
    case 'categories':
      return CATEGORIES.get(value.categories, model.renderKey, () => ({ headers: [], body: JSON.stringify(toJson(value, model)) }));
    default:
      return { headers: [], body: JSON.stringify(toJson(value, model)) };
  }
}

const ENTITIES = new Memo<string>();
const CATEGORIES = new Memo<Rendered>();

/** One entity's JSON text, kept while the entity object is frozen (see _memo.ts). */
function entityText(entity: Entity, model: Model, key: string): string {
  return ENTITIES.get(entity, key, () => JSON.stringify(entityJson(entity, model)));
}

/**
 * §5, as text: the same bytes as `JSON.stringify(collectionJson(...))`,
 * joined from each entity's own text so that kept renderings are reused.
 */
function collectionText(entities: readonly Entity[] | undefined, model: Model): string {
  if (!entities) throw new InternalError('application/occi+json renders full entities; the collection came with locations only');
  const key = model.renderKey;
  const resources: string[] = [];
  const links: string[] = [];
  for (const e of entities) (isLink(e) ? links : resources).push(entityText(e, model, key));
  let out = '{';
  if (resources.length > 0) out += `"resources":[${resources.join(',')}]`;
  if (links.length > 0) out += `${resources.length > 0 ? ',' : ''}"links":[${links.join(',')}]`;
  return `${out}}`;
}

function toJson(value: Renderable, model: Model): JsonObject {
  switch (value.type) {
    case 'entity':
      return entityJson(value.entity, model);
    case 'collection': {
      if (!value.entities) throw new InternalError('application/occi+json renders full entities; the collection came with locations only');
      return collectionJson(value.entities, model);
    }
    case 'categories':
      return categoriesJson(value.categories);
    case 'empty':
      return {};
    case 'error':
      // ooi's error body (json-rendering.md §10), plus our stable code.
      return { code: value.status, message: value.message, error: value.code };
  }
}

function entityJson(entity: Entity, model: Model): JsonObject {
  return isLink(entity) ? linkJson(entity, model) : resourceJson(entity as Resource, model);
}

/** §5: resources and links under their own keys; an empty collection is `{}` (rOCCI-core 5 refuses `[]`). */
function collectionJson(entities: readonly Entity[], model: Model): JsonObject {
  const out: JsonObject = {};
  const resources = entities.filter((e) => !isLink(e)).map((e) => resourceJson(e as Resource, model));
  const links = entities.filter(isLink).map((l) => linkJson(l, model));
  if (resources.length > 0) out.resources = resources;
  if (links.length > 0) out.links = links;
  return out;
}

/**
 * What an entity's Kind, Mixins and owner decide in its JSON rendering,
 * made once per shape and model version (`ShapeMemo`).
 */
interface JsonShape {
  /** Type ids of the Mixins the model knows; a removed user mixin the entity still names is skipped, as `resolveMixins` does. */
  readonly mixins: readonly string[];
  /** Attribute names in the order they come first (§6): id, title, summary, then the definitions' order. */
  readonly order: readonly string[];
  /** Type ids of the actions valid now. */
  readonly actions: ActionMemo<readonly string[]>;
}

const SHAPES = new ShapeMemo<JsonShape>();

function jsonShape(e: Entity, model: Model): JsonShape {
  return SHAPES.get(e, model, () => {
    const kind = model.findKind(e.kind);
    const mixins = model.resolveMixins(e.mixins, e.owner);
    const defined = kind ? model.attributesFor(kind, mixins).keys() : [];
    return { mixins: mixins.map((m) => m.id), order: [...new Set([...FIRST, ...defined])], actions: new ActionMemo(kind, model) };
  });
}

function actionIds(e: Entity, shape: JsonShape, model: Model): Json[] {
  return [...shape.actions.get(e, () => model.applicableActions(e))];
}

/** §1. */
function resourceJson(r: Resource, model: Model): JsonObject {
  const shape = jsonShape(r, model);
  const out: JsonObject = { kind: r.kind };
  setArray(out, 'mixins', [...shape.mixins]);
  out.attributes = attributesJson(r, shape, {});
  setArray(out, 'actions', actionIds(r, shape, model));
  out.id = r.id;
  setArray(out, 'links', (r.links ?? []).map((l) => linkJson(l, model)));
  setString(out, 'summary', r.attributes['occi.core.summary']);
  setString(out, 'title', r.attributes['occi.core.title']);
  return out;
}

/** §2. */
function linkJson(l: Link, model: Model): JsonObject {
  const shape = jsonShape(l, model);
  const sourceKind = l.sourceKind ?? kindOfPath(l.source, model);
  const targetKind = l.targetKind ?? kindOfPath(l.target, model);
  const fields: Record<string, AttributeValue> = { 'occi.core.source': l.source, 'occi.core.target': l.target };
  if (targetKind !== undefined) fields['occi.core.target.kind'] = targetKind;
  const out: JsonObject = { kind: l.kind };
  setArray(out, 'mixins', [...shape.mixins]);
  out.attributes = attributesJson(l, shape, fields);
  setArray(out, 'actions', actionIds(l, shape, model));
  out.id = l.id;
  out.source = kindedUri(l.source, sourceKind);
  out.target = kindedUri(l.target, targetKind);
  setString(out, 'title', l.attributes['occi.core.title']);
  return out;
}

/** A local path names its Kind by its collection; an external target has none. */
function kindOfPath(location: string, model: Model): string | undefined {
  return location.startsWith('/') ? model.findKindForEntityPath(location)?.id : undefined;
}

function kindedUri(location: string, kind: string | undefined): JsonObject {
  return kind === undefined ? { location } : { location, kind };
}

const FIRST = ['occi.core.id', 'occi.core.title', 'occi.core.summary'];

/**
 * §6: every value, `occi.core.*` included, because rOCCI-core 5 reads id,
 * title, summary, source and target only from here and requires the member.
 * Order: id, title, summary; then the definitions' order; then the rest by name.
 */
function attributesJson(e: Entity, shape: JsonShape, fields: Record<string, AttributeValue>): JsonObject {
  const values = new Map<string, AttributeValue>([['occi.core.id', e.id]]);
  for (const [name, value] of Object.entries(e.attributes)) {
    if (value !== undefined && !FIELD_ATTRIBUTES.has(name)) values.set(name, value);
  }
  for (const [name, value] of Object.entries(fields)) values.set(name, value);
  // No prototype: a stored name like `__proto__` stays an ordinary member.
  const out: JsonObject = Object.create(null);
  let count = 0;
  const put = (name: string) => {
    const value = values.get(name);
    if (value === undefined || Object.hasOwn(out, name)) return;
    out[name] = checked(value, name, 0);
    count++;
  };
  for (const name of shape.order) put(name);
  if (count < values.size) for (const name of [...values.keys()].filter((n) => !Object.hasOwn(out, n)).sort()) put(name);
  return out;
}

/** A null or NaN would reach the wire as `null`, which no client accepts: that is our bug, not the client's. */
function checked(value: AttributeValue, name: string, depth: number): Json {
  const bad = (why: string): never => {
    throw new InternalError(`attribute ${name} of a stored entity ${why}; it cannot be rendered as JSON`);
  };
  if (depth > 64) return bad('is nested too deeply');
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : bad(`is ${value}`);
  if (Array.isArray(value)) return value.map((v) => checked(v, name, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = Object.create(null);
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = checked(v, name, depth + 1);
    return out;
  }
  return bad(`holds ${value === null ? 'null' : typeof value}`);
}

/** The query interface (§5 "model"): actions once, at top level; kinds and mixins name them by id. */
function categoriesJson(categories: readonly Category[]): JsonObject {
  const kinds: Json[] = [];
  const mixins: Json[] = [];
  const actions: Json[] = [];
  for (const c of categories) {
    if (c.class === 'kind') kinds.push(kindJson(c as Kind));
    else if (c.class === 'mixin') mixins.push(mixinJson(c as Mixin));
    else actions.push(actionJson(c as Action));
  }
  const out: JsonObject = {};
  setArray(out, 'kinds', kinds);
  setArray(out, 'mixins', mixins);
  setArray(out, 'actions', actions);
  return out;
}

/**
 * §4 Kind. Inherited attributes are listed too (core.md §6: simple clients
 * read only the listed set, and rOCCI-core 5 builds instances from it).
 */
function kindJson(k: Kind): JsonObject {
  const out = categoryHead(k);
  setDefinitions(out, k.allAttributes);
  setArray(out, 'actions', k.actions.map((a) => a.id));
  if (k.parent) out.parent = k.parent.id;
  // Core#entity has none (Core §6), but rOCCI-core 5 refuses a Kind without one: it gets the path rOCCI-core gives it.
  const location = k.location ?? (k.id === ENTITY.id ? ENTITY_JSON_LOCATION : undefined);
  if (location !== undefined) out.location = location;
  return out;
}

/** §4 Mixin; `location` is required for every mixin. */
function mixinJson(m: Mixin): JsonObject {
  const out = categoryHead(m);
  setDefinitions(out, m.attributes);
  setArray(out, 'actions', m.actions.map((a) => a.id));
  setArray(out, 'depends', m.depends.map((d) => d.id));
  setArray(out, 'applies', m.applies.map((k) => k.id));
  out.location = m.location;
  return out;
}

/** §4 Action: no location, no actions. */
function actionJson(a: Action): JsonObject {
  const out = categoryHead(a);
  setDefinitions(out, a.attributes);
  return out;
}

function categoryHead(c: Category): JsonObject {
  const out: JsonObject = { term: c.term, scheme: c.scheme };
  if (c.title !== undefined) out.title = c.title;
  return out;
}

function setDefinitions(out: JsonObject, defs: ReadonlyMap<string, AttributeDefinition>): void {
  if (defs.size === 0) return;
  const attributes: JsonObject = {};
  for (const [name, def] of defs) attributes[name] = definitionJson(def);
  out.attributes = attributes;
}

const JSON_TYPE: Record<AttributeType, string> = {
  string: 'string', enum: 'string', number: 'number', integer: 'number', boolean: 'boolean', list: 'array', hash: 'object',
};

/**
 * §7. `mutable`, `required` and `type` always (rOCCI-core 5 requires all
 * three). No `pattern`: the spec wants an object, rOCCI-core 5 a string, so
 * no form satisfies both (§11); the constraint goes into the description.
 */
function definitionJson(def: AttributeDefinition): JsonObject {
  const out: JsonObject = { mutable: def.mutable, required: def.required, type: JSON_TYPE[def.type] };
  if (def.default !== undefined) out.default = checked(def.default, def.name, 0);
  const description = describeDefinition(def);
  if (description !== undefined) out.description = description;
  return out;
}

/** The description, with what `pattern` would have said: "Number of cores (integer, at least 1)". */
export function describeDefinition(def: AttributeDefinition): string | undefined {
  const said = (def.description ?? '').toLowerCase();
  const parts: string[] = [];
  if (def.enum && def.enum.length > 0) parts.push(`one of ${def.enum.join(', ')}`);
  if (def.type === 'integer') parts.push('integer');
  if (def.minimum !== undefined && def.maximum !== undefined) parts.push(`from ${def.minimum} to ${def.maximum}`);
  else if (def.minimum !== undefined) parts.push(`at least ${def.minimum}`);
  else if (def.maximum !== undefined) parts.push(`at most ${def.maximum}`);
  if (def.pattern !== undefined) parts.push(`matching the regular expression ${def.pattern}`);
  if (def.format !== undefined) parts.push(FORMAT_NAMES[def.format]);
  const missing = parts.filter((p) => !said.includes(p.toLowerCase()));
  if (missing.length === 0) return def.description;
  // "one of a, b" already holds commas; a semicolon keeps the parts apart.
  const extra = missing.join(missing.some((p) => p.includes(', ')) ? '; ' : ', ');
  if (def.description === undefined || def.description === '') return extra[0].toUpperCase() + extra.slice(1);
  // Avoid ") (" after a description that ends in its own parenthesis.
  return def.description.endsWith(')') ? `${def.description}; ${extra}` : `${def.description} (${extra})`;
}

function setArray(out: JsonObject, key: string, items: Json[]): void {
  if (items.length > 0) out[key] = items;
}

function setString(out: JsonObject, key: string, value: AttributeValue | undefined): void {
  if (typeof value === 'string') out[key] = value;
}
