import { attr } from '../attribute.js';
import { LINK } from '../core.js';
import { Kind } from '../kind.js';
import { Mixin } from '../mixin.js';
import { INFRA } from './scheme.js';

/** OCCI Infrastructure 1.2 §5 NetworkInterface (+ ipnetworkinterface) and §6 StorageLink. */
const linkState = (prefix: string) => [
  attr(`${prefix}.state`, 'enum', {
    mutable: false, required: true, enum: ['active', 'inactive', 'error'], default: 'active',
    description: 'Current state of the link',
  }),
  attr(`${prefix}.state.message`, 'string', { mutable: false, description: 'Reason for the current state' }),
];

export const NETWORKINTERFACE = new Kind({
  scheme: INFRA,
  term: 'networkinterface',
  title: 'NetworkInterface Link',
  parent: LINK,
  location: '/networkinterface/',
  attributes: [
    attr('occi.networkinterface.interface', 'string', { mutable: false, description: 'Device interface identifier, e.g. eth0 (assigned by the server)' }),
    attr('occi.networkinterface.mac', 'string', {
      pattern: '[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}', description: 'MAC address (assigned by the server when absent)',
    }),
    ...linkState('occi.networkinterface'),
  ],
});

export const IPNETWORKINTERFACE = new Mixin({
  scheme: `${INFRA.slice(0, -1)}/networkinterface#`,
  term: 'ipnetworkinterface',
  title: 'IP network interface',
  location: '/mixin/ipnetworkinterface/',
  applies: [NETWORKINTERFACE],
  attributes: [
    attr('occi.networkinterface.address', 'string', { format: 'ip-or-cidr', description: 'IP address of the interface' }),
    attr('occi.networkinterface.gateway', 'string', { format: 'ip', description: 'IP address of the gateway' }),
    attr('occi.networkinterface.allocation', 'enum', { enum: ['dynamic', 'static'], description: 'Address allocation: dynamic (DHCP) or static' }),
  ],
});

export const STORAGELINK = new Kind({
  scheme: INFRA,
  term: 'storagelink',
  title: 'StorageLink Link',
  parent: LINK,
  location: '/storagelink/',
  attributes: [
    attr('occi.storagelink.deviceid', 'string', { description: 'Device identifier, e.g. /dev/vdb (assigned by the server when absent)' }),
    attr('occi.storagelink.mountpoint', 'string', { description: 'Mount point in the guest OS' }),
    ...linkState('occi.storagelink'),
  ],
});
