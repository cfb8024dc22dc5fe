import { randomBytes, randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { IPNETWORK, NETWORK, type Attributes, type Entity, type EntityDraft } from '../../model/index.js';
import { asText, type OneObject } from './document.js';
import { versioned, vnetStatus } from './mapping.js';
import { isTransport, numberOf, poolItems, type Session } from './session.js';
import { objectAt, templateXml, type TemplateBody } from './template-xml.js';

/**
 * network ↔ virtual network (xml-rpc.md §4.3): title ↔ NAME, summary ↔
 * DESCRIPTION, vlan ↔ VLAN_ID, ipnetwork address ↔ NETWORK_ADDRESS and
 * NETWORK_MASK with one IPv4 address range (AR) over the hosts of the CIDR,
 * gateway ↔ GATEWAY. State: READY is active; there is no up/down.
 */

/** The address range a network gets when the client gives no ipnetwork address. */
export const DEFAULT_CIDR = '10.0.0.0/24';

const ipToInt = (ip: string): number => ip.split('.').reduce((n, b) => n * 256 + Number(b), 0);
const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** `10.1.0.0/24` → network, mask, first and last host; ValidationError for anything else (IPv4, /8 to /30). */
export function parseCidr(cidr: string): { address: string; mask: string; prefix: number; first: number; last: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const prefix = m ? Number(m[5]) : NaN;
  if (!m || m.slice(1, 5).some((b) => Number(b) > 255) || !(prefix >= 8 && prefix <= 30)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `occi.network.address "${cidr}" is not an IPv4 network in CIDR notation (/8 to /30)`);
  }
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(m.slice(1, 5).join('.')) / size) * size;
  return { address: intToIp(base), mask: intToIp(2 ** 32 - size), prefix, first: base + 1, last: base + size - 2 };
}

const prefixOf = (mask: string): number => ipToInt(mask).toString(2).replace(/0+$/, '').length;

/** The network of a virtual network, versioned; undefined once it is being deleted. */
export function networkEntity(vn: OneObject, tags: ReadonlyMap<string, string[]>): Entity | undefined {
  const status = vnetStatus(Number(asText(vn.STATE)));
  if (status.gone) return undefined;
  const tpl = objectAt(vn, 'TEMPLATE');
  const location = NETWORK.location + asText(vn.ID);
  const attributes: Attributes = {
    'occi.core.title': asText(vn.NAME), 'occi.network.state': status.state, 'occi.network.state.message': status.message,
  };
  if (asText(tpl.DESCRIPTION) !== '') attributes['occi.core.summary'] = asText(tpl.DESCRIPTION);
  const vlan = asText(vn.VLAN_ID) || asText(tpl.VLAN_ID);
  if (/^\d+$/.test(vlan) && Number(vlan) <= 4095) attributes['occi.network.vlan'] = Number(vlan);
  const mixins: string[] = [];
  const address = asText(tpl.NETWORK_ADDRESS);
  const mask = asText(tpl.NETWORK_MASK);
  if (address !== '' || asText(tpl.GATEWAY) !== '') {
    mixins.push(IPNETWORK.id);
    if (address !== '') attributes['occi.network.address'] = mask === '' ? address : `${address}/${prefixOf(mask)}`;
    if (asText(tpl.GATEWAY) !== '') attributes['occi.network.gateway'] = asText(tpl.GATEWAY);
    attributes['occi.network.allocation'] = 'dynamic';
  }
  mixins.push(...(tags.get(location) ?? []));
  return versioned({ id: asText(vn.ID), kind: NETWORK.id, mixins, attributes, location, version: '', owner: asText(vn.UNAME), actions: [], links: [] });
}

/**
 * Creates the virtual network of a draft (one.vn.allocate in the default
 * cluster): one IPv4 range over the hosts of the ipnetwork address (or of
 * DEFAULT_CIDR), the gateway left out of it. A lost answer is undone by the
 * marker the network carries. Returns the network ID.
 */
export async function createVnet(s: Session, d: EntityDraft, vnMad: string): Promise<number> {
  const a = d.attributes;
  const cidr = parseCidr(typeof a['occi.network.address'] === 'string' ? a['occi.network.address'] : DEFAULT_CIDR);
  const gateway = typeof a['occi.network.gateway'] === 'string' ? a['occi.network.gateway'] : undefined;
  const start = gateway !== undefined && ipToInt(gateway) === cidr.first ? cidr.first + 1 : cidr.first;
  const title = a['occi.core.title'];
  const marker = randomUUID();
  const body: TemplateBody = [
    ['NAME', typeof title === 'string' && title !== '' ? title : `occi-network-${randomBytes(4).toString('hex')}`],
    ['VN_MAD', vnMad],
    ['AR', { TYPE: 'IP4', IP: intToIp(start), SIZE: cidr.last - start + 1 }],
    ['NETWORK_ADDRESS', cidr.address], ['NETWORK_MASK', cidr.mask],
    ['OCCI_REQUEST', marker],
  ];
  if (gateway !== undefined) body.push(['GATEWAY', gateway]);
  if (typeof a['occi.network.vlan'] === 'number') body.push(['VLAN_ID', a['occi.network.vlan']]);
  if (typeof a['occi.core.summary'] === 'string') body.push(['DESCRIPTION', a['occi.core.summary']]);
  try {
    return Number(await s.call('one.vn.allocate', templateXml(body), -1));
  } catch (err) {
    if (isTransport(err)) await deleteByMarker(s.unbounded(), marker);
    throw err;
  }
}

async function deleteByMarker(s: Session, marker: string): Promise<void> {
  try {
    const pool = await s.doc('one.vnpool.info', 'VNET_POOL', -3, -1, -1);
    for (const vn of poolItems(pool, 'VNET')) {
      if (asText(objectAt(vn, 'TEMPLATE').OCCI_REQUEST) === marker) await s.call('one.vn.delete', numberOf(vn.ID, 'VNET/ID'));
    }
  } catch {
    // best effort: the network carries the marker for an operator to find
  }
}
