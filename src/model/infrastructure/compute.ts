import { Action } from '../action.js';
import { attr } from '../attribute.js';
import { RESOURCE } from '../core.js';
import { Kind } from '../kind.js';
import { Mixin } from '../mixin.js';
import type { StateMachine } from '../state-machine.js';
import { INFRA } from './scheme.js';

/** OCCI Infrastructure 1.2 §2: Compute, its actions and state machine; §9 ssh_key; §10 user_data. */
const ACTION_SCHEME = `${INFRA.slice(0, -1)}/compute/action#`;

const method = (values: string[], dflt: string) =>
  attr('method', 'enum', { enum: values, default: dflt, description: `One of ${values.join(', ')}` });

export const START = new Action({ scheme: ACTION_SCHEME, term: 'start', title: 'Start compute' });
export const STOP = new Action({
  scheme: ACTION_SCHEME, term: 'stop', title: 'Stop compute',
  attributes: [method(['graceful', 'acpioff', 'poweroff'], 'poweroff')],
});
export const RESTART = new Action({
  scheme: ACTION_SCHEME, term: 'restart', title: 'Restart compute',
  attributes: [method(['graceful', 'warm', 'cold'], 'cold')],
});
export const SUSPEND = new Action({
  scheme: ACTION_SCHEME, term: 'suspend', title: 'Suspend compute',
  attributes: [method(['hibernate', 'suspend'], 'suspend')],
});
export const SAVE = new Action({
  scheme: ACTION_SCHEME, term: 'save', title: 'Save compute as an OS template',
  attributes: [
    method(['hot', 'deferred'], 'deferred'),
    attr('name', 'string', { pattern: '[A-Za-z0-9][A-Za-z0-9_-]{0,62}', description: 'Term of the new OS template (the provider may choose another)' }),
  ],
});

export const COMPUTE = new Kind({
  scheme: INFRA,
  term: 'compute',
  title: 'Compute Resource',
  parent: RESOURCE,
  location: '/compute/',
  actions: [START, STOP, RESTART, SUSPEND, SAVE],
  attributes: [
    attr('occi.compute.architecture', 'enum', { enum: ['x86', 'x64'], description: 'CPU architecture' }),
    attr('occi.compute.cores', 'integer', { minimum: 1, description: 'Number of virtual CPU cores' }),
    attr('occi.compute.hostname', 'string', { format: 'hostname', description: 'Fully qualified DNS hostname' }),
    attr('occi.compute.share', 'integer', { minimum: 0, description: 'Relative CPU share' }),
    attr('occi.compute.memory', 'number', { minimum: 0, description: 'Maximum RAM in GiB' }),
    // OCCI 1.1 attribute, kept so that 1.1 clients may send it.
    attr('occi.compute.speed', 'number', { minimum: 0, description: 'CPU clock in GHz (OCCI 1.1)' }),
    attr('occi.compute.state', 'enum', {
      mutable: false, required: true, enum: ['active', 'inactive', 'suspended', 'error'], default: 'inactive',
      description: 'Current state of the compute',
    }),
    attr('occi.compute.state.message', 'string', { mutable: false, description: 'Reason for the current state' }),
  ],
});

export const COMPUTE_STATES: StateMachine = {
  kind: COMPUTE.id,
  attribute: 'occi.compute.state',
  initial: 'inactive',
  states: ['active', 'inactive', 'suspended', 'error'],
  transitions: new Map([
    // `error` has no edge out in the spec's diagram; recovery by start/stop is our choice.
    [START.id, { from: ['inactive', 'suspended', 'error'], to: 'active' }],
    [STOP.id, { from: ['active', 'error'], to: 'inactive' }],
    [RESTART.id, { from: ['active'], to: 'active' }],
    [SUSPEND.id, { from: ['active'], to: 'suspended' }],
    [SAVE.id, { from: ['active'], to: 'active' }],
  ]),
};

export const SSH_KEY = new Mixin({
  scheme: `${INFRA.slice(0, -1)}/credentials#`,
  term: 'ssh_key',
  title: 'SSH public key',
  location: '/mixin/ssh_key/',
  applies: [COMPUTE],
  attributes: [
    attr('occi.credentials.ssh.publickey', 'string', { required: true, description: 'Content of the public key file (OpenSSH line or Base64 of it)' }),
  ],
});

export const USER_DATA = new Mixin({
  scheme: `${INFRA.slice(0, -1)}/compute#`,
  term: 'user_data',
  title: 'Contextualization data',
  location: '/mixin/user_data/',
  applies: [COMPUTE],
  attributes: [
    attr('occi.compute.userdata', 'string', { required: true, description: 'Contextualization data (Base64), supplied once at creation' }),
  ],
});
