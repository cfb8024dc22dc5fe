import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { list, rejectsOned, sessionFor, stateOf } from './_harness.js';
import { CODE } from './rpc.js';
import { startOnedSimulator, type OnedSimulator, type OnedSimulatorOptions } from './server.js';

let sim: OnedSimulator | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function start(options: OnedSimulatorOptions) {
  sim = await startOnedSimulator(options);
  const alice = sessionFor(sim, sim.users.alice.session);
  const vmState = async (id: number) => stateOf(await alice.doc('one.vm.info', 'VM', id));
  return { sim, alice, vmState };
}

describe('VM state walking', () => {
  it('info mode: each one.vm.info shows the state, then plays one step (PENDING → PROLOG → BOOT → RUNNING)', async () => {
    const { alice, vmState } = await start({ stepMode: 'info' });
    const id = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await vmState(id));
    assert.deepEqual(seen, [[1, 0], [3, 1], [3, 2], [3, 3], [3, 3]]);
  });

  it('manual mode: nothing moves until advance(), which plays one step per call', async () => {
    const { sim, alice, vmState } = await start({ stepMode: 'manual' });
    const id = Number(await alice.rpc('one.template.instantiate', 2, 'm', false, ''));
    assert.deepEqual(await vmState(id), [1, 0]);
    assert.deepEqual(await vmState(id), [1, 0]);
    assert.equal(sim.advance(id), 1);
    assert.deepEqual(await vmState(id), [3, 1]);
    assert.equal(sim.settle(), 2);
    assert.deepEqual(await vmState(id), [3, 3]);
    assert.equal(sim.advance(id), 0);
  });

  it('timer mode: steps follow wall time', async () => {
    const { alice, vmState } = await start({ stepMode: 'timer', stepMs: 40 });
    const id = Number(await alice.rpc('one.template.instantiate', 2, 't', false, ''));
    assert.deepEqual(await vmState(id), [1, 0]);
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(await vmState(id), [3, 3]);
  });

  it('plays poweroff, resume, suspend, stop, undeploy and terminate sequences of xml-rpc.md §5.1', async () => {
    const { sim, alice, vmState } = await start({ stepMode: 'manual' });
    const id = Number(await alice.rpc('one.template.instantiate', 0, '', false, ''));
    sim.settle();
    const run = async (action: string): Promise<number[][]> => {
      await alice.rpc('one.vm.action', action, id);
      const states = [await vmState(id)];
      while (sim.advance(id) > 0) states.push(await vmState(id));
      return states;
    };
    assert.deepEqual(await run('poweroff'), [[3, 18], [8, 0]]);
    assert.deepEqual(await run('resume'), [[3, 20], [3, 3]]);
    assert.deepEqual(await run('reboot-hard'), [[3, 3]]);
    assert.deepEqual(await run('suspend'), [[3, 6], [5, 0]]);
    assert.deepEqual(await run('stop'), [[3, 10], [4, 0]]);
    assert.deepEqual(await run('resume'), [[1, 0], [3, 9], [3, 22], [3, 3]]);
    assert.deepEqual(await run('undeploy-hard'), [[3, 29], [3, 30], [9, 0]]);
    assert.deepEqual(await run('resume'), [[1, 0], [3, 31], [3, 32], [3, 3]]);
    assert.deepEqual(await run('terminate-hard'), [[3, 12], [3, 11], [6, 0]]);
    const vm = await alice.doc('one.vm.info', 'VM', id);
    assert.ok(Number(vm.ETIME) > 0, 'ETIME set at DONE');
    const history = list(vm, 'HISTORY_RECORDS', 'HISTORY');
    assert.equal(history.length, 3, 'one record per deployment');
    assert.ok(history.every((h) => Number(h.ETIME) > 0));
    assert.equal(history[2].ACTION, '28');
  });

  it('on hold: HOLD until release; terminate from PENDING/HOLD is DONE at once', async () => {
    const { sim, alice, vmState } = await start({ stepMode: 'manual' });
    const held = Number(await alice.rpc('one.template.instantiate', 2, 'h', true, ''));
    assert.deepEqual(await vmState(held), [2, 0]);
    assert.equal(sim.advance(held), 0);
    await alice.rpc('one.vm.action', 'release', held);
    assert.deepEqual(await vmState(held), [1, 0]);
    await alice.rpc('one.vm.action', 'hold', held);
    assert.deepEqual(await vmState(held), [2, 0]);
    await alice.rpc('one.vm.action', 'terminate', held);
    assert.deepEqual(await vmState(held), [6, 0]);
    const pending = Number(await alice.rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 64'));
    await alice.rpc('one.vm.action', 'terminate', pending);
    assert.deepEqual(await vmState(pending), [6, 0]);
    assert.equal(sim.advance(pending), 0, 'the deploy steps were dropped');
  });
});

