import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { answer, assertFields, fixture, replay, type Replay } from './replay.testing.js';
import { toOcciError } from './errors.js';
import { ServiceHttp } from './http.js';
import { NOVA_MICROVERSION, NovaClient, type Flavor, type InterfaceAttachment, type Keypair, type Server, type VolumeAttachment } from './nova.js';

const SERVER_FIELDS = {
  id: true, name: true, status: true, tenant_id: true, user_id: true, created: true, updated: true, hostId: true, image: true,
  flavor: true, addresses: true, accessIPv4: true, accessIPv6: true, metadata: true, key_name: true, description: true, locked: true,
  tags: true, config_drive: true, links: true, 'OS-EXT-STS:vm_state': true, 'OS-EXT-STS:task_state': true, 'OS-EXT-STS:power_state': true,
  'OS-EXT-AZ:availability_zone': true, 'OS-SRV-USG:launched_at': true, 'OS-SRV-USG:terminated_at': true, 'OS-DCF:diskConfig': true,
  'os-extended-volumes:volumes_attached': true,
} as const;

describe('NovaClient on recorded answers', () => {
  let r: Replay;
  let nova: NovaClient;
  const id = fixture('nova-server').body.server.id as string;
  before(async () => {
    r = await replay((seen) => {
      const p = seen.path.replace(/^\/v2\.1/, '');
      if (seen.method === 'GET' && p === `/servers/${id}`) return answer('nova-server');
      if (seen.method === 'GET' && p === '/servers/detail') return answer('nova-servers-detail');
      if (seen.method === 'GET' && p.startsWith('/servers/0000')) return answer('nova-404');
      if (seen.method === 'POST' && p === '/servers') return seen.body.server.flavorRef === 'no-such-flavor' ? answer('nova-400') : answer('nova-create-server');
      if (seen.method === 'POST' && p.endsWith('/action') && 'createImage' in seen.body) return seen.body.createImage.name === 'old' ? { status: 202, headers: { location: 'http://127.0.0.1:9292/v2/images/from-location' } } : answer('nova-create-image');
      if (seen.method === 'POST' && p.endsWith('/action') && 'os-start' in seen.body) return answer('nova-409');
      if (seen.method === 'POST' && p.endsWith('/action')) return { status: 202 };
      if (p === '/flavors/detail') return answer('nova-flavors-detail');
      if (p === '/os-keypairs') return answer('nova-keypair-import');
      if (p.endsWith('/os-interface')) return answer('nova-os-interface');
      if (seen.method === 'POST' && p.endsWith('/os-volume_attachments')) return answer('nova-attach-volume');
      if (p.endsWith('/os-volume_attachments')) return answer('nova-volume-attachments');
      if (seen.method === 'DELETE') return { status: 202 };
      return undefined;
    });
    nova = new NovaClient(new ServiceHttp({ service: 'nova', endpoint: `${r.url}/v2.1`, token: 't', microversion: NOVA_MICROVERSION }));
  });
  after(() => r.close());

  it('getServer() returns the server with every field Server names, the flavor embedded and addresses per network', async () => {
    const server = await nova.getServer(id);
    assertFields<Server>(server, SERVER_FIELDS, 'server');
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server.flavor.original_name, 'm1.tiny');
    assert.equal(server.flavor.vcpus, 1);
    assert.equal(server.flavor.ram, 64);
    const [address] = server.addresses.net1;
    assert.equal(address['OS-EXT-IPS:type'], 'fixed');
    assert.match(address['OS-EXT-IPS-MAC:mac_addr']!, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.match(server.key_name!, /^occi-test-key-/);
    assert.equal(server['os-extended-volumes:volumes_attached'].length, 1);
    assert.equal(server.fault, undefined, 'an ACTIVE server has no fault');
    assert.equal(r.seen.at(-1)!.headers['openstack-api-version'], 'compute 2.79');
  });

  it('listServers() reads a page and the next marker from servers_links', async () => {
    const page = await nova.listServers({ name: 'occi', limit: 1, all_tenants: false });
    assert.equal(page.items.length, 1);
    assertFields<Server>(page.items[0], SERVER_FIELDS, 'listed server');
    assert.equal(page.nextMarker, page.items[0].id);
    const q = r.seen.at(-1)!.query;
    assert.equal(q.get('limit'), '1');
    assert.equal(q.has('all_tenants'), false);
    await nova.listServers({ all_tenants: true, project_id: 'p' });
    assert.equal(r.seen.at(-1)!.query.get('all_tenants'), '1');
    assert.equal(r.seen.at(-1)!.query.get('project_id'), 'p');
  });

  it('createServer() sends networks, key_name and user data in base64 and answers the id', async () => {
    const created = await nova.createServer({ name: 'a', flavorRef: 'f', imageRef: 'i', networks: [{ uuid: 'n' }, { port: 'p' }], key_name: 'k', userData: '#!/bin/sh\necho hi\n' });
    assert.equal(created.id, fixture('nova-create-server').body.server.id);
    const sent = r.seen.at(-1)!.body.server;
    assert.deepEqual(sent.networks, [{ uuid: 'n' }, { port: 'p' }]);
    assert.equal(sent.key_name, 'k');
    assert.equal(Buffer.from(sent.user_data, 'base64').toString(), '#!/bin/sh\necho hi\n');
    assert.equal('userData' in sent, false);
  });

  it('sends each action as Nova spells it', async () => {
    await nova.stop(id);
    assert.deepEqual(r.seen.at(-1)!.body, { 'os-stop': null });
    await nova.reboot(id, 'HARD');
    assert.deepEqual(r.seen.at(-1)!.body, { reboot: { type: 'HARD' } });
    await nova.suspend(id);
    assert.deepEqual(r.seen.at(-1)!.body, { suspend: null });
    await nova.resume(id);
    assert.deepEqual(r.seen.at(-1)!.body, { resume: null });
    await nova.resize(id, '2');
    assert.deepEqual(r.seen.at(-1)!.body, { resize: { flavorRef: '2' } });
    await nova.confirmResize(id);
    assert.deepEqual(r.seen.at(-1)!.body, { confirmResize: null });
  });

  it('createImage() reads the image id from the body (2.45+) or from Location (before)', async () => {
    assert.equal(await nova.createImage(id, 'snap'), fixture('nova-create-image').body.image_id);
    assert.equal(await nova.createImage(id, 'old'), 'from-location');
  });

  it('maps the recorded 404, 409 and 400 to NotFound, Conflict and Validation errors', async () => {
    await assert.rejects(nova.getServer('00000000-0000-4000-8000-000000000000'), (err) => toOcciError(err) instanceof NotFoundError);
    await assert.rejects(nova.start(id), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof ConflictError);
      assert.match(occi.message, /^Cannot 'start' instance/);
      return true;
    });
    await assert.rejects(nova.createServer({ name: 'b', flavorRef: 'no-such-flavor', networks: 'none' }), (err) => toOcciError(err) instanceof ValidationError);
  });

  it('lists flavors with every field Flavor names', async () => {
    const flavors = await nova.listFlavors();
    const tiny = flavors.find((f) => f.name === 'm1.tiny')!;
    assertFields<Flavor>(tiny, {
      id: true, name: true, vcpus: true, ram: true, disk: true, swap: true, 'OS-FLV-EXT-DATA:ephemeral': true, 'OS-FLV-DISABLED:disabled': true,
      'os-flavor-access:is_public': true, rxtx_factor: true, description: true, links: true,
    }, 'flavor');
    assert.equal(tiny.ram, 64);
  });

  it('reads keypairs, interfaces and volume attachments', async () => {
    const keypair = await nova.createKeypair({ name: 'k', public_key: 'ssh-ed25519 AAAA' });
    assertFields<Keypair>(keypair, { name: true, public_key: true, fingerprint: true, type: true }, 'keypair');
    assert.equal(keypair.private_key, undefined);
    const [iface] = await nova.listInterfaces(id);
    assertFields<InterfaceAttachment>(iface, { port_id: true, net_id: true, mac_addr: true, port_state: true, fixed_ips: true }, 'interface');
    const [attachment] = await nova.listVolumeAttachments(id);
    assertFields<VolumeAttachment>(attachment, { id: true, serverId: true, volumeId: true, device: true }, 'volume attachment');
    assert.equal(attachment.serverId, id);
    const attached = await nova.attachVolume(id, { volumeId: attachment.volumeId });
    assert.equal(attached.device, '/dev/sdb');
    assert.deepEqual(r.seen.at(-1)!.body, { volumeAttachment: { volumeId: attachment.volumeId } });
  });
});
