import { ForbiddenError, ValidationError } from '../errors.js';
import type { Action } from './action.js';
import { coerceValue, sameValue, type AttributeDefinition, type Attributes, type AttributeValue } from './attribute.js';
import { LINK } from './core.js';
import { FIELD_ATTRIBUTES, type Entity, type Link, type Resource } from './entity.js';
import { NETWORK, NETWORKINTERFACE, OS_TPL, RESOURCE_TPL, STORAGE, STORAGELINK, USER_DATA } from './infrastructure/index.js';
import type { ActionInput, EntityInput, LinkInput } from './input.js';
import type { Kind } from './kind.js';
import { LINK_ENDS, linkEnds, updatedEnds } from './link-ends.js';
import type { Mixin } from './mixin.js';
import type { Model } from './model.js';
import { unknownCategory } from './suggest.js';

/**
 * The rules of instantiation and update (OCCI Core §5, §7, §9; Infrastructure
 * §8), applied to what a parser read. Pure: no I/O. The result is a draft the
 * backend completes (id, location, server-assigned values) and stores.
 */


/** A client-chosen id is used when it is a plain token (rOCCI's own rule) and free. */
export const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export interface EntityDraft {
  kind: Kind;
  mixins: Mixin[];
  attributes: Attributes;
  /** The id the client asked for, if it is a valid token. */
  requestedId?: string;
  /** Inline links to create with a resource. */
  links: LinkDraft[];
  /** For links: where from and where to (paths inside this provider, or external URIs for targets). */
  source?: string;
  target?: string;
  targetKind?: string;
}

export interface LinkDraft extends EntityDraft {
  target: string;
}

/** Maps a URI a client sent (absolute URL of this server, or a path) to a path; external URIs are kept. */
export type Resolve = (uri: string) => string;

/** Builds the draft of a new entity of `kind` from a creation request (POST to a Kind location, PUT to a new path). */
export function draftEntity(model: Model, kind: Kind, input: EntityInput, resolve: Resolve): EntityDraft {
  checkKind(model, kind, input.kind);
  if (kind === model.findKind('http://schemas.ogf.org/occi/core#entity')) {
    throw new ValidationError('OCCI_ERR_VALIDATION_KIND', 'entity is abstract and cannot be instantiated');
  }
  const mixins = resolveMixins(model, kind, input.mixins);
  checkTemplates(mixins);
  const defs = model.attributesFor(kind, mixins);
  const draft: EntityDraft = { kind, mixins, attributes: {}, links: [] };
  const id = input.attributes['occi.core.id'];
  if (typeof id === 'string' && CLIENT_ID.test(id)) draft.requestedId = id;

  for (const [name, raw] of Object.entries(input.attributes)) {
    if (FIELD_ATTRIBUTES.has(name)) continue;
    const def = defs.get(name);
    if (!def) throw unknownAttribute(name, kind);
    // Server-managed values (state, interface, ...) cannot be chosen at creation;
    // clients that echo a whole model (rOCCI) send them, so they are ignored here.
    if (!def.mutable) continue;
    draft.attributes[name] = coerceValue(def, raw);
  }
  applyDefaults(defs, kind, mixins, draft.attributes);
  applyResourceTemplate(mixins, draft.attributes);
  checkRequired(defs, draft.attributes);

  if (kind.isA(LINK)) {
    if (input.links.length > 0) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
    const source = input.attributes['occi.core.source'];
    const target = input.attributes['occi.core.target'];
    if (typeof source !== 'string' || source === '') throw required('occi.core.source');
    if (typeof target !== 'string' || target === '') throw required('occi.core.target');
    const tk = input.attributes['occi.core.target.kind'];
    Object.assign(draft, linkEnds(model, kind, source, target, typeof tk === 'string' ? tk : undefined, resolve));
  } else {
    for (const li of input.links) draft.links.push(draftInlineLink(model, li, resolve));
  }
  return draft;
}

/** An inline link of a resource creation or update (HTTP Protocol §8.1); its Kind may be inferred from the target. */
export function draftInlineLink(model: Model, input: LinkInput, resolve: Resolve): LinkDraft {
  if (!input.target) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'an inline link needs a target');
  const target = resolve(input.target);
  const targetKind = input.targetKind && model.findKind(input.targetKind) ? input.targetKind : model.findKindForEntityPath(target)?.id;
  let kindId = input.kind;
  if (!kindId) {
    const tk = targetKind ? model.findKind(targetKind) : undefined;
    kindId = tk?.isA(NETWORK) ? NETWORKINTERFACE.id : tk?.isA(STORAGE) ? STORAGELINK.id : LINK.id;
  }
  const kind = model.findKind(kindId);
  if (!kind || !kind.isA(LINK)) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `${kindId} is not a link kind`);
  const attributes: Attributes = { ...input.attributes, 'occi.core.target': target };
  // The source is the resource being created or updated; the backend fills it.
  attributes['occi.core.source'] = '/';
  if (targetKind) attributes['occi.core.target.kind'] = targetKind;
  const draft = draftEntity(model, kind, { kind: kind.id, mixins: input.mixins, attributes, links: [], actionLinks: 0 }, resolve);
  delete draft.source;
  return draft as LinkDraft;
}

