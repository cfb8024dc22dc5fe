/**
 * Entities, categories and locations as OCCI lines, and the Parser that reads
 * lines back into model input (Text Rendering §2-§4). Shared by text/plain
 * and text/occi, which differ only in where the lines travel. Folder-private.
 */
import { ParsingError } from '../errors.js';
import {
  ATTRIBUTE_NAME, FIELD_ATTRIBUTES, isLink, isResource, splitTypeId,
  type Action, type ActionInput, type AttributeDefinition, type Attributes, type Category, type CategoryClass, type CategoryInput,
  type Entity, type EntityInput, type FilterInput, type Kind, type Link, type LinkInput, type Mixin, type Model,
} from '../model/index.js';
import {
  MAX_LINES, absoluteUrl, angle, checkCount, excerpt, formatValue, inAngle, oneLine, parseAttribute, parseCategory, parseLink,
  quote, splitOutside, tooManyItems, type Line, type LineName,
} from './_grammar.js';
import { ActionMemo, Memo, ShapeMemo } from './_memo.js';
import type { ParseInput, Parser } from './rendering.js';

const CORE_RESOURCE = 'http://schemas.ogf.org/occi/core#resource';


// ---------------------------------------------------------------- rendering

/**
 * An entity's line values by line type, in the order they are rendered
 * (Text Rendering §4). Each value is on one line already (`oneLine`): the
 * renderings write them as they are.
 */
export type EntityLines = Readonly<Record<EntityLineName, readonly string[]>>;

/** The line types of an entity, in the order they are rendered (§4). */
export const ENTITY_LINE_NAMES = ['Category', 'Link', 'X-OCCI-Attribute'] as const satisfies readonly LineName[];
export type EntityLineName = (typeof ENTITY_LINE_NAMES)[number];

/**
 * A Resource or Link (Text Rendering §4): its Kind, its Mixins, the action
 * links valid now, its outgoing links, then its attributes.
 */
export function entityLines(entity: Entity, model: Model): EntityLines {
  return LINES.get(entity, model.renderKey, () => Object.freeze(renderEntityLines(entity, model)));
}

const LINES = new Memo<EntityLines>();

/**
 * What an entity's Kind, Mixins and owner decide in its text rendering,
 * made once per shape and model version (`ShapeMemo`); values on one line.
 */
interface TextShape {
  /** The `Category` values: Kind, then Mixins. */
  readonly categories: readonly string[];
  /** As an outgoing link of a resource: `category="<kind> <mixin>..."` (§2.3). */
  readonly categoryParam: string;
  readonly defs: ReadonlyMap<string, AttributeDefinition>;
  /** The action links after the entity's location, `?action=<term>>; rel="<id>"`. */
  readonly actions: ActionMemo<readonly string[]>;
}

const SHAPES = new ShapeMemo<TextShape>();

function textShape(entity: Entity, model: Model): TextShape {
  return SHAPES.get(entity, model, () => {
    const kind = model.findKind(entity.kind);
    const mixins = model.resolveMixins(entity.mixins, entity.owner);
    const categories = [shortCategory(categoryOf(entity.kind, 'kind', model))];
    for (const m of mixins) categories.push(shortCategory(m));
    return {
      categories: categories.map(oneLine),
      categoryParam: oneLine(`category=${quote([entity.kind, ...mixins.map((m) => m.id)].join(' '))}`),
      defs: kind ? model.attributesFor(kind, mixins) : new Map(),
      actions: new ActionMemo(kind, model),
    };
  });
}

/** The action links valid now (§2.4), without the entity's location in front. */
function actionTails(entity: Entity, shape: TextShape, model: Model): readonly string[] {
  return shape.actions.get(entity, () => model.applicableActions(entity).map((id) => {
    const term = model.findAction(id)?.term ?? splitTypeId(id)?.term ?? id;
    return oneLine(`${inAngle(`?action=${term}`)}>; rel=${quote(id)}`);
  }));
}

