import { Action } from '../action.js';
import { attr } from '../attribute.js';
import { RESOURCE } from '../core.js';
import { Kind } from '../kind.js';
import type { StateMachine } from '../state-machine.js';
import { INFRA } from './scheme.js';

/** OCCI Infrastructure 1.2 §4: Storage and online/offline; resizing is an update of `occi.storage.size`. */
const ACTION_SCHEME = `${INFRA.slice(0, -1)}/storage/action#`;

export const ONLINE = new Action({ scheme: ACTION_SCHEME, term: 'online', title: 'Bring storage online' });
export const OFFLINE = new Action({ scheme: ACTION_SCHEME, term: 'offline', title: 'Take storage offline' });

export const STORAGE = new Kind({
  scheme: INFRA,
  term: 'storage',
  title: 'Storage Resource',
  parent: RESOURCE,
  location: '/storage/',
  actions: [ONLINE, OFFLINE],
  attributes: [
    attr('occi.storage.size', 'number', { required: true, minimum: 0, description: 'Storage size in GiB' }),
    attr('occi.storage.state', 'enum', {
      mutable: false, required: true, enum: ['online', 'offline', 'error'], default: 'offline',
      description: 'Current state of the storage',
    }),
    attr('occi.storage.state.message', 'string', { mutable: false, description: 'Reason for the current state' }),
  ],
});

export const STORAGE_STATES: StateMachine = {
  kind: STORAGE.id,
  attribute: 'occi.storage.state',
  initial: 'offline',
  states: ['online', 'offline', 'error'],
  transitions: new Map([
    [ONLINE.id, { from: ['offline', 'error'], to: 'online' }],
    [OFFLINE.id, { from: ['online', 'error'], to: 'offline' }],
  ]),
};
