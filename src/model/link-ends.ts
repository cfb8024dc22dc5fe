import { ValidationError } from '../errors.js';
import type { Attributes } from './attribute.js';
import type { Link } from './entity.js';
import { NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK } from './infrastructure/index.js';
import type { Resolve } from './instantiate.js';
import type { Kind } from './kind.js';
import type { Model } from './model.js';

/** What each link kind connects to (Infrastructure 1.2 §5, §6: `target` = the network, the storage). */
const LINK_TARGETS: ReadonlyMap<Kind, Kind> = new Map([[NETWORKINTERFACE, NETWORK], [STORAGELINK, STORAGE]]);

/**
 * A link's ends, checked (Core 1.2 §5.4.2): the source a path of this
 * provider (the backend checks it is a resource), the target any URI whose
 * Kind, when known, is what the link's kind connects to. A local target's
 * Kind is the one of its collection, whatever the client claimed.
 */
export function linkEnds(
  model: Model, kind: Kind, source: string, target: string, claimedKind: string | undefined, resolve: Resolve,
): { source: string; target: string; targetKind?: string } {
  const from = resolve(source);
  if (!from.startsWith('/')) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `source ${source} is not a resource of this provider`);
  }
  const to = resolve(target);
  const targetKind = (to.startsWith('/') ? model.findKindForEntityPath(to)?.id : undefined) ?? claimedKind;
  let wanted: Kind | undefined;
  for (let k: Kind | undefined = kind; k && !wanted; k = k.parent) wanted = LINK_TARGETS.get(k);
  const actual = targetKind === undefined ? undefined : model.findKind(targetKind);
  if (wanted && targetKind !== undefined && !actual?.isA(wanted)) {
    throw new ValidationError(
      'OCCI_ERR_VALIDATION_LINK',
      `a ${kind.term} links to a ${wanted.term} (Infrastructure §5, §6); the target ${target} is a ${actual?.term ?? targetKind}`,
    );
  }
  return targetKind === undefined ? { source: from, target: to } : { source: from, target: to, targetKind };
}

export const LINK_ENDS: ReadonlySet<string> = new Set(['occi.core.source', 'occi.core.target', 'occi.core.target.kind']);

/**
 * A link with the ends an update asks for (Core 1.2 §5.4.2: source and
 * target are mutable), checked as at creation; unchanged when it names
 * none. A new target without a `target.kind` drops the old one.
 */
export function updatedEnds(model: Model, kind: Kind, link: Link, attributes: Attributes, resolve: Resolve): Link {
  const [source, target, claimed] = [...LINK_ENDS].map((name) => {
    const v = attributes[name];
    if (v !== undefined && (typeof v !== 'string' || v === '')) {
      throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `attribute ${name}: expected a URI, got ${JSON.stringify(v)}`);
    }
    return v as string | undefined;
  });
  if (source === undefined && target === undefined && claimed === undefined) return link;
  const sameTarget = target === undefined || resolve(target) === link.target;
  const ends = linkEnds(model, kind, source ?? link.source, target ?? link.target, claimed ?? (sameTarget ? link.targetKind : undefined), resolve);
  const out: Link = { ...link, source: ends.source, target: ends.target };
  if (ends.targetKind === undefined) delete out.targetKind;
  else out.targetKind = ends.targetKind;
  return out;
}