/**
 * A partial update (POST to an entity, HTTP Protocol §5.3): attributes are
 * changed, mixins added (templates replace their predecessor), inline links
 * added. Returns the updated copy and the links to create.
 */
export function applyUpdate(model: Model, entity: Entity, input: EntityInput, resolve: Resolve): { entity: Entity; links: LinkDraft[] } {
  const kind = model.getKind(entity.kind);
  checkKind(model, kind, input.kind);
  const added = resolveMixins(model, kind, input.mixins);
  let mixins = model.resolveMixins(entity.mixins, entity.owner);
  for (const m of added) {
    if (mixins.includes(m)) continue;
    const family = templateFamily(m);
    if (family) mixins = mixins.filter((old) => templateFamily(old) !== family);
    mixins.push(m);
  }
  checkTemplates(mixins);
  const defs = model.attributesFor(kind, mixins);
  const attributes: Attributes = { ...entity.attributes };
  for (const [name, raw] of Object.entries(input.attributes)) {
    checkAttributeChange(defs, entity, name, raw, kind);
    if (FIELD_ATTRIBUTES.has(name)) continue;
    const def = defs.get(name)!;
    if (!def.mutable) continue;
    attributes[name] = echoedOrCoerced(def, entity.attributes[name], raw);
  }
  const newMixins = added.filter((m) => !entity.mixins.includes(m.id));
  applyDefaults(defs, kind, newMixins, attributes);
  applyResourceTemplate(newMixins, attributes);
  checkRequired(defs, attributes);
  const links: LinkDraft[] = [];
  if (input.links.length > 0) {
    if (kind.isA(LINK)) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
    const existing = (entity as Resource).links ?? [];
    for (const li of input.links) {
      if (echoesExistingLink(existing, li, resolve)) continue;
      links.push(draftInlineLink(model, li, resolve));
    }
  }
  const updated = { ...entity, mixins: mixins.map((m) => m.id), attributes };
  return { entity: kind.isA(LINK) ? updatedEnds(model, kind, updated as Link, input.attributes, resolve) : updated, links };
}

/**
 * A full replacement (PUT to an existing entity, HTTP Protocol §5.2): the
 * request is the whole new state. Mutable attributes it leaves out are reset;
 * immutable ones may be echoed unchanged and are kept when left out, as are
 * the templates and user data unless it names others; existing links stay,
 * and Link lines that describe them (or action links) are tolerated, new
 * ones refused. A link's source and target may change.
 */
export function applyReplace(model: Model, entity: Entity, input: EntityInput, resolve: Resolve): Entity {
  const kind = model.getKind(entity.kind);
  if (input.kind === undefined) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', 'a full replacement must name the kind');
  checkKind(model, kind, input.kind);
  const mixins = resolveMixins(model, kind, input.mixins);
  checkTemplates(mixins);
  for (const m of mixins) {
    if (m === USER_DATA && !entity.mixins.includes(m.id)) {
      throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', 'user_data can only be given at creation');
    }
  }
  // What a client may not take away stays: the OS and resource templates
  // (Infrastructure §8: a new one replaces the old, none is not an option),
  // and user_data with its value (given once, at creation).
  for (const old of model.resolveMixins(entity.mixins, entity.owner)) {
    const family = templateFamily(old);
    const kept = family ? !mixins.some((m) => templateFamily(m) === family) : old === USER_DATA && !mixins.includes(old);
    if (kept) mixins.push(old);
  }
  const defs = model.attributesFor(kind, mixins);
  const attributes: Attributes = {};
  // Server-managed values (and the user data) stay as they are.
  for (const [name, value] of Object.entries(entity.attributes)) {
    const def = defs.get(name);
    if (def && (!def.mutable || (name === 'occi.compute.userdata' && input.attributes[name] === undefined))) attributes[name] = value;
  }
  for (const [name, raw] of Object.entries(input.attributes)) {
    checkAttributeChange(defs, entity, name, raw, kind);
    if (FIELD_ATTRIBUTES.has(name)) continue;
    const def = defs.get(name)!;
    if (def.mutable) attributes[name] = echoedOrCoerced(def, entity.attributes[name], raw);
  }
  const newMixins = mixins.filter((m) => !entity.mixins.includes(m.id));
  applyDefaults(defs, kind, mixins, attributes);
  applyResourceTemplate(newMixins, attributes);
  checkRequired(defs, attributes);
  if (!kind.isA(LINK)) {
    const existing = (entity as Resource).links ?? [];
    for (const li of input.links) {
      if (!echoesExistingLink(existing, li, resolve)) {
        throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `a full replacement keeps the links as they are; create link ${li.target ?? ''} with POST`);
      }
    }
  } else if (input.links.length > 0) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'a link cannot carry links');
  }
  const replaced = { ...entity, mixins: mixins.map((m) => m.id), attributes };
  return kind.isA(LINK) ? updatedEnds(model, kind, replaced as Link, input.attributes, resolve) : replaced;
}

