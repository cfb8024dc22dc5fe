import { seedDatastores, seedImage } from './images.js';
import type { Tpl } from './one-template.js';
import type { OnedState, Perms } from './state.js';
import { seedTemplate } from './templates.js';
import { addUser } from './users.js';
import { seedVnet } from './vnets.js';

/** Owner use+manage, group use: what oneadmin gives the users group for shared objects. */
const GROUP_USE: Perms = [1, 1, 0, 1, 0, 0, 0, 0, 0];
/** Owner use+manage, group and others use. */
const ALL_USE: Perms = [1, 1, 0, 1, 0, 0, 1, 0, 0];

export interface SeedOptions {
  /** serveradmin's password (a real install gives it a random one for the server_cipher driver). */
  serveradminPassword: string;
  /** Addresses in the private network's one range; small values let tests run out of leases. */
  privateLeases: number;
}

export const SEEDED_PASSWORDS = { oneadmin: 'opennebula', alice: 'alice-pw' } as const;

const tpl = (attrs: Record<string, string | Record<string, string>>): Tpl =>
  Object.entries(attrs).map(([name, value]) => ({ name, value }));

/**
 * A fresh install (xml-rpc.md §8) plus what the OCCI backend needs to try:
 * users oneadmin (0), serveradmin (1), alice (2); groups oneadmin and users;
 * datastores system, default, files; three OS images and VM templates; a
 * "public" and a "private" network.
 */
export function seed(state: OnedState, options: SeedOptions): void {
  state.groups.set(state.takeId('group'), { id: 0, name: 'oneadmin', template: [] });
  state.groups.set(state.takeId('group'), { id: 1, name: 'users', template: [] });
  addUser(state, { name: 'oneadmin', password: SEEDED_PASSWORDS.oneadmin, gid: 0 });
  addUser(state, { name: 'serveradmin', password: options.serveradminPassword, gid: 0, authDriver: 'server_cipher' });
  addUser(state, {
    name: 'alice', password: SEEDED_PASSWORDS.alice, gid: 1,
    sshKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly alice@example',
  });

  seedDatastores(state);
  const os = (name: string, size: number, gid: number, perms: Perms) => seedImage(state, { name, uid: 0, gid, perms, type: 0, size });
  const debian = os('debian12', 2048, 1, GROUP_USE);
  const ubuntu = os('ubuntu24', 3072, 1, GROUP_USE);
  const alpine = os('alpine', 256, 0, ALL_USE);

  const publicNet = seedVnet(state, {
    name: 'public', uid: 0, gid: 0, perms: ALL_USE, bridge: 'br0', ar: { ip: '192.0.2.10', size: 100 },
    context: { DNS: '192.0.2.1', GATEWAY: '192.0.2.1', NETWORK_ADDRESS: '192.0.2.0', NETWORK_MASK: '255.255.255.0' },
  });
  const privateNet = seedVnet(state, {
    name: 'private', uid: 0, gid: 1, perms: GROUP_USE, bridge: 'br1', ar: { ip: '198.51.100.10', size: options.privateLeases },
    context: { DNS: '198.51.100.1', GATEWAY: '198.51.100.1', NETWORK_ADDRESS: '198.51.100.0', NETWORK_MASK: '255.255.255.0' },
  });

  const context = { NETWORK: 'YES', SSH_PUBLIC_KEY: '$USER[SSH_PUBLIC_KEY]' };
  const graphics = { LISTEN: '0.0.0.0', TYPE: 'VNC' };
  seedTemplate(state, 'debian12', 1, GROUP_USE, tpl({
    CONTEXT: context, CPU: '1', DESCRIPTION: 'Debian 12, 1 vCPU, 1 GiB', DISK: { IMAGE_ID: String(debian.id) },
    GRAPHICS: graphics, MEMORY: '1024', NIC: { NETWORK_ID: String(publicNet.id) }, OS: { ARCH: 'x86_64' }, VCPU: '1',
  }));
  seedTemplate(state, 'ubuntu24', 1, GROUP_USE, tpl({
    CONTEXT: context, CPU: '2', DESCRIPTION: 'Ubuntu 24.04, 2 vCPU, 2 GiB', DISK: { IMAGE_ID: String(ubuntu.id) },
    GRAPHICS: graphics, MEMORY: '2048', NIC: { NETWORK_ID: String(privateNet.id) }, OS: { ARCH: 'x86_64' }, VCPU: '2',
  }));
  seedTemplate(state, 'alpine', 0, ALL_USE, tpl({
    CPU: '0.5', DESCRIPTION: 'Alpine, no network', DISK: { IMAGE_ID: String(alpine.id) }, MEMORY: '512', VCPU: '1',
  }));
}
