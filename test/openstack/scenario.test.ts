/**
 * The end-to-end scenario (test/clouds/scenario.ts) on a real occi-server
 * with `--backend openstack --auth keystone` in front of the OpenStack on
 * loopback: alice and bob are Keystone users of two projects made here, who
 * sign in with their passwords (basic credentials exchanged for tokens).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { start } from '../../src/cli/start.js';
import { DEFAULTS } from '../../src/config/index.js';
import { describeCloudScenario } from '../clouds/scenario.js';
import { createProjectUser } from './_identity.js';
import { AUTH_URL, SKIP, stack } from './_stack.js';

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

if (SKIP) {
  describe('openstack scenario', { skip: SKIP }, () => undefined);
} else {
  const admin = await stack();
  const people = [await createProjectUser(admin.keystone, admin.token), await createProjectUser(admin.keystone, admin.token)];
  after(() => Promise.all(people.map((p) => p.remove())));
  describeCloudScenario('openstack (local stack)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-os-scenario-'));
    const running = await start({
      ...DEFAULTS, listen: '127.0.0.1', port: 0, backend: 'openstack', auth: ['keystone'], keystoneUrl: AUTH_URL,
      backends: { openstack: { region: 'RegionOne', defaultImage: 'tiny', dataDir: dir } },
    });
    return {
      base: `http://127.0.0.1:${running.server.address.port}`,
      users: { alice: basic(people[0].username, people[0].password), bob: basic(people[1].username, people[1].password) },
      settleMs: 90_000,
      writeOnly: ['occi.compute.userdata'],
      // The fake host has as many cores as the machine (2 here): a flavour with more never schedules.
      size: 'm1-tiny',
      teardown: async () => {
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