/** Checks an action invocation (HTTP Protocol §5.4) against the entity's kind and mixins. */
export function checkActionInput(model: Model, kind: Kind, mixins: readonly Mixin[], term: string, input: ActionInput | undefined): { action: Action; parameters: Attributes } {
  const defined = model.actionsFor(kind, mixins);
  let action: Action | undefined;
  if (input) {
    action = defined.find((a) => a.id === input.action);
    if (!action) {
      if (model.findAction(input.action)) throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action ${input.action} is not defined for ${kind.term}`);
      throw unknownCategory(model, input.action, 'action', 'OCCI_ERR_VALIDATION_ACTION');
    }
    if (action.term !== term) {
      throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `the query names action "${term}" but the body names ${input.action}`);
    }
  } else {
    const candidates = defined.filter((a) => a.term === term);
    if (candidates.length === 0) throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `no action "${term}" is defined for ${kind.term}`);
    if (candidates.length > 1) {
      throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action "${term}" is ambiguous; name it in the body: ${candidates.map((a) => a.id).join(', ')}`);
    }
    action = candidates[0];
  }
  const parameters: Attributes = {};
  for (const [name, raw] of Object.entries(input?.attributes ?? {})) {
    const def = action.attributes.get(name);
    if (!def) throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `action ${action.term} has no parameter ${name}`);
    parameters[name] = coerceValue(def, raw);
  }
  for (const def of action.attributes.values()) {
    if (parameters[def.name] === undefined && def.default !== undefined) parameters[def.name] = def.default;
    if (parameters[def.name] === undefined && def.required) throw required(def.name);
  }
  return { action, parameters };
}

/** The template family (os_tpl or resource_tpl) a mixin belongs to, if any. */
export function templateFamily(m: Mixin): Mixin | undefined {
  if (m !== OS_TPL && m.dependsOn(OS_TPL)) return OS_TPL;
  if (m !== RESOURCE_TPL && m.dependsOn(RESOURCE_TPL)) return RESOURCE_TPL;
  return undefined;
}

/** Typed comparison of an entity's attribute with a filter value (HTTP Protocol §9). */
export function matchesAttribute(model: Model, entity: Entity, name: string, value: AttributeValue): boolean {
  const actual = fieldValue(entity, name) ?? entity.attributes[name];
  if (actual === undefined) return false;
  const kind = model.findKind(entity.kind);
  const def = kind ? model.attributesFor(kind, model.resolveMixins(entity.mixins, entity.owner)).get(name) : undefined;
  return sameValue(def, actual, value);
}

function fieldValue(entity: Entity, name: string): AttributeValue | undefined {
  switch (name) {
    case 'occi.core.id':
      return entity.id;
    case 'occi.core.source':
      return (entity as Link).source;
    case 'occi.core.target':
      return (entity as Link).target;
    case 'occi.core.target.kind':
      return (entity as Link).targetKind;
    default:
      return undefined;
  }
}

function checkKind(model: Model, kind: Kind, named: string | undefined): void {
  if (named === undefined || named === kind.id) return;
  if (model.findKind(named)) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `kind ${named} does not belong at the location of ${kind.id}`);
  throw unknownCategory(model, named, 'kind', 'OCCI_ERR_VALIDATION_KIND');
}

