import { CORE_KINDS } from './core.js';
import {
  COMPUTE, COMPUTE_STATES, IPNETWORK, IPNETWORKINTERFACE, NETWORK, NETWORK_STATES, NETWORKINTERFACE,
  OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA, OS_TPL, RESOURCE_TPL, SSH_KEY, STORAGE, STORAGE_STATES, STORAGELINK, USER_DATA,
} from './infrastructure/index.js';
import { Model } from './model.js';

/** A fresh Model with OCCI Core, the whole OCCI Infrastructure 1.2 and the 1.1-era OpenStack context mixins; backends add their templates. */
export function standardModel(): Model {
  return new Model({
    kinds: [...CORE_KINDS, COMPUTE, NETWORK, STORAGE, NETWORKINTERFACE, STORAGELINK],
    mixins: [OS_TPL, RESOURCE_TPL, IPNETWORK, IPNETWORKINTERFACE, SSH_KEY, USER_DATA, OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA],
    stateMachines: [COMPUTE_STATES, NETWORK_STATES, STORAGE_STATES],
  });
}