describe('actions in the wrong state', () => {
  it("answer ACTION with oned's message, the object ID as element 3", async () => {
    const { sim, alice } = await start({ stepMode: 'manual' });
    const id = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    const err = await rejectsOned(alice.rpc('one.vm.action', 'poweroff', id), CODE.ACTION,
      '[one.vm.action] Error performing action "poweroff": This action is not available for state PENDING');
    assert.equal(err.objectId, id);
    sim.advance(id);
    await rejectsOned(alice.rpc('one.vm.action', 'terminate', id), CODE.ACTION, `[one.vm.action] Could not terminate VM ${id}, wrong state PROLOG.`);
    await rejectsOned(alice.rpc('one.vm.action', 'resume', id), CODE.ACTION, /not available for state PROLOG$/);
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.action', 'resume', id), CODE.ACTION, /"resume": This action is not available for state RUNNING/);
    await rejectsOned(alice.rpc('one.vm.action', 'release', id), CODE.ACTION, /state RUNNING/);
    await alice.rpc('one.vm.action', 'poweroff', id);
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.action', 'suspend', id), CODE.ACTION, /"suspend": This action is not available for state POWEROFF/);
    await rejectsOned(alice.rpc('one.vm.action', 'reboot', id), CODE.ACTION, /state POWEROFF/);
    await rejectsOned(alice.rpc('one.vm.attachnic', id, 'NIC = [ NETWORK_ID = 9 ]'), CODE.ACTION, '[one.vm.attachnic] Error getting virtual network [9].');
    await alice.rpc('one.vm.action', 'terminate', id);
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.action', 'resume', id), CODE.ACTION, /state DONE/);
    assert.equal(await alice.rpc('one.vm.action', 'terminate', id), id, 'terminate on DONE is a no-op');
  });

  it('rejects unknown actions, hotplugs and resizes outside their states', async () => {
    const { sim, alice } = await start({ stepMode: 'manual' });
    const id = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    await rejectsOned(alice.rpc('one.vm.action', 'migrate', id), CODE.ACTION, '[one.vm.action] Action "migrate" is not supported');
    await rejectsOned(alice.rpc('one.vm.attach', id, 'DISK = [ TYPE = fs, SIZE = 10 ]'), CODE.ACTION,
      `[one.vm.attach] Could not attach a new disk to VM ${id}, wrong state PENDING.`);
    await rejectsOned(alice.rpc('one.vm.detach', id, 0), CODE.ACTION, `[one.vm.detach] Could not detach disk from VM ${id}, wrong state PENDING.`);
    await rejectsOned(alice.rpc('one.vm.attachnic', id, 'NIC = [ NETWORK_ID = 0 ]'), CODE.ACTION,
      `[one.vm.attachnic] Could not add a new NIC to VM ${id}, wrong state PENDING.`);
    await rejectsOned(alice.rpc('one.vm.disksaveas', id, 0, 'x', '', -1), CODE.INTERNAL,
      '[one.vm.disksaveas] VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.');
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.resize', id, 'MEMORY = 1024', false), CODE.ACTION, '[one.vm.resize] Cannot resize a VM in state RUNNING');
    await rejectsOned(alice.rpc('one.vm.detach', id, 7), CODE.ACTION, '[one.vm.detach] Could not detach disk with DISK_ID 7, it does not exist.');
    await rejectsOned(alice.rpc('one.vm.detachnic', id, 3), CODE.ACTION, '[one.vm.detachnic] Could not detach NIC with NIC_ID 3, it does not exist.');
    await rejectsOned(alice.rpc('one.vm.update', id, 'A = 1', 2), CODE.XML_RPC_API, '[one.vm.update] Wrong update type');
    await alice.rpc('one.vm.action', 'undeploy', id);
    sim.settle();
    await rejectsOned(alice.rpc('one.vm.resize', id, 'CPU = -1'), CODE.INTERNAL, '[one.vm.resize] CPU must be a positive float or integer value.');
    await alice.rpc('one.vm.resize', id, 'CPU = 2\nMEMORY = 768\nVCPU = 2');
    const tpl = (await alice.doc('one.vm.info', 'VM', id)).TEMPLATE as Record<string, string>;
    assert.deepEqual([tpl.CPU, tpl.MEMORY, tpl.VCPU], ['2', '768', '2']);
  });
});