function resolveMixins(model: Model, kind: Kind, ids: readonly string[]): Mixin[] {
  const out: Mixin[] = [];
  for (const id of ids) {
    const m = model.findMixin(id);
    if (!m) throw unknownCategory(model, id, 'mixin');
    if (!m.appliesTo(kind)) {
      throw new ForbiddenError('OCCI_ERR_FORBIDDEN_MIXIN_APPLIES', `mixin ${id} does not apply to ${kind.id}`);
    }
    if (m === OS_TPL || m === RESOURCE_TPL) {
      // The family's location lists the computes using one, not the templates: discovery filtered by the family does (HTTP Protocol §9).
      throw new ValidationError(
        'OCCI_ERR_VALIDATION_CATEGORY',
        `${id} is a template family; name one of its templates, which GET /-/ with the header 'Category: ${m.term}; scheme="${m.scheme}"; class="mixin"' lists`,
      );
    }
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

function checkTemplates(mixins: readonly Mixin[]): void {
  for (const family of [OS_TPL, RESOURCE_TPL]) {
    const tpls = mixins.filter((m) => templateFamily(m) === family);
    if (tpls.length > 1) {
      throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `at most one ${family.term} may be associated, got ${tpls.map((m) => m.id).join(', ')}`);
    }
  }
}

/** Kind defaults first, then mixin defaults (a mixin's default overrides the Kind's, Core §9). */
function applyDefaults(defs: ReadonlyMap<string, AttributeDefinition>, kind: Kind, mixins: readonly Mixin[], attributes: Attributes): void {
  const defaults = new Map<string, AttributeValue>();
  for (const def of kind.allAttributes.values()) if (def.default !== undefined) defaults.set(def.name, def.default);
  for (const m of mixins) {
    for (const c of m.closure) for (const def of c.attributes.values()) if (def.default !== undefined) defaults.set(def.name, def.default);
  }
  for (const [name, value] of defaults) if (attributes[name] === undefined && defs.has(name)) attributes[name] = value;
}

/** A resource template's values override the instance's own (Infrastructure §8.2, CRTP). */
function applyResourceTemplate(mixins: readonly Mixin[], attributes: Attributes): void {
  for (const m of mixins) {
    if (templateFamily(m) !== RESOURCE_TPL) continue;
    for (const def of m.attributes.values()) if (def.default !== undefined) attributes[def.name] = def.default;
  }
}

function checkRequired(defs: ReadonlyMap<string, AttributeDefinition>, attributes: Attributes): void {
  for (const def of defs.values()) {
    if (def.required && def.mutable && !FIELD_ATTRIBUTES.has(def.name) && attributes[def.name] === undefined) throw required(def.name);
  }
}

function checkAttributeChange(
  defs: ReadonlyMap<string, AttributeDefinition>, entity: Entity, name: string, raw: AttributeValue, kind: Kind,
): void {
  const def = defs.get(name);
  if (!def) throw unknownAttribute(name, kind);
  // A link's ends are mutable (Core 1.2 §5.4.2), checked together by updatedEnds.
  if (LINK_ENDS.has(name)) return;
  const current = fieldValue(entity, name) ?? entity.attributes[name];
  if (FIELD_ATTRIBUTES.has(name) || !def.mutable) {
    if (current !== undefined && !sameValue(def, current, raw)) {
      throw new ForbiddenError('OCCI_ERR_FORBIDDEN_IMMUTABLE', `attribute ${name} cannot be changed by a client`);
    }
    return;
  }
  if (name === 'occi.compute.userdata' && current !== undefined && !sameValue(def, current, raw)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', 'occi.compute.userdata is supplied once, at creation');
  }
}

/**
 * A value the entity holds already is taken as it is: a client that sends
 * back what it read (a PUT built from a GET) is not refused for a value a
 * cloud reported (a Nova server name as hostname) that a client could not set.
 */
function echoedOrCoerced(def: AttributeDefinition, current: AttributeValue | undefined, raw: AttributeValue): AttributeValue {
  return current !== undefined && typeof current !== 'object' && current === raw ? current : coerceValue(def, raw);
}

function echoesExistingLink(existing: readonly Link[], li: LinkInput, resolve: Resolve): boolean {
  if (li.self) {
    const self = resolve(li.self);
    return existing.some((l) => l.location === self);
  }
  if (!li.target) return false;
  const target = resolve(li.target);
  return existing.some((l) => l.target === target && (!li.kind || li.kind === l.kind));
}

function unknownAttribute(name: string, kind: Kind): ValidationError {
  return new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `attribute ${name} is not defined for ${kind.term} or its mixins`);
}

function required(name: string): ValidationError {
  return new ValidationError('OCCI_ERR_VALIDATION_REQUIRED', `required attribute ${name} is missing`);
}

/** Removes a mixin from an entity (HTTP Protocol §7) with the attributes only it defined. */
export function dissociate(model: Model, entity: Entity, mixin: Mixin): Entity {
  const kind = model.getKind(entity.kind);
  const mixins = model.resolveMixins(entity.mixins, entity.owner).filter((m) => m !== mixin);
  const defs = model.attributesFor(kind, mixins);
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(entity.attributes)) if (defs.has(name)) attributes[name] = value;
  return { ...entity, mixins: entity.mixins.filter((id) => id !== mixin.id), attributes };
}
