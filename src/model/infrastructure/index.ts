/** OCCI Infrastructure 1.2 as data: Kinds, Mixins, Actions and state machines. */
export * from './compute.js';
export * from './links.js';
export * from './network.js';
export * from './scheme.js';
export * from './storage.js';
export * from './templates.js';
export * from './openstack-context.js';
