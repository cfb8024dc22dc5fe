/** OpenStack: thin typed clients on fetch for Keystone, Nova, Neutron, Cinder and Glance, and their errors mapped to OCCI's. */
export * from './errors.js';
export * from './http.js';
export * from './keystone.js';
export * from './nova.js';
export * from './neutron.js';
export * from './cinder.js';
export * from './glance.js';
export * from './clients.js';
export { OpenStackBackend, type OpenStackOptions } from './backend.js';
export { OPENSTACK } from './definition.js';
