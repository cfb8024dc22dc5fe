import { randomBytes, randomUUID } from 'node:crypto';
import { NotImplementedError } from '../../errors.js';
import { STORAGE, type Attributes, type Entity, type EntityDraft } from '../../model/index.js';
import type { EntityChange } from '../backend.js';
import { asText, type OneObject } from './document.js';
import { IMAGE_TYPE, gibToMib, imageStatus, mibToGib, versioned } from './mapping.js';
import { isTransport, numberOf, poolItems, type Session } from './session.js';
import { objectAt, templateXml, type TemplateBody } from './template-xml.js';

/**
 * storage ↔ image of TYPE DATABLOCK (xml-rpc.md §4.4): title ↔ NAME,
 * summary ↔ DESCRIPTION, size GiB ↔ SIZE MiB. New images are empty,
 * persistent datablocks (a VM attaches the image itself, see links.ts) in
 * the configured datastore. State: READY and in use are online; LOCKED
 * while oned makes it. There is no online/offline.
 */

export const isDatablock = (image: OneObject): boolean => Number(asText(image.TYPE)) === IMAGE_TYPE.DATABLOCK;

/** The storage of a DATABLOCK image, versioned; undefined for another type or a deleted image. */
export function storageEntity(image: OneObject, tags: ReadonlyMap<string, string[]>): Entity | undefined {
  const status = imageStatus(Number(asText(image.STATE)));
  if (status.gone || !isDatablock(image)) return undefined;
  const tpl = objectAt(image, 'TEMPLATE');
  const location = STORAGE.location + asText(image.ID);
  const attributes: Attributes = {
    'occi.core.title': asText(image.NAME), 'occi.storage.size': mibToGib(Number(asText(image.SIZE))),
    'occi.storage.state': status.state, 'occi.storage.state.message': status.message,
  };
  if (asText(tpl.DESCRIPTION) !== '') attributes['occi.core.summary'] = asText(tpl.DESCRIPTION);
  return versioned({
    id: asText(image.ID), kind: STORAGE.id, mixins: tags.get(location) ?? [], attributes, location, version: '', owner: asText(image.UNAME), actions: [], links: [],
  });
}

/**
 * Creates the image of a storage draft (one.image.allocate of an empty,
 * persistent DATABLOCK); a lost answer is undone by the marker the image
 * carries. Returns the image ID.
 */
export async function createImage(s: Session, d: EntityDraft, datastore: number): Promise<number> {
  const a = d.attributes;
  const title = a['occi.core.title'];
  const marker = randomUUID();
  const body: TemplateBody = [
    ['NAME', typeof title === 'string' && title !== '' ? title : `occi-storage-${randomBytes(4).toString('hex')}`],
    ['TYPE', 'DATABLOCK'], ['SIZE', gibToMib(Number(a['occi.storage.size']))], ['PERSISTENT', 'YES'], ['FORMAT', 'raw'],
    ['OCCI_REQUEST', marker],
  ];
  if (typeof a['occi.core.summary'] === 'string') body.push(['DESCRIPTION', a['occi.core.summary']]);
  try {
    return Number(await s.call('one.image.allocate', templateXml(body), datastore));
  } catch (err) {
    if (isTransport(err)) await deleteByMarker(s.unbounded(), marker);
    throw err;
  }
}

async function deleteByMarker(s: Session, marker: string): Promise<void> {
  try {
    const pool = await s.doc('one.imagepool.info', 'IMAGE_POOL', -3, -1, -1);
    for (const image of poolItems(pool, 'IMAGE')) {
      if (asText(objectAt(image, 'TEMPLATE').OCCI_REQUEST) === marker) await s.call('one.image.delete', numberOf(image.ID, 'IMAGE/ID'), true);
    }
  } catch {
    // best effort: the image carries the marker for an operator to find
  }
}

/** A storage change: a new title is one.image.rename; a new size or summary cannot be made (501). */
export function storageChanges(change: EntityChange): Array<[method: string, ...params: Array<string | number>]> {
  const { before, after } = change;
  const calls: Array<[string, ...Array<string | number>]> = [];
  for (const n of new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)])) {
    const value = after.attributes[n];
    if (value === undefined || value === before.attributes[n] || n.startsWith('occi.storage.state')) continue;
    if (n !== 'occi.core.title') throw new NotImplementedError(`changing ${n} of ${before.location}: OpenNebula images keep their size and description`);
    calls.push(['one.image.rename', Number(before.id), String(value)]);
  }
  return calls;
}
