import { attr } from '../attribute.js';
import { Mixin } from '../mixin.js';
import { COMPUTE } from './compute.js';

/**
 * The contextualization mixins of the OCCI 1.1 era that EGI clients
 * (rOCCI-cli 4 `--context public_key=...,user_data=...`) still send
 * (Infrastructure §12). Accepted beside the 1.2 `ssh_key` and `user_data`.
 */
export const OPENSTACK_PUBLIC_KEY = new Mixin({
  scheme: 'http://schemas.openstack.org/instance/credentials#',
  term: 'public_key',
  title: 'SSH public key (OpenStack OCCI 1.1 extension)',
  location: '/mixin/openstack/public_key/',
  applies: [COMPUTE],
  attributes: [
    attr('org.openstack.credentials.publickey.name', 'string', { description: 'Name of the key' }),
    attr('org.openstack.credentials.publickey.data', 'string', { required: true, description: 'Content of the public key file' }),
  ],
});

export const OPENSTACK_USER_DATA = new Mixin({
  scheme: 'http://schemas.openstack.org/compute/instance#',
  term: 'user_data',
  title: 'Contextualization data (OpenStack OCCI 1.1 extension)',
  location: '/mixin/openstack/user_data/',
  applies: [COMPUTE],
  attributes: [attr('org.openstack.compute.user_data', 'string', { required: true, description: 'Contextualization data, Base64' })],
});