function renderEntityLines(entity: Entity, model: Model): EntityLines {
  const shape = textShape(entity, model);
  const links: string[] = [];
  const tails = actionTails(entity, shape, model);
  if (tails.length > 0) {
    // §2.4: the entity's own location plus `?action=<term>`, rel the action's type id.
    const head = `<${oneLine(inAngle(entity.location))}`;
    for (const tail of tails) links.push(head + tail);
  }
  if (isResource(entity)) for (const link of entity.links) links.push(oneLine(linkValue(link, model)));

  const { defs } = shape;
  const attributes = [oneLine(`occi.core.id=${formatValue(entity.id, defs.get('occi.core.id'))}`)];
  if (isLink(entity)) {
    attributes.push(oneLine(`occi.core.source=${quote(entity.source)}`), oneLine(`occi.core.target=${quote(entity.target)}`));
    if (entity.targetKind !== undefined) attributes.push(oneLine(`occi.core.target.kind=${quote(entity.targetKind)}`));
  }
  for (const [name, value] of ordered(entity.attributes, defs, FIELD_ATTRIBUTES)) attributes.push(oneLine(`${name}=${value}`));
  return { Category: shape.categories, Link: links, 'X-OCCI-Attribute': attributes };
}

/** What a link's own rendering leaves out of its attributes (they come first, as parameters of their own). */
const LINK_FIELDS: ReadonlySet<string> = new Set([...FIELD_ATTRIBUTES, 'occi.core.title']);

/**
 * An outgoing link of a Resource (Text Rendering §2.3), with rOCCI's core
 * attributes so that a client can echo it back: target, rel (the target's
 * Kind), self, category (Kind and Mixins), then the link's attributes.
 */
function linkValue(link: Link, model: Model): string {
  const shape = textShape(link, model);
  const targetKind = link.targetKind ?? model.findKindForEntityPath(link.target)?.id ?? CORE_RESOURCE;
  let out = `${angle(link.target)}; rel=${quote(targetKind)}; self=${quote(link.location)}; ${shape.categoryParam}; occi.core.id=${quote(link.id)}`;
  const title = link.attributes['occi.core.title'];
  if (title !== undefined && title !== null) out += `; occi.core.title=${formatValue(title, shape.defs.get('occi.core.title'))}`;
  out += `; occi.core.source=${quote(link.source)}; occi.core.target=${quote(link.target)}`;
  for (const [name, value] of ordered(link.attributes, shape.defs, LINK_FIELDS)) out += `; ${name}=${value}`;
  return out;
}

/** Attributes in definition order, then those without a definition, sorted by name (rendered values). */
function ordered(values: Attributes, defs: ReadonlyMap<string, AttributeDefinition>, skip: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const present = (name: string) => !skip.has(name) && Object.hasOwn(values, name) && values[name] !== undefined && values[name] !== null;
  for (const [name, def] of defs) if (present(name)) out.push([name, formatValue(values[name], def)]);
  const rest = Object.keys(values).filter((name) => !defs.has(name) && present(name)).sort();
  // A name outside the grammar would make the whole line unreadable; such a value cannot be shown in text.
  for (const name of rest) if (ATTRIBUTE_NAME.test(name)) out.push([name, formatValue(values[name])]);
  return out;
}

function categoryOf(typeId: string, cls: CategoryClass, model: Model): { term: string; scheme: string; class: CategoryClass } {
  const known = model.findCategory(typeId);
  if (known) return known;
  const split = splitTypeId(typeId);
  return { term: split?.term ?? typeId, scheme: split?.scheme ?? '', class: cls };
}

/** `term; scheme="..."; class="..."`: how an entity names its Kind and Mixins (Text Rendering §4). */
export function shortCategory(c: { term: string; scheme: string; class: CategoryClass }): string {
  return `${c.term}; scheme=${quote(c.scheme)}; class=${quote(c.class)}`;
}

/**
 * A Category for the query interface, parameters in exactly the ABNF order
 * (Text Rendering §2.2): term, scheme, class, title, rel, location,
 * attributes, actions. A Mixin's `rel` is its first `depends` only (1.2).
 */
