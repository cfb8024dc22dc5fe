import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendTimeoutError, ConflictError, NotFoundError, ValidationError } from '../../src/errors.js';
import { createClients, KeystoneClient, toOcciError, type NovaClient, type Server } from '../../src/backends/openstack/index.js';
import { createProjectUser, sshPublicKey } from './_identity.js';
import { AUTH_URL, bootServer, Cleanup, eventually, gone, REGION, seed, SKIP, stack, uniqueName, type Seed } from './_stack.js';

const USER_DATA = '#!/bin/sh\necho hello from occi-server\n';

describe('NovaClient against the loopback OpenStack', { skip: SKIP, timeout: 300_000 }, () => {
  const cleanup = new Cleanup();
  const prefix = uniqueName('nova');
  const keyName = `${prefix}-key`;
  let nova: NovaClient;
  let s: Seed;
  let a: string;
  let b: string;

  before(async () => {
    nova = (await stack()).clients.nova;
    s = await seed();
    await nova.createKeypair({ name: keyName, public_key: sshPublicKey() });
    cleanup.add('keypair', () => nova.deleteKeypair(keyName));
    [a, b] = await Promise.all([
      bootServer(cleanup, { name: `${prefix}-a`, key_name: keyName, userData: USER_DATA }),
      bootServer(cleanup, { name: `${prefix}-b` }),
    ]);
  });
  after(() => cleanup.run());

  const status = (id: string, want: Server['status']) =>
    eventually(() => nova.getServer(id), (x) => x.status === want && x['OS-EXT-STS:task_state'] === null, `server ${id} ${want}`);

  it('getServer() shows the server ACTIVE on net1 with its flavor, key and user data', async () => {
    const server = await nova.getServer(a);
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server['OS-EXT-STS:vm_state'], 'active');
    assert.equal(server.flavor.original_name, 'm1.tiny');
    assert.equal(server.key_name, keyName);
    assert.match(server.addresses.net1[0].addr, /^192\.0\.2\.\d+$/);
    assert.equal(server.image === '' ? '' : server.image.id, s.imageId);
    // Admin sees the user data (OS-EXT-SRV-ATTR:*); members do not before microversion 2.90.
    const raw = (server as unknown as Record<string, string>)['OS-EXT-SRV-ATTR:user_data'];
    assert.equal(Buffer.from(raw, 'base64').toString(), USER_DATA);
  });

  it('listServers() finds both servers; limit and marker page through them', async () => {
    const all = await nova.listAllServers({ name: prefix });
    assert.deepEqual(all.map((x) => x.id).sort(), [a, b].sort());
    const first = await nova.listServers({ name: prefix, limit: 1 });
    assert.equal(first.items.length, 1);
    assert.ok(first.nextMarker);
    const second = await nova.listServers({ name: prefix, limit: 1, marker: first.nextMarker });
    assert.equal(second.items.length, 1);
    assert.notEqual(second.items[0].id, first.items[0].id);
  });

  it('stop, start, reboot SOFT and HARD, suspend and resume move the status', async () => {
    await nova.stop(a);
    await status(a, 'SHUTOFF');
    await nova.start(a);
    await status(a, 'ACTIVE');
    await nova.reboot(a, 'SOFT');
    await status(a, 'ACTIVE');
    await nova.reboot(a, 'HARD');
    await status(a, 'ACTIVE');
    await nova.suspend(a);
    await status(a, 'SUSPENDED');
    await nova.resume(a);
    await status(a, 'ACTIVE');
  });

  it('an action in the wrong state is a 409, a ConflictError with Nova\'s message', async () => {
    await status(b, 'ACTIVE');
    await assert.rejects(nova.start(b), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof ConflictError);
      assert.equal(occi.message, `Cannot 'start' instance ${b} while it is in vm_state active`);
      return true;
    });
  });

  it('a missing server is a 404 NotFoundError; a bad flavor a 400 ValidationError', async () => {
    await assert.rejects(nova.getServer('00000000-0000-4000-8000-000000000000'), (err) => {
      assert.ok(toOcciError(err) instanceof NotFoundError);
      assert.match(toOcciError(err).message, /^Instance 0{8}-.* could not be found\.$/);
      return true;
    });
    await assert.rejects(nova.createServer({ name: uniqueName('bad'), flavorRef: 'no-such-flavor', imageRef: s.imageId, networks: 'none' }), (err) => {
      assert.ok(toOcciError(err) instanceof ValidationError);
      assert.equal(toOcciError(err).message, 'Flavor no-such-flavor could not be found.');
      return true;
    });
  });

  it('a 1 ms deadline is a BackendTimeoutError naming nova', async () => {
    await assert.rejects(nova.getServer(a, { timeoutMs: 1 }), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof BackendTimeoutError);
      assert.match(occi.message, /^nova at http:\/\/127\.0\.0\.1:8774\/v2\.1 did not answer in time/);
      return true;
    });
  });

  it('updateServer() renames; createImage() snapshots into a Glance image', async () => {
    const renamed = await nova.updateServer(b, { name: `${prefix}-b2` });
    assert.equal(renamed.name, `${prefix}-b2`);
    const imageId = await nova.createImage(b, `${prefix}-snap`);
    const { glance } = (await stack()).clients;
    cleanup.add('snapshot image', () => glance.deleteImage(imageId));
    const image = await glance.getImage(imageId);
    assert.equal(image.name, `${prefix}-snap`);
    await status(b, 'ACTIVE');
  });

  it('resize() is accepted; with one compute host Nova finds no target and the server stays ACTIVE on m1.tiny', async () => {
    await nova.resize(b, s.otherFlavorId);
    const after = await status(b, 'ACTIVE');
    assert.equal(after.flavor.original_name, 'm1.tiny');
  });

  it('attachInterface(), listInterfaces() and detachInterface() add and remove a port', async () => {
    const { neutron } = (await stack()).clients;
    const port = await neutron.createPort({ network_id: s.networkId, name: `${prefix}-port` });
    cleanup.add('port', () => neutron.deletePort(port.id));
    const attached = await nova.attachInterface(b, { port_id: port.id });
    assert.equal(attached.port_id, port.id);
    assert.equal(attached.net_id, s.networkId);
    const listed = await eventually(() => nova.listInterfaces(b), (l) => l.length === 2, 'two interfaces');
    assert.ok(listed.some((i) => i.port_id === port.id && i.mac_addr === port.mac_address));
    await nova.detachInterface(b, port.id);
    await eventually(() => neutron.getPort(port.id), (p) => p.device_id === '', 'port detached');
  });

  it('lists and gets flavors; imports, gets and deletes a keypair', async () => {
    const flavors = await nova.listFlavors();
    assert.deepEqual(flavors.filter((f) => f.name.startsWith('m1.')).map((f) => [f.name, f.vcpus, f.ram]).sort(), [['m1.small', 1, 2048], ['m1.tiny', 1, 64]]);
    assert.equal((await nova.getFlavor(s.flavorId)).name, 'm1.tiny');
    const name = `${prefix}-key2`;
    const publicKey = sshPublicKey('second');
    const imported = await nova.createKeypair({ name, public_key: publicKey });
    cleanup.add('keypair 2', () => nova.deleteKeypair(name));
    assert.match(imported.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    assert.equal((await nova.getKeypair(name)).public_key, publicKey);
    await nova.deleteKeypair(name);
    await assert.rejects(nova.getKeypair(name), (err) => toOcciError(err) instanceof NotFoundError);
  });

  it('a member of another project sees none of these servers and gets 404 for them', async () => {
    const { keystone, token } = await stack();
    const user = await createProjectUser(keystone, token);
    cleanup.add('project user', () => user.remove());
    const theirs = await new KeystoneClient({ endpoint: AUTH_URL }).authenticate({ username: user.username, password: user.password, project: { id: user.projectId } });
    const other = createClients(theirs.id, theirs.catalog, { region: REGION }).nova;
    assert.deepEqual((await other.listServers({ name: prefix })).items, []);
    await assert.rejects(other.getServer(a), (err) => toOcciError(err) instanceof NotFoundError);
  });

  it('deleteServer() removes the server: 404 soon after', async () => {
    await nova.deleteServer(b);
    await gone(() => nova.getServer(b), `server ${b}`);
    assert.deepEqual((await nova.listServers({ name: prefix })).items.map((x) => x.id), [a]);
  });
});
