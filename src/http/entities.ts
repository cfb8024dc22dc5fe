import { ConflictError, NotFoundError, NotImplementedError, PreconditionFailedError, QuotaError, ValidationError } from '../errors.js';
import { applyReplace, applyUpdate, checkActionInput, draftEntity, isLink, missingKind, type Entity, type EntityInput, type Kind } from '../model/index.js';
import type { Exchange, Outcome } from './app.js';
import { checkCreatable } from './capabilities.js';

/** One entity instance, resource or link (HTTP Protocol §5). */
export async function handleEntity(x: Exchange, kind: Kind, method: string): Promise<Outcome> {
  switch (method) {
    case 'GET': {
      x.expect('entity');
      const entity = await getOr404(x);
      return entityOutcome(entity);
    }
    case 'PUT':
      return put(x, kind);
    case 'POST':
      return x.action === undefined ? update(x) : runAction(x);
    default: {
      x.expect('empty');
      const existing = await getOr404(x);
      checkPreconditions(x, existing);
      await x.backend.delete(x.ctx, [x.path], ifVersion(x, existing));
      return { status: 200, value: { type: 'empty' } };
    }
  }
}

function entityOutcome(entity: Entity, status = 200, headers: Array<[string, string]> = []): Outcome {
  return { status, headers: [...headers, ['ETag', `"${entity.version}"`]], value: { type: 'entity', entity } };
}

async function getOr404(x: Exchange): Promise<Entity> {
  const entity = await x.backend.get(x.ctx, x.path);
  if (!entity) throw new NotFoundError(`no entity at ${x.path}`);
  return entity;
}

function oneEntity(x: Exchange): EntityInput {
  const inputs = x.parser().parseEntities(x.parseInput(), x.model);
  if (inputs.length !== 1) throw new ValidationError('OCCI_ERR_VALIDATION_KIND', `expected one entity rendering, got ${inputs.length}`);
  x.checkItems(1 + inputs[0].links.length, 'entities and inline links');
  return inputs[0];
}

/** PUT: full replacement of an existing entity, or creation at a client-chosen path (§5.2). */
async function put(x: Exchange, kind: Kind): Promise<Outcome> {
  x.expect('entity');
  const input = oneEntity(x);
  const existing = await x.backend.get(x.ctx, x.path);
  checkPreconditions(x, existing);
  checkBodyId(x, input, existing?.id ?? x.path.slice(x.path.lastIndexOf('/') + 1));
  if (existing) {
    const replaced = applyReplace(x.model, existing, input, x.resolve);
    checkRelink(x, existing, replaced);
    const [stored] = await x.backend.update(x.ctx, [{ before: existing, after: replaced }]);
    return entityOutcome(stored);
  }
  if (!x.backend.capabilities.putCreate) {
    throw new NotImplementedError(`PUT-create: the ${x.backend.name} backend names its own entities and cannot create one at ${x.path}; POST to ${kind.location}`);
  }
  if (input.kind === undefined) throw missingKind(x.model, kind, input);
  const draft = draftEntity(x.model, kind, input, x.resolve);
  checkCreatable(x, [draft]);
  let created: Entity;
  try {
    [created] = await x.backend.create(x.ctx, [draft], x.path);
  } catch (err) {
    // Another PUT created it since we looked: with If-None-Match: * that is the precondition failing (RFC 9110 §13.1.2).
    if (err instanceof ConflictError && err.code === 'OCCI_ERR_CONFLICT_LOCATION' && x.req.headers['if-none-match']?.trim() === '*') {
      throw new PreconditionFailedError(`If-None-Match: ${x.path} was created meanwhile`);
    }
    throw err;
  }
  return entityOutcome(created, 201, [['Location', x.url(created.location)]]);
}

/**
 * The path names the entity a PUT replaces or creates (HTTP Protocol §5.2):
 * an `occi.core.id` in the body that names another one is a contradiction
 * (400), neither a rename nor a creation under another id.
 */
function checkBodyId(x: Exchange, input: EntityInput, id: string): void {
  const said = input.attributes['occi.core.id'];
  if (said !== undefined && String(said) !== id) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_ATTRIBUTE',
      `occi.core.id ${JSON.stringify(String(said))} disagrees with the location ${x.path} (id ${JSON.stringify(id)}); leave it out or send ${JSON.stringify(id)}`,
    );
  }
}

