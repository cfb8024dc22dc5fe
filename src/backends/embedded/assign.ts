import { randomBytes } from 'node:crypto';
import {
  COMPUTE, NETWORKINTERFACE, OS_TPL, STORAGELINK, templateFamily,
  type Attributes, type Kind, type Link, type Mixin, type Model,
} from '../../model/index.js';

/**
 * Server-assigned values of a new entity (Infrastructure §2–§6): what a real
 * cloud would report, invented here. Pure but for the random MAC.
 */

/** A locally administered unicast MAC (`02:` prefix, IEEE 802 U/L bit), random in its last four bytes. */
export function newMac(): string {
  // Drawn from a pool: one randomBytes call per 1,024 MACs, not per MAC (a request may add a thousand interfaces).
  if (macPool.offset + 4 > macPool.bytes.length) macPool = { bytes: randomBytes(4096), offset: 0 };
  const hex = macPool.bytes.toString('hex', macPool.offset, macPool.offset + 4);
  macPool.offset += 4;
  return `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

let macPool = { bytes: Buffer.alloc(0), offset: 0 };

/** Mixins and attributes of a new resource: its initial state, and for a compute the default OS image and size. */
export function completeResource(
  model: Model, kind: Kind, mixins: readonly Mixin[], attributes: Attributes, defaultOs: string | undefined,
): { mixins: Mixin[]; attributes: Attributes } {
  const out = { mixins: [...mixins], attributes: { ...attributes } };
  const sm = model.stateMachine(kind);
  if (sm) out.attributes[sm.attribute] = sm.initial;
  if (kind.isA(COMPUTE)) {
    const os = defaultOs === undefined ? undefined : model.findMixin(defaultOs);
    // Infrastructure 1.2 §8.1: a provider MAY define a default OS template used when the client gives none.
    if (os && os.appliesTo(kind) && !out.mixins.some((m) => templateFamily(m) === OS_TPL)) {
      out.mixins.push(os);
      for (const def of os.attributes.values()) {
        if (def.default !== undefined && out.attributes[def.name] === undefined) out.attributes[def.name] = def.default;
      }
    }
    out.attributes['occi.compute.cores'] ??= 1;
    out.attributes['occi.compute.memory'] ??= 1.0;
  }
  return out;
}

/**
 * The device names the guest sees on one source resource's links: interface
 * names of network interfaces, device ids of storage links. Built once from
 * the source's existing links and kept up to date as links are added, so a
 * request adding n links does O(n) work, not O(n²). A name freed by a deleted
 * link is reused first, so that names never collide.
 */
export class DeviceNames {
  readonly #interfaces = new Set<string>();
  readonly #disks = new Set<string>();
  /** Below these, every name is taken: names are only added while this object lives. */
  #nextInterface = 0;
  #nextDisk = 0;
  /** Links of the source, existing and added. */
  count: number;

  constructor(siblings: readonly Link[], kindOf: (l: Link) => Kind | undefined) {
    this.count = siblings.length;
    for (const l of siblings) {
      const kind = kindOf(l);
      const nic = l.attributes['occi.networkinterface.interface'];
      const disk = l.attributes['occi.storagelink.deviceid'];
      if (typeof nic === 'string' && kind?.isA(NETWORKINTERFACE)) this.#interfaces.add(nic);
      if (typeof disk === 'string' && kind?.isA(STORAGELINK)) this.#disks.add(disk);
    }
  }

  /**
   * Attributes of a new link: its state, and for a network interface or a
   * storage link the device names the guest sees.
   */
  complete(kind: Kind, attributes: Attributes): Attributes {
    const out = { ...attributes };
    this.count++;
    if (kind.isA(NETWORKINTERFACE)) {
      out['occi.networkinterface.state'] = 'active';
      while (this.#interfaces.has(`eth${this.#nextInterface}`)) this.#nextInterface++;
      const name = `eth${this.#nextInterface}`;
      this.#interfaces.add(name);
      out['occi.networkinterface.interface'] = name;
      out['occi.networkinterface.mac'] ??= newMac();
    } else if (kind.isA(STORAGELINK)) {
      out['occi.storagelink.state'] = 'active';
      if (out['occi.storagelink.deviceid'] === undefined) {
        // vda is the boot disk the OS template provides; attached volumes start at vdb.
        while (this.#disks.has(virtioDisk(1 + this.#nextDisk))) this.#nextDisk++;
        out['occi.storagelink.deviceid'] = virtioDisk(1 + this.#nextDisk);
      }
      const id = out['occi.storagelink.deviceid'];
      if (typeof id === 'string') this.#disks.add(id);
    }
    return out;
  }
}

/** Linux's virtio disk names: vda..vdz, vdaa..vdaz, vdba... (bijective base 26). */
export function virtioDisk(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(97 + ((n - 1) % 26)) + letters;
  return `/dev/vd${letters}`;
}
