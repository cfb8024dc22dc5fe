import { ValidationError } from '../../errors.js';
import {
  COMPUTE, IPNETWORKINTERFACE, NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK, type Attributes, type EntityDraft, type Link,
} from '../../model/index.js';
import { asText, type OneObject } from './document.js';
import { linkId, parseLocation, versioned, type VmStatus } from './mapping.js';
import { isTransport, numberOf, type Session } from './session.js';
import { objectAt, templateXml, vectorOf, vectorsOf, type Vector } from './template-xml.js';

/**
 * networkinterface ↔ a VM's NIC, storagelink ↔ a VM's disk of a persistent
 * image (CLONE = NO: the image itself, not a copy of it); a link's id is
 * `<VM ID>-<NIC_ID or DISK_ID>`. Created with the VM (NIC/DISK vectors of
 * one.vm.allocate) or later by one.vm.attachnic / one.vm.attach; deleted by
 * one.vm.detachnic / one.vm.detach.
 */

/** A disk that is a storagelink: a persistent image attached as itself. */
export const isStorageDisk = (d: Record<string, string>): boolean => d.IMAGE_ID !== undefined && d.CLONE === 'NO';

/** The links of a VM, NICs first, versioned; `tags` gives each link's user mixins. */
export function vmLinks(vm: OneObject, status: VmStatus, tags: ReadonlyMap<string, string[]>): Link[] {
  const vmId = asText(vm.ID);
  const tpl = objectAt(vm, 'TEMPLATE');
  const context = vectorOf(tpl.CONTEXT) ?? {};
  const source = COMPUTE.location + vmId;
  const state = status.running ? 'active' : 'inactive';
  const common = (kind: string, sub: string, target: string, targetKind: string) => {
    const id = linkId(vmId, sub);
    const location = `${kind === NETWORKINTERFACE.id ? NETWORKINTERFACE.location : STORAGELINK.location}${id}`;
    return { id, kind, location, version: '', source, target, targetKind, sourceKind: COMPUTE.id, owner: asText(vm.UNAME), actions: [], mixins: tags.get(location) ?? [] };
  };
  const nics = vectorsOf(tpl, 'NIC').map((nic): Link => {
    const attributes: Attributes = { 'occi.networkinterface.interface': `eth${nic.NIC_ID}`, 'occi.networkinterface.state': state };
    if (!status.running) attributes['occi.networkinterface.state.message'] = status.message;
    if (nic.MAC) attributes['occi.networkinterface.mac'] = nic.MAC;
    const link = common(NETWORKINTERFACE.id, nic.NIC_ID, NETWORK.location + nic.NETWORK_ID, NETWORK.id);
    if (nic.IP) {
      attributes['occi.networkinterface.address'] = nic.IP;
      attributes['occi.networkinterface.allocation'] = 'dynamic';
      const gateway = context[`ETH${nic.NIC_ID}_GATEWAY`];
      if (gateway) attributes['occi.networkinterface.gateway'] = gateway;
      link.mixins = [IPNETWORKINTERFACE.id, ...link.mixins];
    }
    return versioned({ ...link, attributes });
  });
  const disks = vectorsOf(tpl, 'DISK').filter(isStorageDisk).map((disk): Link => {
    const attributes: Attributes = { 'occi.storagelink.deviceid': `/dev/${disk.TARGET}`, 'occi.storagelink.state': state };
    if (!status.running) attributes['occi.storagelink.state.message'] = status.message;
    return versioned({ ...common(STORAGELINK.id, disk.DISK_ID, STORAGE.location + disk.IMAGE_ID, STORAGE.id), attributes });
  });
  return [...nics, ...disks];
}

/** The NIC or DISK vector a link draft asks for; its target must have been checked (see resolveTarget). */
export function linkVector(d: EntityDraft, targetId: number): { name: 'NIC' | 'DISK'; vector: Vector } {
  if (d.kind.id === STORAGELINK.id) {
    const device = d.attributes['occi.storagelink.deviceid'];
    const target = typeof device === 'string' ? /^(?:\/dev\/)?([a-z]{2,3}[a-z0-9]*)$/.exec(device)?.[1] : undefined;
    if (typeof device === 'string' && !target) throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `occi.storagelink.deviceid "${device}" is not a device name like /dev/vdb`);
    return { name: 'DISK', vector: { IMAGE_ID: targetId, ...(target ? { TARGET: target } : {}) } };
  }
  const vector: Record<string, string | number> = { NETWORK_ID: targetId };
  const ip = d.attributes['occi.networkinterface.address'];
  const mac = d.attributes['occi.networkinterface.mac'];
  if (typeof ip === 'string' && ip !== '') vector.IP = ip;
  if (typeof mac === 'string' && mac !== '') vector.MAC = mac.toLowerCase();
  return { name: 'NIC', vector };
}

/**
 * The target of a link draft, as this user sees it: a virtual network for
 * a networkinterface, a persistent DATABLOCK image for a storagelink.
 * Anything else (absent, another user's, a link, the wrong kind) is
 * ValidationError OCCI_ERR_VALIDATION_LINK, before anything is made.
 */
export async function resolveTarget(d: EntityDraft, find: (location: string) => Promise<OneObject | undefined>): Promise<number> {
  const wants = d.kind.id === STORAGELINK.id ? 'storage' : d.kind.id === NETWORKINTERFACE.id ? 'network' : undefined;
  const target = d.target ?? '';
  const place = parseLocation(target);
  if (!wants || !place || place.kind !== wants) {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `a ${d.kind.term} must target a ${wants ?? 'network or storage'} of this provider, not ${target || '(none)'}`);
  }
  const doc = await find(target);
  if (!doc) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `no ${wants} at ${target}`);
  if (wants === 'storage' && asText(doc.PERSISTENT) !== '1') {
    throw new ValidationError('OCCI_ERR_VALIDATION_LINK', `${target} is not a persistent image: OpenNebula would attach a copy of it, not the storage itself`);
  }
  return (place as { id: number }).id;
}

/**
 * Hot-plugs a NIC or disk into a running (or powered-off) VM and returns
 * the VM as oned shows it afterwards with the new NIC_ID or DISK_ID. When
 * the answer is lost (connection dropped, timeout), whatever was plugged in
 * is plugged out again: nothing half-done.
 */
export async function attach(s: Session, vm: OneObject, name: 'NIC' | 'DISK', vector: Vector): Promise<{ vm: OneObject; sub: string }> {
  const vmId = numberOf(vm.ID, 'VM/ID');
  const idKey = name === 'NIC' ? 'NIC_ID' : 'DISK_ID';
  const before = new Set(vectorsOf(objectAt(vm, 'TEMPLATE'), name).map((v) => v[idKey]));
  const added = (doc: OneObject) => vectorsOf(objectAt(doc, 'TEMPLATE'), name).filter((v) => !before.has(v[idKey]));
  try {
    await s.call(name === 'NIC' ? 'one.vm.attachnic' : 'one.vm.attach', vmId, templateXml([[name, vector]]));
  } catch (err) {
    if (isTransport(err)) {
      const undo = s.unbounded();
      await undo.doc('one.vm.info', 'VM', vmId)
        .then((doc) => Promise.all(added(doc).map((v) => undo.call(name === 'NIC' ? 'one.vm.detachnic' : 'one.vm.detach', vmId, Number(v[idKey])))))
        .catch(() => undefined);
    }
    throw err;
  }
  const after = await s.doc('one.vm.info', 'VM', vmId);
  const sub = added(after).map((v) => v[idKey]).sort((a, b) => Number(b) - Number(a))[0];
  return { vm: after, sub };
}