export function fullCategory(c: Category): string {
  const parts = [shortCategory(c)];
  if (c.title !== undefined) parts.push(`title=${quote(c.title)}`);
  let rel: string | undefined;
  let location: string | undefined;
  let actions: readonly Action[] = [];
  let attributes = c.attributes;
  if (c.class === 'kind') {
    const kind = c as Kind;
    rel = kind.parent?.id;
    location = kind.location;
    actions = kind.actions;
    attributes = kind.allAttributes;
  } else if (c.class === 'mixin') {
    const mixin = c as Mixin;
    rel = mixin.depends[0]?.id;
    location = mixin.location;
    actions = mixin.actions;
  }
  if (rel !== undefined) parts.push(`rel=${quote(rel)}`);
  if (location !== undefined) parts.push(`location=${quote(location)}`);
  if (attributes.size > 0) parts.push(`attributes=${quote([...attributes.values()].map(attributeDef).join(' '))}`);
  if (actions.length > 0) parts.push(`actions=${quote(actions.map((a) => a.id).join(' '))}`);
  return parts.join('; ');
}

function attributeDef(def: AttributeDefinition): string {
  const props = [...(def.mutable ? [] : ['immutable']), ...(def.required ? ['required'] : [])];
  return props.length === 0 ? def.name : `${def.name}{${props.join(' ')}}`;
}

/** The query interface (Text Rendering §2.2): one full Category line each. */
export function categoryLines(categories: readonly Category[]): Line[] {
  return categories.map(categoryLine);
}

/** A category's line depends on the category alone, which never changes: made once per category. */
const CATEGORY_LINES = new WeakMap<Category, Line>();

function categoryLine(c: Category): Line {
  let line = CATEGORY_LINES.get(c);
  if (!line) {
    line = Object.freeze({ name: 'Category' as const, value: fullCategory(c) });
    CATEGORY_LINES.set(c, line);
  }
  return line;
}

/** An entity collection (Text Rendering §4): one X-OCCI-Location with an absolute URL each. */
export function locationLines(locations: readonly string[], baseUrl: string): Line[] {
  return locations.map((l) => ({ name: 'X-OCCI-Location', value: absoluteUrl(l, baseUrl) }));
}

// ------------------------------------------------------------------ parsing

/** The Parser of text/plain and text/occi; `read` turns a request into lines (body or headers). */
export function textParser(read: (input: ParseInput) => Line[]): Parser {
  return {
    parseEntities: (input, model) => [readEntity(read(input), model, input.maxItems)],
    parseAction: (input) => readAction(read(input)),
    parseCategories: (input) => readCategories(read(input)),
    parseLocations: (input) => readLocations(read(input)),
    parseFilter: (input) => readFilter(read(input)),
  };
}

/** The comma-separated items of every line called `name`, within the per-request limit. */
function items(lines: readonly Line[], name: LineName, limit?: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.name !== name) continue;
    for (const item of splitOutside(line.value, ',')) {
      out.push(item);
      if (limit !== undefined) {
        if (out.length > limit) throw new ParsingError(`more than ${limit} locations in one request`, 'OCCI_ERR_PARSE_BODY_TOO_LARGE');
      } else checkCount(out.length, `${name} values`);
    }
  }
  return out;
}

/** Only these line types may appear in this rendering (Text Rendering §4 composition table). */
function allow(lines: readonly Line[], allowed: readonly LineName[], what: string): void {
  for (const line of lines) {
    if (!allowed.includes(line.name)) throw new ParsingError(`${what} carries no ${line.name} lines`);
  }
}

function readAttributes(lines: readonly Line[]): Attributes {
  const out: Attributes = {};
  for (const item of items(lines, 'X-OCCI-Attribute')) {
    const [name, value] = parseAttribute(item);
    if (Object.hasOwn(out, name)) throw new ParsingError(`attribute ${name} given twice`);
    out[name] = value;
  }
  return out;
}