describe('pools and DONE VMs', () => {
  it('hides DONE VMs unless the state filter is -2, and one.vm.info still answers for them', async () => {
    const { sim, alice } = await start({ stepMode: 'immediate' });
    const gone = Number(await alice.rpc('one.template.instantiate', 2, 'gone', false, ''));
    const live = Number(await alice.rpc('one.template.instantiate', 2, 'live', false, ''));
    await alice.rpc('one.vm.action', 'terminate-hard', gone);
    const ids = async (state: number) => list(await alice.doc('one.vmpool.info', 'VM_POOL', -3, -1, -1, state), 'VM').map((v) => Number(v.ID));
    assert.deepEqual(await ids(-1), [live]);
    assert.deepEqual(await ids(-2), [gone, live]);
    assert.deepEqual(await ids(6), [gone]);
    assert.deepEqual(await ids(3), [live]);
    assert.equal((await alice.doc('one.vm.info', 'VM', gone)).STATE, '6');
    await rejectsOned(alice.rpc('one.vmpool.info', -3, -1, -1, 12), CODE.XML_RPC_API, '[one.vmpool.info] Incorrect filter_flag, state');
    await rejectsOned(alice.rpc('one.vmpool.info', -5, -1, -1, -1), CODE.XML_RPC_API, '[one.vmpool.info] Incorrect filter_flag');
    await rejectsOned(alice.rpc('one.vmpool.info', -3, -1, -1, -1, 'NAME=live'), CODE.INTERNAL, /JSON query search is not supported/);
    assert.ok(sim.state.vms.has(gone));
  });

  it('selects ID ranges and pages', async () => {
    const { alice } = await start({ stepMode: 'immediate' });
    for (let i = 0; i < 5; i++) await alice.rpc('one.template.instantiate', 2, `p${i}`, false, '');
    const ids = async (start: number, end: number) =>
      list(await alice.doc('one.vmpool.infoextended', 'VM_POOL', -3, start, end, -1), 'VM').map((v) => Number(v.ID));
    assert.deepEqual(await ids(-1, -1), [0, 1, 2, 3, 4]);
    assert.deepEqual(await ids(2, -1), [2, 3, 4]);
    assert.deepEqual(await ids(1, 3), [1, 2, 3]);
    assert.deepEqual(await ids(0, -2), [0, 1]);
    assert.deepEqual(await ids(2, -2), [2, 3]);
    assert.deepEqual(await ids(4, -2), [4]);
  });
});