/** 501 for a link moved to other ends when the backend cannot move links (`capabilities.relink`). */
function checkRelink(x: Exchange, before: Entity, after: Entity): void {
  if (x.backend.capabilities.relink || !isLink(before) || !isLink(after)) return;
  // A local target's kind is its collection's, so it changes only with the target.
  const kindChanged = !after.target.startsWith('/') && before.targetKind !== after.targetKind;
  if (before.source !== after.source || before.target !== after.target || kindChanged) {
    throw new NotImplementedError(`moving a link: the ${x.backend.name} backend cannot change the source or target of ${x.path}; delete it and create another`);
  }
}

/** POST without action: partial update, mixins added, inline links added (§5.3). */
async function update(x: Exchange): Promise<Outcome> {
  x.expect('entity');
  const input = oneEntity(x);
  const existing = await getOr404(x);
  checkPreconditions(x, existing);
  const { entity, links } = applyUpdate(x.model, existing, input, x.resolve);
  checkRelink(x, existing, entity);
  if (links.length > 0) checkCreatable(x, links);
  const [stored] = await x.backend.update(x.ctx, [{ before: existing, after: entity, links }]);
  return entityOutcome(stored);
}

/** POST `?action=term` (§5.4): 200 with the entity, or with the mixin a `save` made. */
async function runAction(x: Exchange): Promise<Outcome> {
  const input = x.parser().parseAction(x.parseInput(), x.model);
  const existing = await getOr404(x);
  checkPreconditions(x, existing);
  const { action, parameters } = checkActionInput(
    x.model, x.model.getKind(existing.kind), x.model.resolveMixins(existing.mixins, existing.owner), x.action!, input,
  );
  // `save` answers with a category; every other action with the entity.
  x.expect(action.term === 'save' ? 'categories' : 'entity');
  const max = x.app.maxUserMixins;
  if (action.term === 'save' && max !== undefined && x.model.ownedBy(x.ctx.owner) >= max) {
    throw new QuotaError(`you define ${x.model.ownedBy(x.ctx.owner)} mixins and templates; at most ${max} (--max-user-mixins)`);
  }
  const [result] = await x.backend.invoke(x.ctx, [x.path], action, parameters, ifVersion(x, existing));
  if (result.type === 'mixin') return { status: 200, value: { type: 'categories', categories: [result.mixin] } };
  return entityOutcome(result.entity);
}

/**
 * RFC 9110 §13.1.1-2: `If-Match` (strong comparison, or `*` for "exists") and
 * `If-None-Match` (`*` for "does not exist yet": PUT-create only) on the
 * entity's current version; a mismatch is 412 before anything is written.
 * The version read here goes on to the backend, which refuses it in its
 * write transaction if another write came in between: 409 for PUT and POST
 * updates (a stale version), 412 for actions and DELETE under If-Match.
 */
export function checkPreconditions(x: Exchange, existing: Entity | undefined): void {
  const current = existing === undefined ? undefined : `"${existing.version}"`;
  const ifMatch = x.req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch.trim() !== '') {
    const tags = entityTags(ifMatch);
    const ok = current !== undefined && (tags.includes('*') || tags.includes(current));
    if (!ok) {
      throw new PreconditionFailedError(
        current === undefined
          ? `If-Match: nothing exists at ${x.path}`
          : `If-Match: ${x.path} is at version ${current}, not ${ifMatch.trim()}; read it again`,
      );
    }
  }
  const ifNoneMatch = x.req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '' && current !== undefined) {
    const tags = entityTags(ifNoneMatch).map((t) => t.replace(/^W\//, ''));
    if (tags.includes('*') || tags.includes(current)) {
      throw new PreconditionFailedError(`If-None-Match: ${x.path} exists (version ${current})`);
    }
  }
}

/** The version an If-Match (other than `*`) holds the backend to, re-checked inside its write transaction. */
function ifVersion(x: Exchange, existing: Entity): string | undefined {
  const ifMatch = x.req.headers['if-match']?.trim();
  return ifMatch === undefined || ifMatch === '' || ifMatch === '*' ? undefined : existing.version;
}

/** The entity-tags of an If-Match / If-None-Match list, as sent (`"3"`, `W/"3"`, `*`). */
function entityTags(value: string): string[] {
  return value.split(',').map((t) => t.trim()).filter((t) => t !== '');
}
