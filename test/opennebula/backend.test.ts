/**
 * The OpenNebula backend as a cloud behaves, against the oned simulator
 * stepped by hand (`manual`): transitional states and the actions they
 * allow, hotplugs, what waits for a VM to finish, efficiency (calls per
 * request), the server identity mapping and authentication by oned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, BackendUnavailableError, ConflictError, NotImplementedError, ValidationError } from '../../src/errors.js';
import {
  COMPUTE, NETWORK, NETWORKINTERFACE, OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA, SAVE, SSH_KEY, STORAGE, USER_DATA, draftEntity, templateFamily, OS_TPL,
  type Attributes, type Entity, type Kind, type Resource,
} from '../../src/model/index.js';
import { onedSubject, SCHEME, type OnedSubject } from './_setup.js';

const action = (term: string) => COMPUTE.actions.find((a) => a.term === term)!;
const terms = (e: Entity | undefined) => (e?.actions ?? []).map((id) => id.slice(id.indexOf('#') + 1)).sort();

function drafts(o: OnedSubject) {
  const draft = (kind: Kind, attributes: Attributes = {}, mixins: string[] = [], links: Array<{ target: string }> = []) =>
    draftEntity(o.model, kind, { kind: kind.id, mixins, attributes, links: links.map((l) => ({ mixins: [], attributes: {}, ...l })), actionLinks: 0 }, (u) => u);
  const one = async (kind: Kind, attributes: Attributes = {}, mixins: string[] = [], links: Array<{ target: string }> = [], ctx = o.users.alice) =>
    (await o.backend.create(ctx, [draft(kind, attributes, mixins, links)]))[0];
  return { draft, one };
}

describe('opennebula backend, stepping oned by hand', () => {
  let o: OnedSubject;
  before(async () => {
    o = await onedSubject({ stepMode: 'manual' });
    for (const ctx of [o.users.alice, o.users.bob]) await o.backend.refresh(o.model, ctx);
  });
  after(() => o.teardown());

  it('shows a new VM inactive with no actions through PENDING, PROLOG and BOOT, then active with its actions', async () => {
    const { one } = drafts(o);
    const vm = await one(COMPUTE, { 'occi.core.title': 'steps' });
    const id = Number(vm.id);
    assert.deepEqual([vm.attributes['occi.compute.state'], vm.attributes['occi.compute.state.message'], terms(vm)], ['inactive', 'PENDING', []]);
    for (const expected of ['PROLOG', 'BOOT']) {
      o.sim.advance(id);
      const e = await o.backend.get(o.users.alice, vm.location);
      assert.deepEqual([e!.attributes['occi.compute.state'], e!.attributes['occi.compute.state.message'], terms(e)], ['inactive', expected, []]);
    }
    o.sim.advance(id);
    const running = await o.backend.get(o.users.alice, vm.location);
    assert.deepEqual([running!.attributes['occi.compute.state'], running!.attributes['occi.compute.state.message']], ['active', 'RUNNING']);
    assert.deepEqual(terms(running), ['restart', 'save', 'stop', 'suspend']);
    assert.notEqual(running!.version, vm.version);
  });

  it('refuses to link a VM that is still booting (409 naming the state), and hot-plugs once it runs', async () => {
    const { one } = drafts(o);
    const [net, vm] = [await one(NETWORK), await one(COMPUTE)];
    o.sim.settle();
    const fresh = await one(COMPUTE);
    const nic = (source: string) => draftEntity(o.model, NETWORKINTERFACE,
      { kind: NETWORKINTERFACE.id, mixins: [], attributes: { 'occi.core.source': source, 'occi.core.target': net.location }, links: [], actionLinks: 0 }, (u) => u);
    await assert.rejects(o.backend.create(o.users.alice, [nic(fresh.location)]), (e: unknown) => e instanceof ConflictError && /wrong state PENDING/.test(e.message));
    const [link] = await o.backend.create(o.users.alice, [nic(vm.location)]);
    const during = (await o.backend.get(o.users.alice, vm.location)) as Resource;
    assert.deepEqual([during.attributes['occi.compute.state'], during.attributes['occi.compute.state.message'], terms(during)], ['active', 'HOTPLUG_NIC', []]);
    assert.equal(during.links.find((l) => l.location === link.location)?.attributes['occi.networkinterface.state'], 'inactive');
    await assert.rejects(o.backend.create(o.users.alice, [nic(vm.location)]), /wrong state HOTPLUG_NIC/);
    o.sim.settle();
    const after = (await o.backend.get(o.users.alice, vm.location)) as Resource;
    assert.equal(after.links.find((l) => l.location === link.location)?.attributes['occi.networkinterface.state'], 'active');
    assert.match(String(link.attributes['occi.networkinterface.address']), /^10\.0\.0\.\d+$/);
  });

  it('keeps a network and a disk busy until the VM using them is DONE, as oned does', async () => {
    const { one } = drafts(o);
    const [net, disk] = [await one(NETWORK), await one(STORAGE, { 'occi.storage.size': 1 })];
    o.sim.settle();
    const vm = await one(COMPUTE, {}, [], [{ target: net.location }, { target: disk.location }]);
    o.sim.settle();
    await o.backend.delete(o.users.alice, [vm.location]);
    const going = await o.backend.get(o.users.alice, vm.location);
    assert.deepEqual([going?.attributes['occi.compute.state'], going?.attributes['occi.compute.state.message']], ['inactive', 'SHUTDOWN']);
    await assert.rejects(o.backend.delete(o.users.alice, [net.location]), (e: unknown) => e instanceof ConflictError && /leases in use/.test(e.message));
    await assert.rejects(o.backend.delete(o.users.alice, [disk.location]), (e: unknown) => e instanceof ConflictError && /VMs using it/.test(e.message));
    o.sim.settle();
    assert.equal(await o.backend.get(o.users.alice, vm.location), undefined);
    await o.backend.delete(o.users.alice, [net.location, disk.location]);
  });

  it('saves a compute as a new os_tpl offered to its owner only, usable once oned has copied the disk', async () => {
    const { one } = drafts(o);
    const vm = await one(COMPUTE);
    o.sim.settle();
    const [result] = await o.backend.invoke(o.users.alice, [vm.location], SAVE, { name: 'golden-alice' });
    assert.equal(result.type, 'mixin');
    const mixin = (result as { mixin: import('../../src/model/index.js').Mixin }).mixin;
    assert.equal(templateFamily(mixin), OS_TPL);
    assert.ok(mixin.id.startsWith(`${SCHEME}os_tpl#golden-alice-`));
    assert.ok(o.model.visibleTo('alice').findMixin(mixin.id));
    assert.equal(o.model.visibleTo('bob').findMixin(mixin.id), undefined);
    assert.equal((await o.backend.get(o.users.alice, vm.location))!.attributes['occi.compute.state.message'], 'HOTPLUG_SAVEAS');
    await assert.rejects(one(COMPUTE, {}, [mixin.id]), (e: unknown) => e instanceof ConflictError && /LOCKED/.test(e.message));
    o.sim.settle();
    const copy = await one(COMPUTE, {}, [mixin.id]);
    assert.ok(copy.mixins.includes(mixin.id));
  });

  it('shows a failed VM as error with oned\'s reason, and an unknown one as error that may be started or stopped', async () => {
    const { one } = drafts(o);
    const vm = await one(COMPUTE);
    o.sim.forceVmState(Number(vm.id), 3, 36);
    const failed = await o.backend.get(o.users.alice, vm.location);
    assert.deepEqual([failed!.attributes['occi.compute.state'], failed!.attributes['occi.compute.state.message'], terms(failed)], ['error', 'BOOT_FAILURE', []]);
    await assert.rejects(o.backend.invoke(o.users.alice, [vm.location], action('start'), {}), ConflictError);
    o.sim.forceVmState(Number(vm.id), 3, 16);
    assert.deepEqual(terms(await o.backend.get(o.users.alice, vm.location)), ['start', 'stop']);
  });

  it('puts ssh_key, user_data and hostname into CONTEXT and reads them back', async () => {
    const { one } = drafts(o);
    const userdata = Buffer.from('#cloud-config\npackages: [nginx]\n').toString('base64');
    const vm = await one(COMPUTE, {
      'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAAC3Nza alice@laptop', 'occi.compute.userdata': userdata, 'occi.compute.hostname': 'web-1',
      'occi.compute.cores': 2, 'occi.compute.memory': 1.5,
    }, [SSH_KEY.id, USER_DATA.id]);
    const doc = o.sim.state.vms.get(Number(vm.id))!;
    const context = doc.template.find((a) => a.name === 'CONTEXT')!.value as Record<string, string>;
    assert.deepEqual([context.SSH_PUBLIC_KEY, context.USER_DATA, context.USERDATA_ENCODING, context.SET_HOSTNAME], ['ssh-ed25519 AAAAC3Nza alice@laptop', userdata, 'base64', 'web-1']);
    assert.deepEqual(['VCPU', 'CPU', 'MEMORY'].map((k) => doc.template.find((a) => a.name === k)?.value), ['2', '2', '1536']);
    assert.ok(vm.mixins.includes(SSH_KEY.id) && vm.mixins.includes(USER_DATA.id));
    assert.deepEqual([vm.attributes['occi.compute.userdata'], vm.attributes['occi.compute.hostname'], vm.attributes['occi.compute.cores'], vm.attributes['occi.compute.memory']], [userdata, 'web-1', 2, 1.5]);
    assert.equal((vm as Resource).links.length, 0, "the template's NIC is not used: a compute has the interfaces its links say");
  });

  it("puts OpenStack's 1.1-era public_key and user_data into CONTEXT too, and shows them under the mixins the client named", async () => {
    const { one } = drafts(o);
    const vm = await one(COMPUTE, {
      'org.openstack.credentials.publickey.name': 'default', 'org.openstack.credentials.publickey.data': 'ssh-ed25519 AAAAC3Nza alice@laptop',
      'org.openstack.compute.user_data': 'I2Nsb3VkLWNvbmZpZwo=',
    }, [OPENSTACK_PUBLIC_KEY.id, OPENSTACK_USER_DATA.id]);
    const context = o.sim.state.vms.get(Number(vm.id))!.template.find((a) => a.name === 'CONTEXT')!.value as Record<string, string>;
    assert.deepEqual([context.SSH_PUBLIC_KEY, context.USER_DATA], ['ssh-ed25519 AAAAC3Nza alice@laptop', 'I2Nsb3VkLWNvbmZpZwo=']);
    for (const e of [vm, (await o.backend.get(o.users.alice, vm.location))!]) {
      assert.deepEqual(e.mixins.filter((m) => [SSH_KEY.id, USER_DATA.id, OPENSTACK_PUBLIC_KEY.id, OPENSTACK_USER_DATA.id].includes(m)), [OPENSTACK_PUBLIC_KEY.id, OPENSTACK_USER_DATA.id]);
      assert.deepEqual(Object.fromEntries(Object.entries(e.attributes).filter(([n]) => /publickey|user_?data/.test(n))), {
        'org.openstack.credentials.publickey.name': 'default', 'org.openstack.credentials.publickey.data': 'ssh-ed25519 AAAAC3Nza alice@laptop',
        'org.openstack.compute.user_data': 'I2Nsb3VkLWNvbmZpZwo=',
      });
    }
    // The client's own view sent back (a PUT naming the mixins it created with) changes nothing: no 501 for a context change.
    const read = (await o.backend.get(o.users.alice, vm.location))!;
    const own = [...read.mixins.filter((m) => ![SSH_KEY.id, USER_DATA.id, OPENSTACK_PUBLIC_KEY.id, OPENSTACK_USER_DATA.id].includes(m)), OPENSTACK_PUBLIC_KEY.id, OPENSTACK_USER_DATA.id];
    assert.deepEqual(await o.backend.update(o.users.alice, [{ before: read, after: { ...read, mixins: own } }]), [read]);
  });

  it('refuses what OpenNebula cannot do with 501 naming it, before anything changes', async () => {
    const { one } = drafts(o);
    const [net, disk, vm] = [await one(NETWORK), await one(STORAGE, { 'occi.storage.size': 1 }), await one(COMPUTE)];
    o.sim.settle();
    await assert.rejects(o.backend.invoke(o.users.alice, [net.location], NETWORK.actions[0], {}), (e: unknown) => e instanceof NotImplementedError && /no up\/down/.test(e.message));
    await assert.rejects(o.backend.invoke(o.users.alice, [disk.location], STORAGE.actions[0], {}), (e: unknown) => e instanceof NotImplementedError && /online\/offline/.test(e.message));
    const current = (await o.backend.get(o.users.alice, vm.location))!;
    const change = (attributes: Attributes) => ({ before: current, after: { ...current, attributes: { ...current.attributes, ...attributes } } });
    await assert.rejects(o.backend.update(o.users.alice, [change({ 'occi.compute.hostname': 'other', 'occi.core.title': 'renamed' })]), NotImplementedError);
    assert.notEqual((await o.backend.get(o.users.alice, vm.location))!.attributes['occi.core.title'], 'renamed');
    await assert.rejects(o.backend.update(o.users.alice, [change({ 'occi.compute.cores': 4 })]), (e: unknown) => e instanceof ConflictError && /Cannot resize a VM in state RUNNING/.test(e.message));
    await assert.rejects(o.backend.create(o.users.alice, [drafts(o).draft(COMPUTE)], '/compute/mine'), NotImplementedError);
    const stored = await o.backend.update(o.users.alice, [change({ 'occi.core.title': 'renamed', 'occi.core.summary': 'web server' })]);
    assert.deepEqual([stored[0].attributes['occi.core.title'], stored[0].attributes['occi.core.summary']], ['renamed', 'web server']);
  });

  it('refuses a link to a storage that is not a persistent datablock, and to a network bob cannot use', async () => {
    const { one } = drafts(o);
    const imageId = [...o.sim.state.images.values()].find((i) => i.name === 'debian12')!.id;
    await assert.rejects(one(COMPUTE, {}, [], [{ target: `/storage/${imageId}` }]), ValidationError);
    const net = await one(NETWORK);
    await assert.rejects(one(COMPUTE, {}, [], [{ target: net.location }], o.users.bob), (e: unknown) => e instanceof ValidationError && /no network at/.test(e.message));
  });
});

describe('opennebula backend, upstream calls', () => {
  let o: OnedSubject;
  const bodies: string[] = [];
  before(async () => {
    const recording: typeof fetch = async (url, init) => {
      bodies.push(String(init?.body));
      return fetch(url, init);
    };
    o = await onedSubject({ stepMode: 'immediate' }, { fetch: recording });
  });
  after(() => o.teardown());

  const callsOf = async (fn: () => Promise<unknown>): Promise<string[]> => {
    const from = o.sim.calls.length;
    await fn();
    return o.sim.calls.slice(from);
  };

  it('lists with one pool call per collection whatever the number of VMs, gets with one call, and caches templates', async () => {
    const { one } = drafts(o);
    assert.deepEqual(await callsOf(() => o.backend.refresh(o.model, o.users.alice)), ['one.templatepool.info']);
    assert.deepEqual(await callsOf(() => o.backend.refresh(o.model, o.users.alice)), [], 'served from the per-user cache');
    const vm = await one(COMPUTE);
    const list = () => o.backend.list(o.users.alice, { kinds: [COMPUTE.id], detail: 'entities' });
    assert.deepEqual(await callsOf(list), ['one.vmpool.infoextended']);
    for (let i = 0; i < 20; i++) await one(COMPUTE);
    assert.deepEqual(await callsOf(list), ['one.vmpool.infoextended']);
    assert.deepEqual(await callsOf(() => o.backend.list(o.users.alice, { detail: 'entities' })), ['one.vmpool.infoextended', 'one.vnpool.info', 'one.imagepool.info']);
    assert.deepEqual(await callsOf(() => o.backend.get(o.users.alice, vm.location)), ['one.vm.info']);
    assert.deepEqual(await callsOf(() => one(COMPUTE)), ['one.vm.allocate', 'one.vm.info']);
  });

  it('pages computes by marker: the next page asks oned only for the VMs after the last one', async () => {
    const first = await o.backend.list(o.users.alice, { kinds: [COMPUTE.id], limit: 5, detail: 'locations' });
    assert.ok(first.next?.startsWith('compute/'));
    const lastId = Number(first.next!.slice('compute/'.length));
    const second = await o.backend.list(o.users.alice, { kinds: [COMPUTE.id], limit: 5, cursor: first.next, detail: 'locations' });
    const ids = second.locations.map((l) => Number(l.slice('/compute/'.length)));
    assert.equal(ids.length, 5);
    assert.ok(ids.every((id) => id > lastId), `${ids.join()} after ${lastId}`);
    // one.vmpool.infoextended(session, -3 (mine), start = marker + 1, end = -1 (no end), state = -1 (all but DONE))
    assert.match(bodies.at(-1)!, new RegExp(`one\\.vmpool\\.infoextended.*<int>-3</int>.*<int>${lastId + 1}</int>.*<int>-1</int>.*<int>-1</int>`));
    await assert.rejects(o.backend.list(o.users.alice, { kinds: [COMPUTE.id], limit: 5, cursor: 'nonsense', detail: 'locations' }), ValidationError);
  });
});

describe('opennebula backend, who calls oned', () => {
  it('authenticates users by oned (one.user.info), undefined for a wrong password, 503 when oned is away', async () => {
    const o = await onedSubject();
    try {
      assert.deepEqual(await o.backend.authenticate({ scheme: 'basic', user: 'alice', password: 'alice-pw' }), { user: 'alice', groups: ['users'] });
      assert.equal(await o.backend.authenticate({ scheme: 'basic', user: 'alice', password: 'nope' }), undefined);
      await assert.rejects(o.backend.get({ user: 'alice', owner: 'alice', admin: false }, '/compute/0'), AuthenticationError);
      assert.deepEqual(await o.backend.health(), { ok: true });
    } finally {
      await o.teardown();
    }
    await assert.rejects(o.backend.authenticate({ scheme: 'basic', user: 'alice', password: 'alice-pw' }), BackendUnavailableError);
  });

  it('acts for users as a server identity with one login token per user, creating them on first sight', async () => {
    const o = await onedSubject({ stepMode: 'immediate' }, { mapping: 'server', serverUser: 'serveradmin', serverPassword: 'serveradmin' });
    try {
      const carol = { user: '/C=DE/O=Example/CN=Carol', owner: '/C=DE/O=Example/CN=Carol', admin: false };
      const from = o.sim.calls.length;
      await o.backend.refresh(o.model, carol);
      assert.deepEqual(o.sim.calls.slice(from), ['one.user.login', 'one.user.allocate', 'one.user.login', 'one.templatepool.info']);
      const { one } = drafts(o);
      const vm = await one(COMPUTE, {}, [], [], carol);
      const owner = o.sim.state.users.get(o.sim.state.vms.get(Number(vm.id))!.uid)!;
      assert.match(owner.name, /^occi-[0-9a-f]{16}$/);
      assert.equal(owner.authDriver, 'core');
      const again = o.sim.calls.length;
      assert.equal((await o.backend.get(carol, vm.location))?.location, vm.location);
      assert.deepEqual(o.sim.calls.slice(again), ['one.vm.info'], 'the token is reused');
      const dave = { user: 'dave', owner: 'dave', admin: false };
      assert.equal(await o.backend.get(dave, vm.location), undefined);
      assert.ok(o.sim.state.userByName('dave'), 'dave is an OpenNebula user now');
      assert.equal((await o.backend.get({ ...dave, admin: true }, vm.location))?.location, vm.location);
    } finally {
      await o.teardown();
    }
  });

  it('says in health() that oned cannot be reached, and keeps serving the last templates in refresh()', async () => {
    const o = await onedSubject();
    await o.backend.refresh(o.model, o.users.alice);
    const offered = o.model.visibleTo('alice').mixins.filter((m) => templateFamily(m) === OS_TPL).length;
    await o.sim.close();
    await o.backend.refresh(o.model, o.users.alice);
    assert.equal(o.model.visibleTo('alice').mixins.filter((m) => templateFamily(m) === OS_TPL).length, offered);
    const health = await o.backend.health();
    assert.equal(health.ok, false);
    assert.match(health.detail!, /OpenNebula \(oned\) at http:\/\/127\.0\.0\.1:\d+\/RPC2: .*unreachable/);
    await o.backend.stop();
  });
});