/** A resource or link rendering: one Kind at most, mixins, links, attributes (Text Rendering §4). */
function readEntity(lines: readonly Line[], model: Model, maxItems?: number): EntityInput {
  allow(lines, ['Category', 'Link', 'X-OCCI-Attribute'], 'an entity rendering');
  // Counted before any is parsed: a thousand Link lines past the limit cost a split each, not a parse.
  const linkItems = items(lines, 'Link');
  if (maxItems !== undefined && 1 + linkItems.length > maxItems) throw tooManyItems(maxItems);
  const input: EntityInput = { mixins: [], attributes: readAttributes(lines), links: [], actionLinks: 0 };
  for (const item of items(lines, 'Category')) {
    const c = parseCategory(item);
    const id = c.scheme + c.term;
    if (c.class === 'action') throw new ParsingError(`action ${id} cannot be part of an entity; POST it with ?action=${c.term}`);
    if (c.class === 'mixin') input.mixins.push(id);
    else if (input.kind !== undefined) throw new ParsingError(`more than one kind: ${input.kind} and ${id}`);
    else input.kind = id;
  }
  for (const item of linkItems) {
    const l = parseLink(item);
    // Clients echo action links back (pOCCI's PUT); they are not OCCI links (§2.4).
    if (l.uri.includes('?action=') || l.rel.some((r) => model.findAction(r) !== undefined)) {
      input.actionLinks++;
      if (l.rel.length > 0) (input.actions ??= []).push(l.rel[0]);
      continue;
    }
    const link: LinkInput = { mixins: l.category.slice(1), attributes: l.attributes, target: l.uri };
    if (l.category.length > 0) link.kind = l.category[0];
    if (l.rel.length > 0) link.targetKind = l.rel[0];
    if (l.self !== undefined) link.self = l.self;
    input.links.push(link);
  }
  return input;
}

/**
 * An action invocation (Text Rendering §4): one Category of class action and
 * its parameters. Only term, scheme and class of the category count: pOCCI
 * posts the action's full discovery line (pocci-notes §4.19).
 */
function readAction(lines: readonly Line[]): ActionInput | undefined {
  allow(lines, ['Category', 'X-OCCI-Attribute'], 'an action invocation');
  const categories = items(lines, 'Category');
  const attributes = readAttributes(lines);
  if (categories.length === 0 && Object.keys(attributes).length === 0) return undefined;
  if (categories.length !== 1) throw new ParsingError(`an action invocation names exactly one action category, got ${categories.length}`);
  const c = parseCategory(categories[0]);
  if (c.class !== 'action') throw new ParsingError(`an action invocation needs a category of class action, got ${c.class} ${c.scheme}${c.term}`);
  return { action: c.scheme + c.term, attributes };
}

/** Category definitions (user mixins for POST/DELETE on the query interface). */
function readCategories(lines: readonly Line[]): CategoryInput[] {
  allow(lines, ['Category'], 'a category rendering');
  return items(lines, 'Category').map((item) => {
    const c = parseCategory(item);
    const out: CategoryInput = {
      class: c.class, scheme: c.scheme, term: c.term,
      depends: c.rel, applies: [], attributes: c.attributes, actions: c.actions,
    };
    if (c.title !== undefined) out.title = c.title;
    if (c.location !== undefined) out.location = c.location;
    if (c.definitions !== undefined) out.definitions = c.definitions;
    return out;
  });
}

/** An entity collection (Text Rendering §4): the X-OCCI-Location values as sent. */
function readLocations(lines: readonly Line[]): string[] {
  allow(lines, ['X-OCCI-Location'], 'a location list');
  return items(lines, 'X-OCCI-Location', MAX_LINES).map((uri) => {
    if (!/^[^\s"<>]+$/.test(uri)) throw new ParsingError(`not a URI: ${excerpt(uri)}`);
    return uri;
  });
}

/** A filter (HTTP Protocol §9): Category type ids and attribute values. */
export function readFilter(lines: readonly Line[]): FilterInput {
  allow(lines, ['Category', 'X-OCCI-Attribute'], 'a filter');
  return {
    categories: items(lines, 'Category').map((item) => {
      const c = parseCategory(item);
      return c.scheme + c.term;
    }),
    attributes: readAttributes(lines),
  };
}
