import { NotImplementedError } from '../errors.js';
import type { EntityDraft } from '../model/index.js';
import type { Exchange } from './app.js';

/**
 * 501 before anything is written when the backend cannot create one of the
 * kinds asked for (an entity or one of its inline links), naming the
 * operation and the kinds it can create.
 */
export function checkCreatable(x: Exchange, drafts: readonly EntityDraft[]): void {
  const creatable = x.backend.capabilities.creatableKinds;
  for (const d of drafts.flatMap((d) => [d, ...d.links])) {
    if (!creatable.includes(d.kind.id)) {
      const names = creatable.map((id) => x.model.findKind(id)?.term ?? id);
      throw new NotImplementedError(`creating ${d.kind.term}: the ${x.backend.name} backend can create ${names.join(', ') || 'nothing'}`);
    }
  }
}
