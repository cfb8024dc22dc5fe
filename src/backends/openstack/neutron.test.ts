import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../errors.js';
import { answer, assertFields, fixture, replay, type Replay } from './replay.testing.js';
import { toOcciError } from './errors.js';
import { ServiceHttp } from './http.js';
import { NeutronClient, type Network, type Port, type Subnet } from './neutron.js';

describe('NeutronClient on recorded answers', () => {
  let r: Replay;
  let neutron: NeutronClient;
  before(async () => {
    r = await replay((seen) => {
      if (seen.path === '/v2.0/ports') return answer('neutron-ports');
      if (seen.path === '/v2.0/networks') return answer('neutron-networks');
      if (seen.path === '/v2.0/subnets') return answer('neutron-subnets');
      if (seen.path.startsWith('/v2.0/networks/')) return answer('neutron-404');
      if (seen.method === 'PUT' && seen.path.startsWith('/v2.0/floatingips/')) return { status: 200, body: { floatingip: { id: 'f', port_id: seen.body.floatingip.port_id } } };
      return undefined;
    });
    neutron = new NeutronClient(new ServiceHttp({ service: 'neutron', endpoint: r.url, token: 't' }));
  });
  after(() => r.close());

  it('lists the ports of several servers in one call, device_id repeated', async () => {
    const servers = fixture('neutron-ports').body.ports.map((p: Port) => p.device_id) as string[];
    const before = r.seen.length;
    const ports = await neutron.listPorts({ device_id: servers });
    assert.equal(r.seen.length - before, 1);
    assert.deepEqual(r.seen.at(-1)!.query.getAll('device_id'), servers);
    assert.equal(ports.length, 2);
    assertFields<Port>(ports[0], {
      id: true, name: true, network_id: true, device_id: true, device_owner: true, mac_address: true, fixed_ips: true, status: true,
      admin_state_up: true, project_id: true,
    }, 'port');
    assert.match(ports[0].device_owner, /^compute:/);
    assert.match(ports[0].fixed_ips[0].ip_address, /^192\.0\.2\./);
  });

  it('reads networks with router:external and their subnets', async () => {
    const [net1] = await neutron.listNetworks({ name: 'net1', 'router:external': false });
    assert.equal(r.seen.at(-1)!.query.get('router:external'), 'false');
    assertFields<Network>(net1, { id: true, name: true, status: true, admin_state_up: true, shared: true, 'router:external': true, subnets: true, project_id: true }, 'network');
    const [subnet] = await neutron.listSubnets({ network_id: net1.id });
    assertFields<Subnet>(subnet, {
      id: true, name: true, network_id: true, ip_version: true, cidr: true, gateway_ip: true, allocation_pools: true, enable_dhcp: true,
      dns_nameservers: true, project_id: true,
    }, 'subnet');
    assert.equal(subnet.cidr, '192.0.2.0/24');
    assert.deepEqual(net1.subnets, [subnet.id]);
  });

  it('maps NeutronError NetworkNotFound to NotFoundError with its message', async () => {
    await assert.rejects(neutron.getNetwork('00000000-0000-4000-8000-000000000000'), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof NotFoundError);
      assert.match(occi.message, /^Network 0{8}-.* could not be found\.$/);
      return true;
    });
  });

  it('associates a floating IP with a port and disassociates it with port_id null', async () => {
    assert.equal((await neutron.associateFloatingIp('f', 'p')).port_id, 'p');
    assert.equal((await neutron.disassociateFloatingIp('f')).port_id, null);
    assert.deepEqual(r.seen.at(-1)!.body, { floatingip: { port_id: null } });
  });

  it('does not add /v2.0 twice when the catalog URL has it', async () => {
    const versioned = new NeutronClient(new ServiceHttp({ service: 'neutron', endpoint: `${r.url}/v2.0`, token: 't' }));
    await versioned.listNetworks();
    assert.equal(r.seen.at(-1)!.path, '/v2.0/networks');
  });
});
