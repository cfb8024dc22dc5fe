/**
 * A real occi-server (src/cli/start.ts) on 127.0.0.1 with `--backend
 * openstack --auth keystone` in front of the local stack, serving a fresh
 * project whose user signs in with basic credentials (exchanged for a
 * Keystone token by the server). On stop, whatever the project still holds
 * (servers, floating IPs, volumes, networks) is deleted before the project,
 * so the fake compute host, which fits about 30 small servers, is free again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../../src/cli/start.js';
import { DEFAULTS, type Config } from '../../src/config/index.js';
import { createProjectUser, signIn } from './_identity.js';
import { AUTH_URL, deleteVolume, gone, REGION, stack } from './_stack.js';

export interface OpenStackServer {
  readonly base: string;
  /** Basic credentials of the project's user. */
  readonly headers: Record<string, string>;
  /** The most vCPUs one hypervisor has (the fake host: the machine's cores). */
  readonly maxCores: number;
  stop(): Promise<void>;
}

export async function startOpenStackServer(overrides: Partial<Config> = {}): Promise<OpenStackServer> {
  const admin = await stack();
  const user = await createProjectUser(admin.keystone, admin.token);
  // Room for what a suite makes before the cloud has finished deleting what it made earlier.
  await admin.clients.nova.http.request({ method: 'PUT', path: `/os-quota-sets/${user.projectId}`, body: { quota_set: { instances: 50, cores: 200, ram: 51_200 } } });
  const me = await signIn(user);
  const { hypervisors } = await admin.clients.nova.http.json<{ hypervisors: Array<{ vcpus: number }> }>({ path: '/os-hypervisors/detail' });
  const dir = mkdtempSync(join(tmpdir(), 'occi-os-server-'));
  const running = await start({
    ...DEFAULTS, listen: '127.0.0.1', port: 0, backend: 'openstack', auth: ['keystone'], keystoneUrl: AUTH_URL, ...overrides,
    backends: { openstack: { region: REGION, defaultImage: 'tiny', dataDir: dir } },
  });
  return {
    base: `http://127.0.0.1:${running.server.address.port}`,
    maxCores: Math.max(...hypervisors.map((h) => h.vcpus)),
    headers: { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` },
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
      const { nova, neutron, cinder } = me.clients;
      const servers = await nova.listAllServers();
      await Promise.all(servers.map(async (s) => {
        await nova.deleteServer(s.id).catch(() => undefined);
        await gone(() => nova.getServer(s.id), `server ${s.id}`, 120_000);
      }));
      await Promise.all((await neutron.listFloatingIps({})).map((f) => neutron.deleteFloatingIp(f.id).catch(() => undefined)));
      await Promise.all((await cinder.listVolumes()).items.map((v) => deleteVolume(v.id).catch(() => undefined)));
      const networks = (await neutron.listNetworks({ project_id: user.projectId })).filter((n) => !n['router:external']);
      await Promise.all(networks.map((n) => neutron.deleteNetwork(n.id).catch(() => undefined)));
      await user.remove();
    },
  };
}
