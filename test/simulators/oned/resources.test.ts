import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { OneObject } from '../../../src/backends/opennebula/document.js';
import { list, rejectsOned, sessionFor } from './_harness.js';
import { CODE } from './rpc.js';
import { startOnedSimulator, type OnedSimulator, type OnedSimulatorOptions } from './server.js';

let sim: OnedSimulator | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function start(options: OnedSimulatorOptions = {}) {
  sim = await startOnedSimulator({ stepMode: 'immediate', ...options });
  return { sim, admin: sessionFor(sim, sim.users.oneadmin.session), alice: sessionFor(sim, sim.users.alice.session) };
}

const leases = (vn: OneObject): Array<{ ip: string; mac: string; vm: number }> =>
  list(vn, 'AR_POOL', 'AR').flatMap((ar) => list(ar, 'LEASES', 'LEASE')).map((l) => ({ ip: String(l.IP), mac: String(l.MAC), vm: Number(l.VM) }));

describe('network leases', () => {
  it('takes the first free address of the range with its MAC, and gives it back when the VM is DONE', async () => {
    const { alice } = await start();
    const a = Number(await alice.rpc('one.template.instantiate', 0, 'a', false, ''));
    const b = Number(await alice.rpc('one.template.instantiate', 0, 'b', false, ''));
    assert.deepEqual(leases(await alice.doc('one.vn.info', 'VNET', 0)), [
      { ip: '192.0.2.10', mac: '02:00:c0:00:02:0a', vm: a }, { ip: '192.0.2.11', mac: '02:00:c0:00:02:0b', vm: b },
    ]);
    const nic = list(await alice.doc('one.vm.info', 'VM', b), 'TEMPLATE', 'NIC')[0];
    assert.deepEqual([nic.IP, nic.MAC, nic.NETWORK, nic.NIC_ID, nic.TARGET], ['192.0.2.11', '02:00:c0:00:02:0b', 'public', '0', `one-${b}-0`]);
    await alice.rpc('one.vm.action', 'terminate-hard', a);
    assert.deepEqual(leases(await alice.doc('one.vn.info', 'VNET', 0)).map((l) => l.vm), [b]);
    const c = Number(await alice.rpc('one.template.instantiate', 0, 'c', false, ''));
    assert.equal(leases(await alice.doc('one.vn.info', 'VNET', 0)).find((l) => l.vm === c)?.ip, '192.0.2.10', 'the freed address is reused');
    assert.equal((await alice.doc('one.vn.info', 'VNET', 0)).USED_LEASES, '2');
  });

  it('attachnic takes a lease (the asked IP too) and fills CONTEXT; detachnic returns it', async () => {
    const { alice } = await start();
    const vm = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    await alice.rpc('one.vm.attachnic', vm, 'NIC = [ NETWORK = "private", NETWORK_UNAME = "oneadmin", IP = "198.51.100.15", MODEL = "virtio" ]');
    let doc = await alice.doc('one.vm.info', 'VM', vm);
    const nics = list(doc, 'TEMPLATE', 'NIC');
    assert.deepEqual(nics.map((n) => [n.NIC_ID, n.IP, n.MODEL]), [['0', '192.0.2.10', undefined], ['1', '198.51.100.15', 'virtio']]);
    const ctx = (doc.TEMPLATE as OneObject).CONTEXT as OneObject;
    assert.deepEqual([ctx.ETH1_IP, ctx.ETH1_MAC, ctx.ETH1_GATEWAY], ['198.51.100.15', '02:00:c6:33:64:0f', '198.51.100.1']);
    assert.deepEqual(leases(await alice.doc('one.vn.info', 'VNET', 1)), [{ ip: '198.51.100.15', mac: '02:00:c6:33:64:0f', vm }]);
    await rejectsOned(alice.rpc('one.vm.attachnic', vm, 'NIC = [ NETWORK_ID = 1, IP = "198.51.100.15" ]'), CODE.ACTION,
      '[one.vm.attachnic] Cannot get IP/MAC lease from virtual network 1.');
    await alice.rpc('one.vm.detachnic', vm, 1);
    assert.deepEqual(leases(await alice.doc('one.vn.info', 'VNET', 1)), []);
    doc = await alice.doc('one.vm.info', 'VM', vm);
    assert.equal(((doc.TEMPLATE as OneObject).CONTEXT as OneObject).ETH1_IP, undefined);
  });

  it('fails allocation with no free lease, keeping nothing half-done (no lease, no ID used)', async () => {
    const { sim, admin } = await start({ privateLeases: 2 });
    await admin.rpc('one.template.instantiate', 1, '', false, '');
    await admin.rpc('one.template.instantiate', 1, '', false, '');
    await rejectsOned(admin.rpc('one.template.instantiate', 1, '', false, ''), CODE.ALLOCATE,
      '[one.template.instantiate] Error allocating a new virtual machine template. Cannot get IP/MAC lease from virtual network 1.');
    await rejectsOned(admin.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 64\nNIC = [ NETWORK_ID = 0 ]\nNIC = [ NETWORK_ID = 1 ]'), CODE.INTERNAL,
      '[one.vm.allocate] Cannot get IP/MAC lease from virtual network 1.');
    assert.equal(leases(await admin.doc('one.vn.info', 'VNET', 0)).length, 0, 'the first NIC lease was rolled back');
    assert.equal(list(await admin.doc('one.image.info', 'IMAGE', 1), 'VMS', 'ID').length, 2);
    assert.equal(Number(await admin.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 64')), 2, 'IDs count on from the last VM');
    assert.equal(sim.state.vms.size, 3);
  });

  it('refuses deleting a network with leases in use, and allocates networks LOCK_CREATE → READY', async () => {
    const { sim, alice } = await start({ stepMode: 'manual' });
    const net = Number(await alice.rpc('one.vn.allocate', 'NAME = "lab"\nVN_MAD = "bridge"\nAR = [ TYPE = "IP4", IP = "203.0.113.20", SIZE = 3 ]', -1));
    assert.equal(net, 2);
    let vn = await alice.doc('one.vn.info', 'VNET', net);
    assert.deepEqual([vn.STATE, vn.AR_POOL], ['2', '']);
    sim.advance(`vnet:${net}`);
    vn = await alice.doc('one.vn.info', 'VNET', net);
    assert.equal(vn.STATE, '1');
    const vm = Number(await alice.rpc('one.vm.allocate', `CPU = 1\nMEMORY = 64\nNIC = [ NETWORK_ID = ${net} ]`));
    await rejectsOned(alice.rpc('one.vn.delete', net), CODE.ACTION,
      '[one.vn.delete] Cannot delete virtual network. Can not remove a virtual network with leases in use');
    await alice.rpc('one.vm.action', 'terminate', vm);
    await alice.rpc('one.vn.delete', net);
    sim.settle();
    await rejectsOned(alice.rpc('one.vn.info', net), CODE.NO_EXISTS, `[one.vn.info] Error getting virtual network [${net}].`);
    await rejectsOned(alice.rpc('one.vn.allocate', 'NAME = "x"', -1), CODE.INTERNAL, '[one.vn.allocate] No VN_MAD in template for Virtual Network.');
  });
});

describe('images', () => {
  it('counts RUNNING_VMS and moves READY → USED → READY with the VMs using it', async () => {
    const { alice } = await start();
    const image = async () => await alice.doc('one.image.info', 'IMAGE', 0);
    assert.deepEqual([(await image()).STATE, (await image()).RUNNING_VMS], ['1', '0']);
    const a = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    const b = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    assert.deepEqual([(await image()).STATE, (await image()).RUNNING_VMS], ['2', '2']);
    assert.deepEqual(list(await image(), 'VMS', 'ID'), [String(a), String(b)]);
    const adminSession = sessionFor(sim!, sim!.users.oneadmin.session);
    await rejectsOned(adminSession.rpc('one.image.delete', 0), CODE.ACTION, '[one.image.delete] Cannot delete image. There are 2 VMs using it.');
    await alice.rpc('one.vm.action', 'terminate-hard', a);
    await alice.rpc('one.vm.action', 'terminate-hard', b);
    assert.deepEqual([(await image()).STATE, (await image()).RUNNING_VMS], ['1', '0']);
  });

  it('allocates a datablock LOCKED → READY, attaches it persistent, detaches it, deletes it', async () => {
    const { sim, alice } = await start({ stepMode: 'manual' });
    await rejectsOned(alice.rpc('one.image.allocate', 'NAME = "x"\nTYPE = DATABLOCK\nSIZE = 10', 0), CODE.ALLOCATE,
      '[one.image.allocate] Error allocating a new image. New images can only be allocated in a files or image datastore.');
    const img = Number(await alice.rpc('one.image.allocate', 'NAME = "data"\nTYPE = DATABLOCK\nSIZE = 100', 1));
    assert.equal(img, 3);
    let doc = await alice.doc('one.image.info', 'IMAGE', img);
    assert.deepEqual([doc.STATE, doc.TYPE, doc.PERSISTENT, doc.SIZE, doc.UNAME], ['4', '2', '1', '100', 'alice']);
    await rejectsOned(alice.rpc('one.image.allocate', 'NAME = "data"\nTYPE = DATABLOCK\nSIZE = 1', 1), CODE.ALLOCATE, /NAME is already taken by IMAGE 3\./);
    const vm = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    sim.settle();
    doc = await alice.doc('one.image.info', 'IMAGE', img);
    assert.equal(doc.STATE, '1');
    await alice.rpc('one.vm.attach', vm, `DISK = [ IMAGE_ID = ${img}, DEV_PREFIX = "vd" ]`);
    const disks = list(await alice.doc('one.vm.info', 'VM', vm), 'TEMPLATE', 'DISK');
    assert.deepEqual(disks.map((d) => [d.DISK_ID, d.TARGET, d.PERSISTENT]), [['0', 'vda', undefined], ['1', 'vdb', 'YES']]);
    assert.equal((await alice.doc('one.image.info', 'IMAGE', img)).STATE, '8', 'USED_PERS');
    sim.settle();
    await alice.rpc('one.vm.detach', vm, 1);
    sim.settle();
    assert.equal((await alice.doc('one.image.info', 'IMAGE', img)).RUNNING_VMS, '0');
    await alice.rpc('one.image.chtype', img, 'OS');
    assert.equal((await alice.doc('one.image.info', 'IMAGE', img)).TYPE, '0');
    await alice.rpc('one.image.delete', img);
    sim.settle();
    await rejectsOned(alice.rpc('one.image.info', img), CODE.NO_EXISTS, `[one.image.info] Error getting image [${img}].`);
  });

  it('disksaveas makes a new image, LOCKED until the VM leaves HOTPLUG_SAVEAS', async () => {
    const { sim, alice } = await start({ stepMode: 'manual' });
    const vm = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    sim.settle();
    const img = Number(await alice.rpc('one.vm.disksaveas', vm, 0, 'snap', '', -1));
    assert.deepEqual([(await alice.doc('one.vm.info', 'VM', vm)).LCM_STATE, (await alice.doc('one.image.info', 'IMAGE', img)).STATE], ['26', '4']);
    sim.advance(vm);
    assert.deepEqual([(await alice.doc('one.vm.info', 'VM', vm)).LCM_STATE, (await alice.doc('one.image.info', 'IMAGE', img)).STATE], ['3', '1']);
    const saved = await alice.doc('one.image.info', 'IMAGE', img);
    assert.deepEqual([saved.NAME, saved.UNAME, saved.SIZE, saved.TYPE], ['snap', 'alice', '256', '0']);
  });
});

describe('quotas', () => {
  it("refuses allocations past a user's VM, CPU or MEMORY quota with AUTHORIZATION, and frees usage at DONE", async () => {
    const { sim, alice } = await start();
    const uid = sim.users.alice.id;
    sim.setQuota('alice', { VMS: 2, CPU: 1.5, MEMORY: 1536 });
    const first = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    await rejectsOned(alice.rpc('one.template.instantiate', 0, '', false, ''), CODE.AUTHORIZATION,
      `[one.template.instantiate] User [${uid}] : user [${uid}] limit of 1.5 reached for CPU quota in VM.`);
    await rejectsOned(alice.rpc('one.template.instantiate', 2, '', false, 'MEMORY = 1024'), CODE.AUTHORIZATION,
      `[one.template.instantiate] User [${uid}] : user [${uid}] limit of 1536 reached for MEMORY quota in VM.`);
    const second = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    await rejectsOned(alice.rpc('one.vm.allocate', 'CPU = 0.1\nMEMORY = 1'), CODE.AUTHORIZATION,
      `[one.vm.allocate] User [${uid}] : user [${uid}] limit of 2 reached for VMS quota in VM.`);
    const quota = (await alice.doc('one.user.info', 'USER', -1)).VM_QUOTA as OneObject;
    const entry = (quota.VM as OneObject[])[0];
    assert.deepEqual([entry.VMS, entry.VMS_USED, entry.CPU_USED, entry.MEMORY_USED], ['2', '2', '1.5', '1536']);
    await alice.rpc('one.vm.action', 'terminate-hard', second);
    await alice.rpc('one.vm.allocate', 'CPU = 0.1\nMEMORY = 1');
    assert.equal(sim.state.vms.get(first)?.state, 3);
    const admin = sessionFor(sim, sim.users.oneadmin.session);
    sim.setQuota('oneadmin', { VMS: 0 });
    assert.equal(typeof (await admin.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 1')), 'number', 'the oneadmin group has no quotas');
  });

  it('checks resize against the quota too', async () => {
    const { sim, alice } = await start();
    sim.setQuota('alice', { MEMORY: 1024 });
    const vm = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    await alice.rpc('one.vm.action', 'poweroff-hard', vm);
    await rejectsOned(alice.rpc('one.vm.resize', vm, 'MEMORY = 2048', true), CODE.AUTHORIZATION, /limit of 1024 reached for MEMORY quota in VM\.$/);
    await alice.rpc('one.vm.resize', vm, 'MEMORY = 1024', true);
  });
});

describe('templates and template validation', () => {
  it('merges the extra template (a vector replaces the whole attribute) and names the VM after the template', async () => {
    const { alice } = await start();
    const vm = Number(await alice.rpc('one.template.instantiate', 0, '', false, 'MEMORY = 2048\nNIC = [ NETWORK_ID = 1 ]\nOCCI_ID = "x"'));
    const doc = await alice.doc('one.vm.info', 'VM', vm);
    const tpl = doc.TEMPLATE as OneObject;
    assert.deepEqual([doc.NAME, tpl.MEMORY, tpl.CPU, tpl.TEMPLATE_ID], [`debian12-${vm}`, '2048', '1', '0']);
    assert.deepEqual(list(doc, 'TEMPLATE', 'NIC').map((n) => n.NETWORK), ['private']);
    assert.equal((doc.USER_TEMPLATE as OneObject).OCCI_ID, 'x');
  });

  it('answers bad templates per method: INTERNAL for vm.allocate, ALLOCATE for template.instantiate', async () => {
    const { alice } = await start();
    await rejectsOned(alice.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 0'), CODE.INTERNAL, '[one.vm.allocate] MEMORY attribute must be a positive integer value.');
    await rejectsOned(alice.rpc('one.vm.allocate', 'MEMORY = 64'), CODE.INTERNAL, '[one.vm.allocate] CPU attribute must be a positive float or integer value.');
    await rejectsOned(alice.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 64\nVCPU = 1.5'), CODE.INTERNAL, /VCPU attribute must be a positive integer value\./);
    await rejectsOned(alice.rpc('one.vm.allocate', 'NAME = "a/b"\nCPU = 1\nMEMORY = 64'), CODE.INTERNAL, "[one.vm.allocate] Invalid NAME, char '/' is not allowed");
    await rejectsOned(alice.rpc('one.vm.allocate', 'CPU = [ A = 1'), CODE.INTERNAL, /^\[one\.vm\.allocate\] syntax error/);
    await rejectsOned(alice.rpc('one.template.instantiate', 0, 'bad:name', false, ''), CODE.ALLOCATE,
      "[one.template.instantiate] Error allocating a new virtual machine template. Invalid NAME, char ':' is not allowed");
    await rejectsOned(alice.rpc('one.template.instantiate', 0, '', false, 'VCPU = 0'), CODE.ALLOCATE,
      '[one.template.instantiate] Error allocating a new virtual machine template. VCPU attribute must be a positive integer value.');
    await rejectsOned(alice.rpc('one.template.instantiate', 42, '', false, ''), CODE.NO_EXISTS,
      '[one.template.instantiate] Error getting virtual machine template [42].');
    const viaXml = Number(await alice.rpc('one.vm.allocate', '<TEMPLATE><CPU>1</CPU><MEMORY>64</MEMORY><CONTEXT><USER_DATA>a&amp;b</USER_DATA></CONTEXT></TEMPLATE>'));
    const ctx = (await alice.doc('one.vm.info', 'VM', viaXml)).TEMPLATE as OneObject;
    assert.equal((ctx.CONTEXT as OneObject).USER_DATA, 'a&b');
  });
});
