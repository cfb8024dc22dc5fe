/**
 * Faults of oned, injected by the simulator: a slow oned is 504 and an
 * unreachable one 503, both naming oned; oned's refusals keep their meaning
 * (quota 403); and whatever a failed request began in oned is undone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendTimeoutError, BackendUnavailableError } from '../../src/errors.js';
import { COMPUTE, NETWORK, NETWORKINTERFACE, SAVE, STORAGE, draftEntity, type Attributes, type Kind } from '../../src/model/index.js';
import { send } from '../support/http.js';
import { onedSubject, type OnedSubject } from './_setup.js';
import { startOnedServer, type OnedServer } from './_server.js';

const TEXT = { Accept: 'text/plain', 'Content-Type': 'text/plain' };
const COMPUTE_BODY = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';

describe('opennebula faults over HTTP', () => {
  let server: OnedServer;
  before(async () => {
    server = await startOnedServer({ stepMode: 'immediate' }, { backendTimeout: 300 });
  });
  after(() => server.stop());

  it('answers 504 naming oned when oned is slower than --backend-timeout, in bounded time', async () => {
    const remove = server.sim.inject({ method: 'one.vmpool.infoextended', delayMs: 3000 });
    const t0 = Date.now();
    const res = await send(server.base, 'GET', '/compute/', { ...TEXT, ...server.alice });
    remove();
    assert.equal(res.status, 504, res.body);
    assert.match(res.body, /OpenNebula \(oned\) did not answer one\.vmpool\.infoextended/);
    assert.ok(Date.now() - t0 < 2000, `answered after ${Date.now() - t0} ms`);
  });

  it('answers 503 naming oned when the connection drops, and 403 for an exhausted quota', async () => {
    const remove = server.sim.inject({ method: 'one.vmpool.infoextended', drop: 'before' });
    const res = await send(server.base, 'GET', '/compute/', { ...TEXT, ...server.alice });
    remove();
    assert.equal(res.status, 503, res.body);
    assert.match(res.body, /OpenNebula \(oned\) is unreachable; one\.vmpool\.infoextended failed/);
    server.sim.setQuota('alice', { VMS: 0 });
    const refused = await send(server.base, 'POST', '/compute/', { ...TEXT, ...server.alice }, COMPUTE_BODY);
    server.sim.setQuota('alice', {});
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /quota/);
  });

  it('answers 401 for a password oned refuses, and 503 when oned cannot check it', async () => {
    const wrong = await send(server.base, 'GET', '/compute/', { ...TEXT, Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` });
    assert.equal(wrong.status, 401);
    const remove = server.sim.inject({ method: 'one.user.info', drop: 'before' });
    const down = await send(server.base, 'GET', '/compute/', { ...TEXT, Authorization: `Basic ${Buffer.from('bob:bob-pw').toString('base64')}` });
    remove();
    assert.equal(down.status, 503, down.body);
  });
});

describe('opennebula faults: nothing half-done', () => {
  let o: OnedSubject;
  before(async () => {
    o = await onedSubject({ stepMode: 'immediate' }, { timeoutMs: 400 });
    await o.backend.refresh(o.model, o.users.alice);
  });
  after(() => o.teardown());

  const draft = (kind: Kind, attributes: Attributes = {}, links: string[] = []) => draftEntity(o.model, kind,
    { kind: kind.id, mixins: [], attributes, links: links.map((target) => ({ mixins: [], attributes: {}, target })), actionLinks: 0 }, (u) => u);
  const live = () => [...o.sim.state.vms.values()].filter((vm) => vm.state !== 6).map((vm) => vm.id);

  it('is 504 when one call is slower than --one-timeout', async () => {
    const remove = o.sim.inject({ method: 'one.vm.info', delayMs: 1500, times: 1 });
    await assert.rejects(o.backend.get(o.users.alice, '/compute/0'), (e: unknown) => e instanceof BackendTimeoutError && /within 400 ms/.test(e.message));
    remove();
  });

  it('leaves no VM when the connection drops before the allocation runs', async () => {
    const before = o.sim.state.vms.size;
    o.sim.inject({ method: 'one.vm.allocate', drop: 'before', times: 1 });
    await assert.rejects(o.backend.create(o.users.alice, [draft(COMPUTE)]), BackendUnavailableError);
    assert.equal(o.sim.state.vms.size, before);
  });

  it('terminates the VM an allocation made when its answer was lost', async () => {
    const next = o.sim.state.peekId('vm');
    o.sim.inject({ method: 'one.vm.allocate', drop: 'after', times: 1 });
    await assert.rejects(o.backend.create(o.users.alice, [draft(COMPUTE, { 'occi.core.title': 'lost' })]), BackendUnavailableError);
    assert.equal(o.sim.state.vms.get(next)?.name, 'lost', 'oned made it');
    assert.equal(o.sim.state.vms.get(next)?.state, 6, 'and the backend terminated it (DONE)');
    assert.ok(!live().includes(next));
  });

  it('terminates a new VM when it cannot be read back (the client is told it failed)', async () => {
    const next = o.sim.state.peekId('vm');
    o.sim.inject({ method: 'one.vm.info', drop: 'before', times: 1 });
    await assert.rejects(o.backend.create(o.users.alice, [draft(COMPUTE)]), BackendUnavailableError);
    assert.equal(o.sim.state.vms.get(next)?.state, 6);
  });

  it('deletes the image and the network an allocation made when its answer was lost', async () => {
    const image = o.sim.state.peekId('image');
    o.sim.inject({ method: 'one.image.allocate', drop: 'after', times: 1 });
    await assert.rejects(o.backend.create(o.users.alice, [draft(STORAGE, { 'occi.storage.size': 1 })]), BackendUnavailableError);
    const img = o.sim.state.images.get(image);
    assert.ok(img === undefined || img.state === 7, 'deleted (DELETE or gone)');
    const vnet = o.sim.state.peekId('vnet');
    o.sim.inject({ method: 'one.vn.allocate', drop: 'after', times: 1 });
    await assert.rejects(o.backend.create(o.users.alice, [draft(NETWORK)]), BackendUnavailableError);
    const vn = o.sim.state.vnets.get(vnet);
    assert.ok(vn === undefined || vn.state === 3, 'deleted (LOCK_DELETE or gone)');
  });

  it('plugs a NIC out again when the answer to attachnic was lost', async () => {
    const [net] = await o.backend.create(o.users.alice, [draft(NETWORK)]);
    const [vm] = await o.backend.create(o.users.alice, [draft(COMPUTE)]);
    o.sim.inject({ method: 'one.vm.attachnic', drop: 'after', times: 1 });
    const nic = draftEntity(o.model, NETWORKINTERFACE, {
      kind: NETWORKINTERFACE.id, mixins: [], attributes: { 'occi.core.source': vm.location, 'occi.core.target': net.location }, links: [], actionLinks: 0,
    }, (u) => u);
    await assert.rejects(o.backend.create(o.users.alice, [nic]), BackendUnavailableError);
    assert.deepEqual(o.sim.state.vms.get(Number(vm.id))!.template.filter((a) => a.name === 'NIC'), []);
    assert.ok(o.sim.calls.includes('one.vm.detachnic'));
  });

  it('deletes the saved image when the template of a save cannot be made', async () => {
    const [vm] = await o.backend.create(o.users.alice, [draft(COMPUTE)]);
    const image = o.sim.state.peekId('image');
    o.sim.inject({ method: 'one.template.allocate', error: { code: 0x2000, message: 'Error allocating template.' }, times: 1 });
    await assert.rejects(o.backend.invoke(o.users.alice, [vm.location], SAVE, { name: 'half' }), BackendUnavailableError);
    assert.equal(o.sim.state.peekId('image'), image + 1, 'disksaveas made the copy');
    const img = o.sim.state.images.get(image);
    assert.ok(img === undefined || img.state === 7, 'and the backend deleted it');
  });
});
