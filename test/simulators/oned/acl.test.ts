import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { list, rejectsOned, sessionFor, type Session } from './_harness.js';
import { CODE } from './rpc.js';
import { startOnedSimulator, type OnedSimulator } from './server.js';

describe('ownership and ACLs', () => {
  let sim: OnedSimulator;
  let admin: Session;
  let alice: Session;
  let bob: Session;
  let adminVm: number;
  let aliceVm: number;
  let bobVm: number;

  before(async () => {
    sim = await startOnedSimulator({ stepMode: 'immediate' });
    admin = sessionFor(sim, sim.users.oneadmin.session);
    alice = sessionFor(sim, sim.users.alice.session);
    bob = sessionFor(sim, sim.addUser({ name: 'bob', password: 'bob-pw' }).session);
    adminVm = Number(await admin.rpc('one.template.instantiate', 2, 'admin-vm', false, ''));
    aliceVm = Number(await alice.rpc('one.template.instantiate', 0, 'alice-vm', false, ''));
    bobVm = Number(await bob.rpc('one.template.instantiate', 1, 'bob-vm', false, ''));
  });
  after(() => sim.close());

  const vmIds = async (s: Session, flag: number): Promise<number[]> =>
    list(await s.doc('one.vmpool.infoextended', 'VM_POOL', flag, -1, -1, -1), 'VM').map((v) => Number(v.ID));

  it('lets each user list only their own VMs, whatever the filter flag', async () => {
    for (const flag of [-4, -3, -2, -1]) {
      assert.deepEqual(await vmIds(alice, flag), [aliceVm], `alice, flag ${flag}`);
      assert.deepEqual(await vmIds(bob, flag), [bobVm], `bob, flag ${flag}`);
    }
    assert.deepEqual(await vmIds(alice, sim.users.oneadmin.id), [], "alice asking for oneadmin's VMs");
    assert.deepEqual(await vmIds(admin, -2), [adminVm, aliceVm, bobVm]);
    assert.deepEqual(await vmIds(admin, -3), [adminVm]);
    assert.deepEqual(await vmIds(admin, sim.users.alice.id), [aliceVm]);
  });

  it("refuses alice's info and actions on oneadmin's or bob's VMs with AUTHORIZATION", async () => {
    for (const [id, owner] of [[adminVm, 'oneadmin'], [bobVm, 'bob']] as const) {
      const err = await rejectsOned(alice.rpc('one.vm.info', id), CODE.AUTHORIZATION,
        `[one.vm.info] User [${sim.users.alice.id}] : Not authorized to perform USE VM [${id}].`);
      assert.equal(err.objectId, id, owner);
      await rejectsOned(alice.rpc('one.vm.action', 'terminate-hard', id), CODE.AUTHORIZATION, /Not authorized to perform MANAGE VM/);
      await rejectsOned(alice.rpc('one.vm.attachnic', id, 'NIC = [ NETWORK_ID = 0 ]'), CODE.AUTHORIZATION, /MANAGE VM/);
      await rejectsOned(alice.rpc('one.vm.update', id, 'X = 1'), CODE.AUTHORIZATION, /MANAGE VM/);
    }
    assert.equal(sim.state.vms.get(bobVm)?.state, 3, "bob's VM untouched");
    await rejectsOned(alice.rpc('one.vm.action', 'resched', aliceVm), CODE.AUTHORIZATION, /Not authorized to perform ADMIN VM/);
    await rejectsOned(alice.rpc('one.vm.info', 999), CODE.NO_EXISTS, '[one.vm.info] Error getting virtual machine [999].');
  });

  it('shows templates, images and networks by group and other permissions', async () => {
    const names = async (s: Session, method: string, root: string, entry: string, flag: number) =>
      list(await s.doc(method, root, flag, -1, -1), entry).map((o) => o.NAME);
    assert.deepEqual(await names(alice, 'one.templatepool.info', 'VMTEMPLATE_POOL', 'VMTEMPLATE', -2), ['debian12', 'ubuntu24', 'alpine']);
    assert.deepEqual(await names(alice, 'one.templatepool.info', 'VMTEMPLATE_POOL', 'VMTEMPLATE', -4), ['debian12', 'ubuntu24']);
    assert.deepEqual(await names(alice, 'one.templatepool.info', 'VMTEMPLATE_POOL', 'VMTEMPLATE', -3), []);
    assert.deepEqual(await names(alice, 'one.vnpool.info', 'VNET_POOL', 'VNET', -2), ['public', 'private']);
    assert.deepEqual(await names(alice, 'one.vnpool.info', 'VNET_POOL', 'VNET', -1), ['private']);
    const stranger = sessionFor(sim, sim.addUser({ name: 'carol', password: 'carol-pw', gid: 0 }).session);
    assert.equal((await names(stranger, 'one.templatepool.info', 'VMTEMPLATE_POOL', 'VMTEMPLATE', -2)).length, 3, 'oneadmin group sees all');
    const gid = sim.state.takeId('group');
    sim.state.groups.set(gid, { id: gid, name: 'others', template: [] });
    const outsider = sessionFor(sim, sim.addUser({ name: 'dave', password: 'dave-pw', gid }).session);
    assert.deepEqual(await names(outsider, 'one.templatepool.info', 'VMTEMPLATE_POOL', 'VMTEMPLATE', -2), ['alpine']);
    assert.deepEqual(await names(outsider, 'one.imagepool.info', 'IMAGE_POOL', 'IMAGE', -2), ['alpine']);
    assert.deepEqual(await names(outsider, 'one.vnpool.info', 'VNET_POOL', 'VNET', -2), ['public']);
    await rejectsOned(outsider.rpc('one.template.instantiate', 0, '', false, ''), CODE.AUTHORIZATION, /USE TEMPLATE \[0\]/);
  });

  it('refuses instantiating a template, or using a network, the user may not use', async () => {
    const privateTpl = Number(await admin.rpc('one.template.allocate', 'NAME = "secret"\nCPU = 1\nMEMORY = 128'));
    await rejectsOned(alice.rpc('one.template.instantiate', privateTpl, '', false, ''), CODE.AUTHORIZATION,
      `[one.template.instantiate] User [${sim.users.alice.id}] : Not authorized to perform USE TEMPLATE [${privateTpl}].`);
    const adminNet = Number(await admin.rpc('one.vn.allocate', 'NAME = "admin-only"\nVN_MAD = "bridge"\nAR = [ TYPE = IP4, IP = 203.0.113.1, SIZE = 4 ]', -1));
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.allocate', `CPU = 1\nMEMORY = 64\nNIC = [ NETWORK_ID = ${adminNet} ]`), CODE.AUTHORIZATION,
      `[one.vm.allocate] User [${sim.users.alice.id}] : Not authorized to perform USE NET [${adminNet}].`);
    await rejectsOned(alice.rpc('one.vn.info', adminNet), CODE.AUTHORIZATION, /USE NET/);
  });

  it('checks the session: wrong password, unknown user, disabled user; tokens from one.user.login', async () => {
    const message = "[one.system.version] User couldn't be authenticated, aborting call.";
    for (const session of ['alice:wrong', 'nobody:x', 'alice', '']) {
      const err = await rejectsOned(sessionFor(sim, session).rpc('one.system.version'), CODE.AUTHENTICATION, message);
      assert.equal(err.objectId, -1);
    }
    assert.equal(await alice.rpc('one.system.version'), '7.0.2');
    const serveradmin = sessionFor(sim, sim.users.serveradmin.session);
    const token = String(await serveradmin.rpc('one.user.login', 'alice', '', 60));
    assert.match(token, /^[0-9a-f]{64}$/);
    const viaToken = sessionFor(sim, `alice:${token}`);
    assert.deepEqual(list(await viaToken.doc('one.vmpool.info', 'VM_POOL', -3, -1, -1, -1), 'VM').map((v) => Number(v.ID)), [aliceVm]);
    assert.equal(list(await alice.doc('one.user.info', 'USER', -1), 'LOGIN_TOKEN').length, 1);
    await rejectsOned(bob.rpc('one.user.login', 'alice', '', 60), CODE.AUTHORIZATION, /MANAGE USER/);
    await serveradmin.rpc('one.user.login', 'alice', token, 0);
    await rejectsOned(viaToken.rpc('one.system.version'), CODE.AUTHENTICATION, message);
    sim.state.userByName('bob')!.enabled = false;
    await rejectsOned(bob.rpc('one.system.version'), CODE.AUTHENTICATION, message);
    sim.state.userByName('bob')!.enabled = true;
  });

  it('shows users their own user and group only; oneadmin sees all', async () => {
    const ids = async (s: Session) => list(await s.doc('one.userpool.info', 'USER_POOL'), 'USER').map((u) => Number(u.ID));
    assert.deepEqual(await ids(alice), [sim.users.alice.id]);
    assert.ok((await ids(admin)).length >= 4);
    assert.equal((await alice.doc('one.user.info', 'USER', -1)).NAME, 'alice');
    await rejectsOned(alice.rpc('one.user.info', 0), CODE.AUTHORIZATION, /USE USER \[0\]/);
    assert.equal((await alice.doc('one.group.info', 'GROUP', -1)).NAME, 'users');
    await rejectsOned(alice.rpc('one.group.info', 0), CODE.AUTHORIZATION, /USE GROUP \[0\]/);
    const eve = Number(await admin.rpc('one.user.allocate', 'eve', 'eve-pw', 'core', [1]));
    assert.equal((await sessionFor(sim, 'eve:eve-pw').doc('one.user.info', 'USER', -1)).ID, String(eve));
    await rejectsOned(alice.rpc('one.user.allocate', 'mallory', 'x', 'core', [0]), CODE.AUTHORIZATION, /CREATE USER/);
    await rejectsOned(admin.rpc('one.user.allocate', 'eve', 'x', 'core', []), CODE.ALLOCATE, `[one.user.allocate] Error allocating a new user. NAME is already taken by USER ${eve}.`);
  });
});
