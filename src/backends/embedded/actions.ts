import { randomBytes } from 'node:crypto';
import { ConflictError, InternalError, NotFoundError, ValidationError } from '../../errors.js';
import {
  COMPUTE, Mixin, OS_TPL, SAVE, actionsInState,
  type Action, type Attributes, type Entity, type Model,
} from '../../model/index.js';
import type { ActionResult, RequestContext } from '../backend.js';
import type { Op } from './op.js';
import { nextVersion, rowToEntity, type MixinData, type Store } from './store.js';
import { TERM_11, osTemplateScheme, type TemplatesConfig } from '../templates.js';

export interface Invoker {
  readonly store: Store;
  readonly model: Model;
  readonly templates: TemplatesConfig;
}

/**
 * Runs `action` on each entity inside the caller's write transaction, moving
 * it along its Kind's state machine (Infrastructure §2.3, §3, §4). The OS
 * templates `save` makes are returned apart: the caller adds them to the
 * model once the transaction has committed.
 */
export function* invokeAction(
  c: Invoker, ctx: RequestContext, locations: readonly string[], action: Action, parameters: Attributes,
): Op<{ results: ActionResult[]; saved: Mixin[] }> {
  const results: ActionResult[] = [];
  const saved: Mixin[] = [];
  for (const location of locations) {
    const row = yield* c.store.find(ctx, location);
    if (!row) throw new NotFoundError(`no entity at ${location}`);
    let entity = rowToEntity(row);
    const kind = c.model.findKind(entity.kind);
    if (!kind) throw new InternalError(`${location} has the kind ${entity.kind}, which the model does not know`);
    // The entity's mixins as its owner named them (their space).
    if (!c.model.actionsFor(kind, c.model.visibleTo(entity.owner ?? '').resolveMixins(entity.mixins)).includes(action)) {
      throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action ${action.term} is not defined for ${location}`);
    }
    const sm = c.model.stateMachine(kind);
    const transition = sm?.transitions.get(action.id);
    if (sm && transition) {
      const current = entity.attributes[sm.attribute];
      const state = typeof current === 'string' ? current : sm.initial;
      if (!transition.from.includes(state)) {
        const valid = actionsInState(sm, state).map((id) => c.model.findAction(id)?.term ?? id);
        throw new ConflictError(
          'OCCI_ERR_CONFLICT_STATE',
          `action ${action.term} is not valid for ${location} in state ${state}; valid now: ${valid.join(', ') || 'none'}`,
        );
      }
      const attributes = { ...entity.attributes };
      if (transition.to !== undefined) attributes[sm.attribute] = transition.to;
      entity = { ...entity, attributes, version: nextVersion(entity.version) };
      yield* c.store.update(entity, entity.mixins);
    }
    if (action.id === SAVE.id) {
      const mixin = yield* saveTemplate(c, ctx, entity, parameters);
      saved.push(mixin);
      results.push({ type: 'mixin', mixin });
    } else {
      results.push({ type: 'entity', entity: (yield* c.store.withLinks([entity]))[0] });
    }
  }
  return { results, saved };
}

/**
 * `save` (Infrastructure 1.2 §2.2): a new OS template depending on os_tpl,
 * in the saver's own name space. The client's name is honoured when it is a
 * 1.1-valid term the saver does not use yet and no public template has;
 * another owner's templates are never in the way.
 */
function* saveTemplate(c: Invoker, ctx: RequestContext, entity: Entity, parameters: Attributes): Op<Mixin> {
  const scheme = osTemplateScheme(c.templates);
  const mine = c.model.visibleTo(ctx.owner);
  function* free(term: string): Op<boolean> {
    const location = `/mixin/os_tpl/${term}/`;
    if (mine.findCategory(scheme + term) || mine.findByLocation(location)) return false;
    return !(yield* c.store.findMixin(ctx.owner, scheme + term)) && !(yield* c.store.mixinAt(ctx.owner, location));
  }
  const name = parameters.name;
  let term = typeof name === 'string' && TERM_11.test(name) && (yield* free(name)) ? name : undefined;
  while (term === undefined) {
    const candidate = `saved-${randomBytes(4).toString('hex')}`;
    if (yield* free(candidate)) term = candidate;
  }
  const title = entity.attributes['occi.core.title'];
  const data: MixinData = {
    scheme, term, title: `Saved from ${typeof title === 'string' && title !== '' ? title : entity.id}`,
    depends: [OS_TPL.id], applies: [COMPUTE.id], source: entity.location,
  };
  const mixin = savedMixin(c.model, data, ctx.owner);
  yield* c.store.modelChanged();
  yield* c.store.insertMixin({ id: mixin.id, origin: 'saved', owner: ctx.owner, location: mixin.location, data: JSON.stringify(data) });
  return mixin;
}

/** A saved OS template as the model holds it: a provider mixin, like the configured images. */
export function savedMixin(model: Model, data: MixinData, owner: string | null): Mixin {
  return new Mixin({
    scheme: data.scheme,
    term: data.term,
    title: data.title,
    depends: [OS_TPL],
    applies: [model.findKind(COMPUTE.id) ?? COMPUTE],
    location: `/mixin/os_tpl/${data.term}/`,
    origin: 'provider',
    owner: owner ?? undefined,
  });
}
