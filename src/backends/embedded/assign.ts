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
  return ['02', '00', ...randomBytes(4).toString('hex').match(/../g)!].join(':');
}

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
 * Attributes of a new link: its state, and for a network interface or a
 * storage link the device names the guest sees. `siblings` are the source's
 * existing links; a name freed by a deleted link is reused first, so that
 * names never collide.
 */
export function completeLink(kind: Kind, attributes: Attributes, siblings: readonly Link[], kindOf: (l: Link) => Kind | undefined): Attributes {
  const out = { ...attributes };
  if (kind.isA(NETWORKINTERFACE)) {
    out['occi.networkinterface.state'] = 'active';
    const used = names(siblings, kindOf, NETWORKINTERFACE, 'occi.networkinterface.interface');
    out['occi.networkinterface.interface'] = `eth${firstFree(used, (n) => `eth${n}`)}`;
    out['occi.networkinterface.mac'] ??= newMac();
  } else if (kind.isA(STORAGELINK)) {
    out['occi.storagelink.state'] = 'active';
    if (out['occi.storagelink.deviceid'] === undefined) {
      const used = names(siblings, kindOf, STORAGELINK, 'occi.storagelink.deviceid');
      // vda is the boot disk the OS template provides; attached volumes start at vdb.
      out['occi.storagelink.deviceid'] = virtioDisk(1 + firstFree(used, (n) => virtioDisk(1 + n)));
    }
  }
  return out;
}

function names(siblings: readonly Link[], kindOf: (l: Link) => Kind | undefined, family: Kind, attribute: string): Set<string> {
  const out = new Set<string>();
  for (const l of siblings) {
    const v = l.attributes[attribute];
    if (typeof v === 'string' && kindOf(l)?.isA(family)) out.add(v);
  }
  return out;
}

function firstFree(used: ReadonlySet<string>, name: (n: number) => string): number {
  let n = 0;
  while (used.has(name(n))) n++;
  return n;
}

/** Linux's virtio disk names: vda..vdz, vdaa..vdaz, vdba... (bijective base 26). */
export function virtioDisk(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(97 + ((n - 1) % 26)) + letters;
  return `/dev/vd${letters}`;
}
