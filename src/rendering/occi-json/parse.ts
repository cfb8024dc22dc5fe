import { ParsingError } from '../../errors.js';
import {
  LINK, type ActionInput, type AttributeInput, type Attributes, type CategoryClass, type CategoryInput, type EntityInput,
  type FilterInput, type LinkInput, type Model,
} from '../../model/index.js';
import type { ParseInput } from '../rendering.js';
import { tooManyItems } from '../_grammar.js';
import {
  MAX_ITEMS, arrayAt, attributesAt, checkMembers, child, member, objectAt, optionalString, optionalStrings,
  quote, readBody, stringAt, type JsonObject,
} from './_read.js';

/**
 * `application/occi+json` request bodies to model input (OCCI JSON Rendering
 * 1.2). Shapes are checked here; whether the named categories and values fit
 * the model is `instantiate`'s job. A blank body carries nothing: `[]`, or
 * `undefined` for an action (the query names it).
 */

const RESOURCE_MEMBERS = new Set(['kind', 'mixins', 'attributes', 'actions', 'id', 'links', 'summary', 'title']);
// `rel` is in the schema's link definition (§9) and carries nothing we use.
const LINK_MEMBERS = new Set(['kind', 'mixins', 'attributes', 'actions', 'id', 'source', 'target', 'rel', 'title']);
const KINDED_URI_MEMBERS = new Set(['location', 'kind']);
const ENTITY_COLLECTION_MEMBERS = new Set(['resources', 'links']);
const ACTION_INVOCATION_MEMBERS = new Set(['action', 'attributes']);
const CATEGORY_COLLECTION_MEMBERS = new Set(['kinds', 'mixins', 'actions']);
const CATEGORY_MEMBERS: Record<CategoryClass, ReadonlySet<string>> = {
  kind: new Set(['term', 'scheme', 'title', 'attributes', 'actions', 'parent', 'location']),
  mixin: new Set(['term', 'scheme', 'title', 'attributes', 'actions', 'depends', 'applies', 'location']),
  action: new Set(['term', 'scheme', 'title', 'attributes']),
};
const DEFINITION_MEMBERS = new Set(['mutable', 'required', 'type', 'default', 'description', 'pattern']);

