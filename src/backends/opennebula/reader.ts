import { NotFoundError } from '../../errors.js';
import { COMPUTE, NETWORKINTERFACE, STORAGELINK, type Entity, type Model } from '../../model/index.js';
import type { TagStore } from '../embedded/index.js';
import { TtlCache } from '../ttl-cache.js';
import { computeEntity } from './compute.js';
import { asText, type OneObject } from './document.js';
import { linkId, parseLocation, type Place } from './mapping.js';
import { networkEntity } from './network.js';
import { isAbsent, poolItems, type Session } from './session.js';
import { storageEntity } from './storage.js';
import { objectAt, vectorsOf } from './template-xml.js';
import type { Templates } from './templates.js';

/**
 * One entity read from oned (one info call) as this user sees it, and the
 * networks and images link targets name, with each user's virtual networks
 * cached for a short TTL (checking a link target then costs no call).
 */
export class Reader {
  readonly #templates: Templates;
  readonly #tags: () => TagStore;
  readonly #model: () => Model;
  readonly #networks: TtlCache<Map<number, OneObject>>;

  constructor(templates: Templates, tags: () => TagStore, model: () => Model, cacheTtlMs: number) {
    this.#templates = templates;
    this.#tags = tags;
    this.#model = model;
    this.#networks = new TtlCache({ ttlMs: cacheTtlMs });
  }

  /** The oned document and entity at a place, undefined when absent for this user (another user's, DONE, deleted). */
  async read(s: Session, place: Place, location: string): Promise<{ doc: OneObject; entity: Entity } | undefined> {
    try {
      if (place.kind === 'network' || place.kind === 'storage') {
        const doc = place.kind === 'network' ? await s.doc('one.vn.info', 'VNET', place.id) : await s.doc('one.image.info', 'IMAGE', place.id);
        const tags = await this.#tags().tagsOf([location]);
        const entity = place.kind === 'network' ? networkEntity(doc, tags) : storageEntity(doc, tags);
        return entity && { doc, entity };
      }
      const doc = await s.doc('one.vm.info', 'VM', 'id' in place ? place.id : place.vm);
      // oned lets a group or the world USE a VM its owner shared; OCCI shows a user their own VMs only.
      if (!s.admin && asText(doc.UNAME) !== s.user) return undefined;
      const compute = computeEntity(doc, { model: this.#model(), templates: this.#templates, tags: await this.#tags().tagsOf(vmLocations(doc)) });
      const entity = place.kind === 'compute' ? compute : compute?.links.find((l) => l.location === location);
      return entity && { doc, entity };
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  /** The entity at `location`, or NotFoundError. */
  async existing(s: Session, location: string): Promise<{ place: Place; doc: OneObject; entity: Entity }> {
    const place = parseLocation(location);
    const found = place && (await this.read(s, place, location));
    if (!place || !found) throw new NotFoundError(`no entity at ${location}`);
    return { place, ...found };
  }

  /** The entity just written, as oned shows it now. */
  async fresh(s: Session, place: Place, location: string): Promise<Entity> {
    const found = await this.read(s, place, location);
    if (!found) throw new NotFoundError(`${location} is gone`);
    return found.entity;
  }

  /** A network or image this user may see, for a link target: the cached network pool first, else one info call. */
  async find(s: Session, location: string): Promise<OneObject | undefined> {
    const place = parseLocation(location);
    if (!place || !('id' in place) || place.kind === 'compute') return undefined;
    if (place.kind === 'network') {
      const pool = await this.#networks.get(s.user, async () => {
        const doc = await s.doc('one.vnpool.info', 'VNET_POOL', -2, -1, -1);
        return new Map(poolItems(doc, 'VNET').map((v) => [Number(asText(v.ID)), v]));
      });
      if (pool.has(place.id)) return pool.get(place.id);
    }
    return (await this.read(s, place, location))?.doc;
  }

  /** Forgets a user's cached networks (one was made or deleted). */
  forgetNetworks(user: string): void {
    this.#networks.invalidate(user);
  }
}

/** Locations of a VM and its NICs and disks, for one TagStore query. */
export function vmLocations(vm: OneObject): string[] {
  const id = asText(vm.ID);
  const tpl = objectAt(vm, 'TEMPLATE');
  return [
    COMPUTE.location + id,
    ...vectorsOf(tpl, 'NIC').map((n) => NETWORKINTERFACE.location + linkId(id, n.NIC_ID)),
    ...vectorsOf(tpl, 'DISK').map((d) => STORAGELINK.location + linkId(id, d.DISK_ID)),
  ];
}
