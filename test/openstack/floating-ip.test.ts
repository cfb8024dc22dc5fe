/**
 * A floating IP through OCCI, as a user of the local stack gets one: a
 * project user signs in with a Keystone token (`X-Auth-Token`, as rOCCI-cli
 * and IM send it), creates a network and a compute on it, and links the
 * compute to the site's external network; the link is a floating IP
 * (allocated and associated in one Neutron call), shown on the compute with
 * its public address, invisible to another project, released on unlink.
 * Before the project routes its network to the external one, the link is
 * refused with a 409 that says so, and no floating IP is left behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { start } from '../../src/cli/start.js';
import { DEFAULTS } from '../../src/config/index.js';
import { header, send, type RawResponse } from '../support/http.js';
import { createProjectUser, signIn, type SignedIn } from './_identity.js';
import { AUTH_URL, Cleanup, eventually, externalNetwork, REGION, SKIP, stack, uniqueName } from './_stack.js';

const JSON_TYPE = 'application/occi+json';
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

type Person = SignedIn;

interface JsonEntity { id: string; kind: string; mixins?: string[]; attributes: Record<string, unknown>; links?: JsonLink[]; source?: { location: string }; target?: { location: string; kind?: string } }
interface JsonLink { id: string; kind: string; attributes: Record<string, unknown>; target: { location: string }; location?: string }

describe('a floating IP through OCCI on the local stack', { skip: SKIP, timeout: 600_000 }, () => {
  const cleanup = new Cleanup();
  let base = '';
  let alice: Person;
  let bob: Person;
  let externalPath = '';
  let net = '';
  let compute = '';
  let subnetId = '';
  let stop: () => Promise<void> = async () => undefined;
  let removePeople: () => Promise<unknown> = async () => undefined;

  const req = (who: Person, method: string, path: string, body?: unknown) =>
    send(base, method, path, { 'X-Auth-Token': who.token, Accept: JSON_TYPE, ...(body === undefined ? {} : { 'Content-Type': JSON_TYPE }) }, body === undefined ? '' : JSON.stringify(body));
  const pathOf = (res: RawResponse) => new URL(header(res, 'location') ?? '', base).pathname;
  const entity = async (who: Person, path: string): Promise<JsonEntity> => {
    const res = await req(who, 'GET', path);
    assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as JsonEntity;
  };

  before(async () => {
    const admin = await stack();
    const people = [await createProjectUser(admin.keystone, admin.token), await createProjectUser(admin.keystone, admin.token)];
    removePeople = () => Promise.all(people.map((p) => p.remove()));
    [alice, bob] = await Promise.all(people.map(signIn));
    const external = await externalNetwork(admin.clients.neutron);
    externalPath = `/network/${external.network.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'occi-os-fip-'));
    const running = await start({
      ...DEFAULTS, listen: '127.0.0.1', port: 0, backend: 'openstack', auth: ['keystone'], keystoneUrl: AUTH_URL,
      backends: { openstack: { region: REGION, defaultImage: 'tiny', dataDir: dir } },
    });
    base = `http://127.0.0.1:${running.server.address.port}`;
    stop = async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  after(async () => {
    if (compute) {
      await req(alice, 'DELETE', compute).catch(() => undefined);
      await eventually(() => req(alice, 'GET', compute), (r) => r.status === 404, `${compute} deleted`, 120_000).catch(() => undefined);
    }
    // The floating IP before the router interface (an associated one keeps it: 409), the router before the network.
    await cleanup.run();
    if (net) await req(alice, 'DELETE', net).catch(() => undefined);
    await stop();
    await removePeople();
  });

  it('offers the external network to an ordinary project', async () => {
    const res = await req(alice, 'GET', '/network/');
    assert.equal(res.status, 200, res.body);
    const locations = (JSON.parse(res.body) as { resources?: Array<{ id: string; location?: string }> }).resources?.map((r) => r.location ?? `/network/${r.id}`) ?? [];
    assert.ok(locations.some((l) => new URL(l, base).pathname === externalPath), `${externalPath} in ${locations.join(' ')}`);
  });

  it('creates a network and a compute on it, with the token', async () => {
    const made = await req(alice, 'POST', '/network/', { kind: `${INFRA}network`, mixins: [`${INFRA.slice(0, -1)}/network#ipnetwork`], attributes: { 'occi.core.title': uniqueName('fip-net'), 'occi.network.address': '10.77.0.0/24' } });
    assert.equal(made.status, 201, made.body);
    net = pathOf(made);
    subnetId = (await alice.clients.neutron.getNetwork(net.split('/').pop()!)).subnets[0];
    assert.ok(subnetId, 'the network got its subnet');
    const discovery = JSON.parse((await req(alice, 'GET', '/-/')).body) as { mixins: Array<{ term: string; scheme: string; depends?: string[] }> };
    const tpl = (rel: string, term?: string) => discovery.mixins.find((m) => (m.depends ?? []).includes(`${INFRA}${rel}`) && (!term || m.term === term));
    const os = tpl('os_tpl');
    const size = tpl('resource_tpl', 'm1-tiny');
    assert.ok(os && size, 'an os_tpl and the m1-tiny resource_tpl are offered');
    const res = await req(alice, 'POST', '/compute/', {
      kind: `${INFRA}compute`,
      mixins: [os.scheme + os.term, size.scheme + size.term],
      attributes: { 'occi.core.title': uniqueName('fip-vm') },
      links: [{ kind: `${INFRA}networkinterface`, target: { location: net, kind: `${INFRA}network` } }],
    });
    assert.equal(res.status, 201, res.body);
    compute = pathOf(res);
    await eventually(() => entity(alice, compute), (e) => e.attributes['occi.compute.state'] === 'active', `${compute} active`, 120_000);
  });

  it('refuses the floating IP with 409 while the network has no route out, leaving none behind', async () => {
    const res = await req(alice, 'POST', '/networkinterface/', { kind: `${INFRA}networkinterface`, source: { location: compute }, target: { location: externalPath, kind: `${INFRA}network` } });
    assert.equal(res.status, 409, res.body);
    assert.match(res.body, /router/);
    assert.deepEqual(await alice.clients.neutron.listFloatingIps({}), []);
  });

  it('links the compute to the external network: a floating IP, shown on the compute, invisible to another project, released on unlink', async () => {
    const external = externalPath.split('/').pop()!;
    const router = await alice.clients.neutron.createRouter({ name: uniqueName('fip-router'), external_gateway_info: { network_id: external } });
    cleanup.add('router', () => alice.clients.neutron.deleteRouter(router.id));
    await alice.clients.neutron.addRouterInterface(router.id, subnetId);
    cleanup.add('router interface', () => alice.clients.neutron.removeRouterInterface(router.id, subnetId));

    const res = await req(alice, 'POST', '/networkinterface/', { kind: `${INFRA}networkinterface`, source: { location: compute }, target: { location: externalPath, kind: `${INFRA}network` } });
    assert.equal(res.status, 201, res.body);
    const link = pathOf(res);
    assert.match(link, /^\/networkinterface\/fip-/);
    const [fip] = await alice.clients.neutron.listFloatingIps({});
    assert.ok(fip?.port_id, 'Neutron has the floating IP on the compute\'s port');
    cleanup.add('floating ip', () => alice.clients.neutron.deleteFloatingIp(fip.id).catch(() => undefined));

    const shown = await entity(alice, link);
    assert.equal(shown.attributes['occi.networkinterface.address'], fip.floating_ip_address);
    assert.match(String(fip.floating_ip_address), /^203\.0\.113\.\d+$/);
    assert.equal(new URL(shown.target!.location, base).pathname, externalPath);
    const onCompute = (await entity(alice, compute)).links ?? [];
    assert.ok(onCompute.some((l) => (l.location ? new URL(l.location, base).pathname : `/networkinterface/${l.id}`) === link), 'the compute shows its floating IP link');

    assert.equal((await req(bob, 'GET', link)).status, 404, "another project does not see alice's floating IP");
    assert.equal((await req(bob, 'DELETE', link)).status, 404, "nor can it release it");

    const removed = await req(alice, 'DELETE', link);
    assert.ok(removed.status === 200 || removed.status === 204, `${removed.status} ${removed.body}`);
    assert.deepEqual(await alice.clients.neutron.listFloatingIps({ id: fip.id }), [], 'released in Neutron');
    assert.equal((await req(alice, 'GET', link)).status, 404);
  });
});