/** Counts entities and links across one request (MAX_ITEMS, and the server's limit when lower). */
class Budget {
  readonly #max: number | undefined;
  #left = MAX_ITEMS;
  #taken = 0;
  constructor(max?: number) {
    this.#max = max !== undefined && max < MAX_ITEMS ? max : undefined;
  }
  take(path: string): void {
    if (this.#max !== undefined && ++this.#taken > this.#max) throw tooManyItems(this.#max);
    if (--this.#left < 0) throw new ParsingError(`${path}: more than ${MAX_ITEMS} entities and links in one request`);
  }
}

/** A resource (§1), a link (§2), or an entity collection `{"resources": [...], "links": [...]}` (§5). */
export function parseEntities(input: ParseInput, model: Model): EntityInput[] {
  const body = readBody(input.body);
  if (body === undefined) return [];
  const obj = objectAt(body, '', 'a JSON object (a resource, a link, or {"resources": [...], "links": [...]})');
  const budget = new Budget(input.maxItems);
  if (member(obj, 'kind') === undefined && Object.keys(obj).every((k) => ENTITY_COLLECTION_MEMBERS.has(k))) {
    return entityCollection(obj, model, budget).map((e) => e.input);
  }
  const path = '';
  budget.take(path);
  return [isLinkObject(obj, model) ? linkEntity(obj, path).input : resourceEntity(obj, path, model, budget).input];
}

/** `{"action": "<type id>", "attributes": {...}}` (§3). */
export function parseAction(input: ParseInput, _model: Model): ActionInput | undefined {
  const body = readBody(input.body);
  if (body === undefined) return undefined;
  const obj = objectAt(body, '', 'a JSON object {"action": "<type id>", "attributes": {...}}');
  checkMembers(obj, ACTION_INVOCATION_MEMBERS, '', 'an action invocation');
  const action = member(obj, 'action');
  if (action === undefined) throw new ParsingError('action is required: the type id of the action to invoke');
  const attributes = member(obj, 'attributes');
  return { action: stringAt(action, 'action'), attributes: attributes === undefined ? {} : attributesAt(attributes, 'attributes') };
}

/**
 * `{"mixins": [...]}` or one bare mixin object (§8: HTTP Protocol asks for
 * "at least one full category instance rendering"). Kinds and actions are read
 * too, with their class, so that the HTTP layer can refuse them by name.
 */
export function parseCategories(input: ParseInput, _model: Model): CategoryInput[] {
  const body = readBody(input.body);
  if (body === undefined) return [];
  const obj = objectAt(body, '', 'a JSON object ({"mixins": [...]} or one mixin)');
  if (member(obj, 'term') !== undefined || member(obj, 'scheme') !== undefined) return [category(obj, '', 'mixin')];
  checkMembers(obj, CATEGORY_COLLECTION_MEMBERS, '', 'a category collection');
  const out: CategoryInput[] = [];
  for (const [key, cls] of [['kinds', 'kind'], ['mixins', 'mixin'], ['actions', 'action']] as const) {
    const items = member(obj, key);
    if (items === undefined) continue;
    arrayAt(items, key).forEach((item, i) => out.push(category(item, child(key, i), cls)));
    if (out.length > MAX_ITEMS) throw new ParsingError(`more than ${MAX_ITEMS} categories in one request`);
  }
  return out;
}

/**
 * Entity locations for mixin association: a JSON array of URLs or paths
 * ([impl] erocci, rOCCI-core's `locations.json`), or an entity collection
 * whose entities give `kind` and `id` (§8, unconfirmed shape).
 */
export function parseLocations(input: ParseInput, model: Model): string[] {
  const body = readBody(input.body);
  if (body === undefined) return [];
  if (Array.isArray(body)) {
    return arrayAt(body, '').map((item, i) => {
      const location = stringAt(item, child('', i));
      if (location === '') throw new ParsingError(`${child('', i)} must not be empty`);
      return location;
    });
  }
  const obj = objectAt(body, '', 'an array of locations or {"resources": [...], "links": [...]}');
  checkMembers(obj, ENTITY_COLLECTION_MEMBERS, '', 'an entity collection');
  return entityCollection(obj, model, new Budget()).map(({ input: e, path }) => {
    const kind = model.findKind(e.kind!);
    if (!kind) throw new ParsingError(`${child(path, 'kind')}: unknown kind ${quote(e.kind!)}`);
    if (kind.location === undefined) throw new ParsingError(`${child(path, 'kind')}: ${kind.id} has no location`);
    const id = e.attributes['occi.core.id'];
    if (id === undefined) throw new ParsingError(`${child(path, 'id')} is required to name the entity`);
    if (typeof id !== 'string' || !isPathSegment(id)) throw new ParsingError(`${child(path, 'id')} is not a valid entity id`);
    return kind.location + id;
  });
}

/** JSON bodies carry no filter; filters come in request headers (json-rendering.md §10). */
export function parseFilter(_input: ParseInput, _model: Model): FilterInput {
  return { categories: [], attributes: {} };
}

interface Parsed {
  input: EntityInput;
  path: string;
}

function entityCollection(obj: JsonObject, model: Model, budget: Budget): Parsed[] {
  const out: Parsed[] = [];
  const resources = member(obj, 'resources');
  if (resources !== undefined) {
    arrayAt(resources, 'resources').forEach((item, i) => {
      const path = child('resources', i);
      budget.take(path);
      out.push(resourceEntity(objectAt(item, path), path, model, budget));
    });
  }
  const links = member(obj, 'links');
  if (links !== undefined) {
    arrayAt(links, 'links').forEach((item, i) => {
      const path = child('links', i);
      budget.take(path);
      out.push(linkEntity(objectAt(item, path), path));
    });
  }
  return out;
}

/** A single entity is a link when it has link members or its Kind is a link Kind. */
function isLinkObject(obj: JsonObject, model: Model): boolean {
  if (member(obj, 'source') !== undefined || member(obj, 'target') !== undefined) return true;
  const kind = member(obj, 'kind');
  const link = model.findKind(LINK.id);
  const k = typeof kind === 'string' ? model.findKind(kind) : undefined;
  return k !== undefined && link !== undefined && k.isA(link);
}

function resourceEntity(obj: JsonObject, path: string, model: Model, budget: Budget): Parsed {
  const common = entityMembers(obj, path, RESOURCE_MEMBERS, 'a resource');
  setAttribute(common.attributes, 'occi.core.summary', optionalString(obj, 'summary', path));
  const links: LinkInput[] = [];
  const inline = member(obj, 'links');
  if (inline !== undefined) {
    const p = child(path, 'links');
    arrayAt(inline, p).forEach((item, i) => {
      const lp = child(p, i);
      budget.take(lp);
      links.push(inlineLink(objectAt(item, lp), lp, model));
    });
  }
  return { path, input: withActions({ kind: requiredKind(common.kind, path), mixins: common.mixins, attributes: common.attributes, links, actionLinks: common.actions.length }, common.actions) };
}

function linkEntity(obj: JsonObject, path: string): Parsed {
  const common = linkMembers(obj, path);
  return { path, input: withActions({ kind: requiredKind(common.kind, path), mixins: common.mixins, attributes: common.attributes, links: [], actionLinks: common.actions.length }, common.actions) };
}

/** The action ids a rendering offers, kept when there are any (a client reads them from a server's answer). */
function withActions(input: EntityInput, actions: string[]): EntityInput {
  if (actions.length > 0) input.actions = actions;
  return input;
}

/**
 * An inline link of a resource (§1 `links`). Its Kind may be left out: the
 * model infers it from the target (schema defect 3 relaxes link members for
 * input). An `id` echoing an existing link gives its location as `self`.
 */
function inlineLink(obj: JsonObject, path: string, model: Model): LinkInput {
  const common = linkMembers(obj, path);
  const out: LinkInput = { mixins: common.mixins, attributes: common.attributes };
  if (common.kind !== undefined) out.kind = common.kind;
  const target = common.attributes['occi.core.target'];
  if (typeof target === 'string') out.target = target;
  const targetKind = common.attributes['occi.core.target.kind'];
  if (typeof targetKind === 'string') out.targetKind = targetKind;
  const id = common.attributes['occi.core.id'];
  const location = common.kind === undefined ? undefined : model.findKind(common.kind)?.location;
  if (typeof id === 'string' && location !== undefined && isPathSegment(id)) out.self = location + id;
  return out;
}

/** §2 plus `source`/`target` objects, folded into `occi.core.source`/`target`/`target.kind` (top level wins, §6). */
function linkMembers(obj: JsonObject, path: string): ReturnType<typeof entityMembers> {
  const common = entityMembers(obj, path, LINK_MEMBERS, 'a link');
  optionalString(obj, 'rel', path);
  const source = kindedUri(obj, 'source', path);
  setAttribute(common.attributes, 'occi.core.source', source?.location);
  const target = kindedUri(obj, 'target', path);
  setAttribute(common.attributes, 'occi.core.target', target?.location);
  setAttribute(common.attributes, 'occi.core.target.kind', target?.kind);
  return common;
}

function kindedUri(obj: JsonObject, key: string, path: string): { location: string; kind?: string } | undefined {
  const value = member(obj, key);
  if (value === undefined) return undefined;
  const p = child(path, key);
  const uri = objectAt(value, p);
  checkMembers(uri, KINDED_URI_MEMBERS, p, `a ${key} object`);
  const location = member(uri, 'location');
  if (location === undefined) throw new ParsingError(`${child(p, 'location')} is required`);
  const kind = optionalString(uri, 'kind', p);
  return { location: stringAt(location, child(p, 'location')), ...(kind === undefined ? {} : { kind }) };
}

/** What resources and links share: kind, mixins, attributes, actions, id, title. */
function entityMembers(obj: JsonObject, path: string, allowed: ReadonlySet<string>, what: string) {
  checkMembers(obj, allowed, path, what);
  const kind = optionalString(obj, 'kind', path);
  const mixins = optionalStrings(obj, 'mixins', path);
  const raw = member(obj, 'attributes');
  const attributes: Attributes = raw === undefined ? {} : attributesAt(raw, child(path, 'attributes'));
  // Actions are the server's to offer; a client echoing them asks for nothing.
  const actions = optionalStrings(obj, 'actions', path);
  setAttribute(attributes, 'occi.core.id', optionalString(obj, 'id', path));
  setAttribute(attributes, 'occi.core.title', optionalString(obj, 'title', path));
  return { kind, mixins, attributes, actions };
}

/** The schema requires `kind` on every resource and link (§9). */
function requiredKind(kind: string | undefined, path: string): string {
  if (kind === undefined) throw new ParsingError(`${child(path, 'kind')} is required: the type id of the entity's Kind`);
  return kind;
}

function setAttribute(attributes: Attributes, name: string, value: string | undefined): void {
  if (value !== undefined) attributes[name] = value;
}

function category(value: unknown, path: string, cls: CategoryClass): CategoryInput {
  const obj = objectAt(value, path);
  checkMembers(obj, CATEGORY_MEMBERS[cls], path, `a ${cls}`);
  const required = (key: string): string => {
    const v = member(obj, key);
    if (v === undefined) throw new ParsingError(`${child(path, key)} is required`);
    return stringAt(v, child(path, key));
  };
  const out: CategoryInput = {
    class: cls,
    scheme: required('scheme'),
    term: required('term'),
    depends: [],
    applies: optionalStrings(obj, 'applies', path),
    attributes: [],
    actions: optionalStrings(obj, 'actions', path),
  };
  const definitions = readDefinitions(obj, path);
  out.attributes = definitions.map((d) => d.name);
  if (definitions.length > 0) out.definitions = definitions;
  const title = optionalString(obj, 'title', path);
  if (title !== undefined) out.title = title;
  const location = optionalString(obj, 'location', path);
  if (location !== undefined) out.location = location;
  if (cls === 'kind') {
    const parent = optionalString(obj, 'parent', path);
    if (parent !== undefined) out.depends.push(parent);
  } else {
    out.depends = optionalStrings(obj, 'depends', path);
  }
  return out;
}

/** A category's attribute definitions (§7); each definition must be an object of known members. */
function readDefinitions(obj: JsonObject, path: string): AttributeInput[] {
  const raw = member(obj, 'attributes');
  if (raw === undefined) return [];
  const p = child(path, 'attributes');
  const defs = objectAt(raw, p);
  return Object.keys(defs).map((name) => {
    const dp = child(p, name);
    const def = objectAt(defs[name], dp, 'an attribute definition object');
    checkMembers(def, DEFINITION_MEMBERS, dp, 'an attribute definition');
    for (const key of ['mutable', 'required'] as const) {
      const v = member(def, key);
      if (v !== undefined && typeof v !== 'boolean') throw new ParsingError(`${child(dp, key)} must be a boolean`);
    }
    const out: AttributeInput = { name, mutable: member(def, 'mutable') !== false, required: member(def, 'required') === true };
    const type = optionalString(def, 'type', dp);
    const description = optionalString(def, 'description', dp);
    const dflt = member(def, 'default');
    if (type !== undefined) out.type = type;
    if (description !== undefined) out.description = description;
    // Read as attribute values are: no null, copied into a plain value; an error names `<path>.default`.
    if (dflt !== undefined) out.default = attributesAt({ default: dflt }, dp).default;
    // `pattern` may be the spec's JSON Schema object or rOCCI-core's string (§7); neither is used.
    const pattern = member(def, 'pattern');
    if (pattern !== undefined && typeof pattern !== 'string' && (typeof pattern !== 'object' || Array.isArray(pattern))) {
      throw new ParsingError(`${child(dp, 'pattern')} must be an object or a string`);
    }
    return out;
  });
}

/** An id that makes one path segment under a Kind's location (no `/`, `?`, `#`, spaces, dot segments). */
function isPathSegment(id: string): boolean {
  return /^[^/?#\s\u0000-\u001f\u007f]+$/.test(id) && id !== '.' && id !== '..';
}
