/**
 * Storage attachments as a cloud keeps them (Cinder, OpenNebula images): a
 * storage serves one compute at a time unless it carries the `shareable`
 * mixin, and it cannot be deleted while a storagelink attaches it.
 */
import { ConflictError } from '../../errors.js';
import { Mixin, STORAGE, type Model } from '../../model/index.js';
import type { Op } from './op.js';
import { rowToEntity, type EntityRow, type Store } from './store.js';

/**
 * `http://occi-server.local/occi/storage#shareable`, at `/mixin/shareable/`:
 * several computes may attach the storage. A scheme of this server's own,
 * whatever `templates.scheme` says, so that changing that never hides it.
 */
export const SHAREABLE_SCHEME = 'http://occi-server.local/occi/storage#';

export function shareableMixin(model: Model): Mixin {
  return new Mixin({
    scheme: SHAREABLE_SCHEME,
    term: 'shareable',
    title: 'Storage that several computes may attach at once (a cluster file system)',
    applies: [model.findKind(STORAGE.id) ?? STORAGE],
    location: '/mixin/shareable/',
  });
}

/** True for a location whose entity is a storage (or of a Kind derived from it). */
function isStorage(model: Model, kind: string): boolean {
  return model.findKind(kind)?.isA(STORAGE) === true;
}

/**
 * Before a link from `source` to `target` is stored: a storage that is not
 * shareable and is already attached to another resource refuses it (409
 * naming the link that holds it). Several links from one compute are one
 * attachment (several device names).
 */
export function* checkAttach(
  store: Store, model: Model, shareable: string, owner: string, source: string, target: string, targetKind: string | undefined,
): Op<void> {
  if (targetKind === undefined || !isStorage(model, targetKind)) return;
  // A link's ends are in its owner's space, and so are the other links to its target.
  const holder = (yield* store.linksTo(owner, target)).find((l) => l.source !== source);
  if (!holder) return;
  const row = yield* store.findOwned(owner, target);
  if (row && rowToEntity(row).mixins.includes(shareable)) return;
  throw new ConflictError(
    'OCCI_ERR_CONFLICT_STATE',
    `${target} is attached to ${holder.source} by ${holder.location}: delete that storagelink first, or make the storage shareable (mixin ${shareable}) before attaching it to several computes`,
  );
}

/**
 * Before `rows` are deleted: a storage still attached by a link that
 * is not going too (neither the link nor its source is deleted) is 409
 * naming the link.
 */
export function* checkDetached(store: Store, model: Model, rows: readonly EntityRow[]): Op<void> {
  const going = new Set(rows.map((r) => `${r.owner}\u0000${r.location}`));
  for (const row of rows) {
    const location = row.location;
    if (row.source !== null || !isStorage(model, row.kind)) continue;
    const holders = (yield* store.linksTo(row.owner, location)).filter((l) => !going.has(`${row.owner}\u0000${l.location}`) && !going.has(`${row.owner}\u0000${l.source}`));
    if (holders.length === 0) continue;
    throw new ConflictError(
      'OCCI_ERR_CONFLICT_STATE',
      `${location} is attached: ${holders.map((l) => `${l.location} (from ${l.source})`).join(', ')}; delete the storagelink first`,
    );
  }
}

/** Before a storage loses `shareable`: refused while more than one resource attaches it. */
export function* checkUnshare(store: Store, shareable: string, owner: string, location: string, before: readonly string[], after: readonly string[]): Op<void> {
  if (!before.includes(shareable) || after.includes(shareable)) return;
  const sources = new Set((yield* store.linksTo(owner, location)).map((l) => l.source));
  if (sources.size <= 1) return;
  throw new ConflictError(
    'OCCI_ERR_CONFLICT_STATE',
    `${location} is attached to ${[...sources].join(', ')}: it stays shareable until all but one storagelink are deleted`,
  );
}
