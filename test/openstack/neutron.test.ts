import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { OpenStackError, toOcciError, type Network, type NeutronClient } from '../../src/backends/openstack/index.js';
import { bootServer, Cleanup, EXTERNAL, externalNetwork, gone, seed, SKIP, stack, uniqueName, type Seed } from './_stack.js';

describe('NeutronClient against the loopback OpenStack', { skip: SKIP, timeout: 300_000 }, () => {
  const cleanup = new Cleanup();
  const prefix = uniqueName('neutron');
  let neutron: NeutronClient;
  let s: Seed;
  let servers: string[];

  before(async () => {
    neutron = (await stack()).clients.neutron;
    s = await seed();
    servers = await Promise.all([bootServer(cleanup, { name: `${prefix}-a` }), bootServer(cleanup, { name: `${prefix}-b` })]);
  });
  after(() => cleanup.run());

  it('lists and gets net1 with its subnet 192.0.2.0/24', async () => {
    const [net1] = await neutron.listNetworks({ name: 'net1' });
    assert.equal(net1['router:external'], false);
    assert.equal((await neutron.getNetwork(net1.id)).name, 'net1');
    const subnets = await neutron.listSubnets({ network_id: net1.id });
    assert.deepEqual(subnets.map((x) => x.cidr), ['192.0.2.0/24']);
    assert.equal(subnets[0].gateway_ip, '192.0.2.1');
    await assert.rejects(neutron.getNetwork('00000000-0000-4000-8000-000000000000'), (err) => toOcciError(err) instanceof NotFoundError);
  });

  it('lists the ports of several servers in ONE call', async () => {
    const { counter } = await stack();
    const before = counter.byService.neutron;
    const ports = await neutron.listPorts({ device_id: servers });
    assert.equal(counter.byService.neutron - before, 1);
    assert.deepEqual(ports.map((p) => p.device_id).sort(), [...servers].sort());
    for (const p of ports) {
      assert.equal(p.network_id, s.networkId);
      assert.match(p.device_owner, /^compute:/);
      assert.match(p.mac_address, /^fa:16:3e/);
    }
  });

  it('creates, gets and deletes a port', async () => {
    const port = await neutron.createPort({ network_id: s.networkId, name: `${prefix}-port` });
    cleanup.add('port', () => neutron.deletePort(port.id));
    assert.equal(port.device_id, '');
    assert.match(port.fixed_ips[0].ip_address, /^192\.0\.2\./);
    assert.equal((await neutron.getPort(port.id)).name, `${prefix}-port`);
    await neutron.deletePort(port.id);
    await gone(() => neutron.getPort(port.id), 'port');
  });

  it('allocates a floating IP, associates it with a server port (through a router), then releases it', async (t) => {
    const { network: external, created } = await externalNetwork(neutron);
    const dropExternal = async () => {
      if (!created) return undefined;
      try {
        await neutron.deleteNetwork(external.id);
        return undefined;
      } catch (err) {
        if (err instanceof OpenStackError && err.status === 500) return err.reason;
        throw err;
      }
    };
    cleanup.add('external network', dropExternal);
    const fip = await neutron.createFloatingIp({ floating_network_id: external.id, description: prefix });
    cleanup.add('floating ip', () => neutron.deleteFloatingIp(fip.id));
    assert.match(fip.floating_ip_address, /^203\.0\.113\.\d+$/);
    assert.equal(fip.port_id, null);

    const [port] = await neutron.listPorts({ device_id: servers[0] });
    // Neutron refuses the association until a router joins the port's subnet to the external network.
    await assert.rejects(neutron.associateFloatingIp(fip.id, port.id), { status: 404, type: 'ExternalGatewayForFloatingIPNotFound' });
    const router = await neutron.createRouter({ name: `${prefix}-router`, external_gateway_info: { network_id: external.id } });
    cleanup.add('router', () => neutron.deleteRouter(router.id));
    await neutron.addRouterInterface(router.id, s.subnetId);
    cleanup.add('router interface', () => neutron.removeRouterInterface(router.id, s.subnetId));
    // An associated floating IP keeps the router interface (409), so it goes first.
    cleanup.add('floating ip before the router', () => neutron.deleteFloatingIp(fip.id));

    const associated = await neutron.associateFloatingIp(fip.id, port.id);
    assert.equal(associated.port_id, port.id);
    assert.equal(associated.fixed_ip_address, port.fixed_ips[0].ip_address);
    assert.deepEqual((await neutron.listFloatingIps({ port_id: port.id })).map((f) => f.id), [fip.id]);
    // Nova's `addresses` shows it only after its info-cache heal (60 s; Neutron does not notify
    // Nova on this stack): Neutron is the source of truth for floating IPs.

    assert.equal((await neutron.disassociateFloatingIp(fip.id)).port_id, null);
    await neutron.deleteFloatingIp(fip.id);
    assert.deepEqual(await neutron.listFloatingIps({ id: fip.id }), []);
    await neutron.removeRouterInterface(router.id, s.subnetId);
    await neutron.deleteRouter(router.id);
    const kept = await dropExternal();
    if (kept) t.diagnostic(`kept ${EXTERNAL} for later runs: Neutron cannot delete networks on this stack (500: ${kept})`);
  });
});
