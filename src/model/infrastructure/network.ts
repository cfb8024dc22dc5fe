import { Action } from '../action.js';
import { attr } from '../attribute.js';
import { RESOURCE } from '../core.js';
import { Kind } from '../kind.js';
import { Mixin } from '../mixin.js';
import type { StateMachine } from '../state-machine.js';
import { INFRA } from './scheme.js';

/** OCCI Infrastructure 1.2 §3: Network, up/down, and the ipnetwork mixin. */
const ACTION_SCHEME = `${INFRA.slice(0, -1)}/network/action#`;

export const UP = new Action({ scheme: ACTION_SCHEME, term: 'up', title: 'Bring network up' });
export const DOWN = new Action({ scheme: ACTION_SCHEME, term: 'down', title: 'Bring network down' });

export const NETWORK = new Kind({
  scheme: INFRA,
  term: 'network',
  title: 'Network Resource',
  parent: RESOURCE,
  location: '/network/',
  actions: [UP, DOWN],
  attributes: [
    attr('occi.network.vlan', 'integer', { minimum: 0, maximum: 4095, description: '802.1q VLAN identifier' }),
    attr('occi.network.label', 'string', { pattern: '[A-Za-z0-9_.-]+', description: 'Tag based VLAN name' }),
    attr('occi.network.state', 'enum', {
      mutable: false, required: true, enum: ['active', 'inactive', 'error'], default: 'inactive',
      description: 'Current state of the network',
    }),
    attr('occi.network.state.message', 'string', { mutable: false, description: 'Reason for the current state' }),
  ],
});

export const NETWORK_STATES: StateMachine = {
  kind: NETWORK.id,
  attribute: 'occi.network.state',
  initial: 'inactive',
  states: ['active', 'inactive', 'error'],
  transitions: new Map([
    [UP.id, { from: ['inactive', 'error'], to: 'active' }],
    [DOWN.id, { from: ['active', 'error'], to: 'inactive' }],
  ]),
};

export const IPNETWORK = new Mixin({
  scheme: `${INFRA.slice(0, -1)}/network#`,
  term: 'ipnetwork',
  title: 'IP network',
  location: '/mixin/ipnetwork/',
  applies: [NETWORK],
  attributes: [
    attr('occi.network.address', 'string', { format: 'cidr', description: 'IP network address in CIDR notation' }),
    attr('occi.network.gateway', 'string', { format: 'ip', description: 'IP address of the gateway' }),
    attr('occi.network.allocation', 'enum', { enum: ['dynamic', 'static'], description: 'Address allocation: dynamic (DHCP) or static' }),
  ],
});
