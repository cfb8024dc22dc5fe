import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sessionFor, type Session } from './_harness.js';
import { validate } from './_xsd.js';
import { startOnedSimulator, type OnedSimulator } from './server.js';

const EXAMPLES = new URL('../../../../shared/opennebula/examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8').trim();

describe('XSD harness on ../shared/opennebula/examples', () => {
  const cases: Array<[file: string, schema: string]> = [
    ['vm.info.xml', 'vm.xsd'], ['vmpool.info.xml', 'vm_pool.xsd'], ['template.info.xml', 'vmtemplate.xsd'],
    ['templatepool.info.xml', 'vmtemplate_pool.xsd'], ['image.info.xml', 'image.xsd'], ['imagepool.info.xml', 'image_pool.xsd'],
    ['vn.info.xml', 'vnet.xsd'], ['vnpool.info.xml', 'vnet_pool.xsd'], ['user.info.xml', 'user.xsd'], ['group.info.xml', 'group.xsd'],
  ];
  for (const [file, schema] of cases) {
    it(`accepts ${file} against ${schema}`, async () => {
      assert.deepEqual(await validate(schema, [{ name: file, xml: example(file) }]), []);
    });
  }

  it('rejects a document with an element out of order or missing (the harness can fail)', async () => {
    const swapped = example('vm.info.xml').replace('<STATE>3</STATE><LCM_STATE>3</LCM_STATE>', '<LCM_STATE>3</LCM_STATE><STATE>3</STATE>');
    assert.notEqual((await validate('vm.xsd', [{ name: 'swapped', xml: swapped }])).length, 0);
    const missing = example('image.info.xml').replace(/<RUNNING_VMS>0<\/RUNNING_VMS>/, '');
    assert.notEqual((await validate('image.xsd', [{ name: 'missing', xml: missing }])).length, 0);
    assert.notEqual((await validate('vm.xsd', [{ name: 'wrong root', xml: example('image.info.xml') }])).length, 0);
  });
});

describe('every document the simulator produces validates against its XSD', () => {
  let sim: OnedSimulator;
  const docs = new Map<string, Array<{ name: string; xml: string }>>();
  const add = (schema: string, name: string, xml: string): void => {
    if (!docs.has(schema)) docs.set(schema, []);
    docs.get(schema)!.push({ name, xml });
  };
  const visited = new Set<string>();

  before(async () => {
    sim = await startOnedSimulator({ stepMode: 'manual' });
    const admin = sessionFor(sim, sim.users.oneadmin.session);
    const alice = sessionFor(sim, sim.users.alice.session);
    const vmInfo = async (s: Session, id: number, label: string): Promise<void> => {
      const xml = String(await s.rpc('one.vm.info', id));
      add('vm.xsd', `vm ${id} ${label}`, xml);
      visited.add(label);
    };
    /** Plays the VM's queue step by step, keeping each state's document. */
    const walk = async (id: number): Promise<void> => {
      for (let i = 0; i < 10 && sim.advance(id) > 0; i++) {
        const vm = sim.state.vms.get(id)!;
        await vmInfo(alice, id, `${vm.state}/${vm.lcm}`);
      }
    };
    const at = async (id: number): Promise<void> => {
      const vm = sim.state.vms.get(id)!;
      await vmInfo(alice, id, `${vm.state}/${vm.lcm}`);
    };

    const vm = Number(await alice.rpc('one.template.instantiate', 0, 'walker', false,
      'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]", USER_DATA = "I2Nsb3VkLWNvbmZpZwo=", USERDATA_ENCODING = "base64" ]\nLABELS = "a<b & c>d"'));
    await at(vm);
    await walk(vm);
    const image = Number(await alice.rpc('one.image.allocate', 'NAME = "scratch"\nTYPE = "DATABLOCK"\nSIZE = 512', 1));
    add('image.xsd', 'image LOCKED', String(await alice.rpc('one.image.info', image)));
    sim.settle();
    for (const [method, param] of [['one.vm.attach', `DISK = [ IMAGE_ID = ${image} ]`], ['one.vm.attachnic', 'NIC = [ NETWORK = "private", NETWORK_UNAME = "oneadmin" ]']] as const) {
      await alice.rpc(method, vm, param);
      await at(vm);
      await walk(vm);
    }
    for (const act of ['poweroff', 'resume', 'suspend', 'resume', 'stop', 'resume', 'undeploy', 'resume', 'poweroff-hard']) {
      await alice.rpc('one.vm.action', act, vm);
      await at(vm);
      await walk(vm);
    }
    await alice.rpc('one.vm.attach', vm, 'DISK = [ TYPE = "fs", SIZE = 1024 ]');
    await at(vm);
    await walk(vm);
    await alice.rpc('one.vm.detach', vm, 2);
    await at(vm);
    await walk(vm);
    await alice.rpc('one.vm.action', 'resume', vm);
    await walk(vm);
    const saved = Number(await alice.rpc('one.vm.disksaveas', vm, 0, 'saved-disk', '', -1));
    await at(vm);
    add('image.xsd', 'saved image LOCKED', String(await alice.rpc('one.image.info', saved)));
    await walk(vm);
    await alice.rpc('one.vm.update', vm, 'DESCRIPTION = "x ]]> y"\nOCCI_ID = "urn:uuid:1"', 1);
    await alice.rpc('one.vm.action', 'terminate', vm);
    await at(vm);
    await walk(vm);

    const held = Number(await admin.rpc('one.vm.allocate', 'NAME = "held"\nCPU = 0.25\nMEMORY = 128\nGRAPHICS = [ TYPE = "vnc" ]', true));
    add('vm.xsd', 'held', String(await admin.rpc('one.vm.info', held)));
    await alice.rpc('one.template.instantiate', 1, '', false, '');
    await alice.rpc('one.template.instantiate', 2, 'small', false, 'MEMORY = 256');
    sim.settle();

    for (const s of [admin, alice]) {
      add('vm_pool.xsd', `vmpool ${s.session}`, String(await s.rpc('one.vmpool.info', -2, -1, -1, -2)));
      add('vm_pool_extended.xsd', `vmpool ext ${s.session}`, String(await s.rpc('one.vmpool.infoextended', -2, -1, -1, -2)));
      add('vmtemplate_pool.xsd', `templatepool ${s.session}`, String(await s.rpc('one.templatepool.info', -2, -1, -1)));
      add('image_pool.xsd', `imagepool ${s.session}`, String(await s.rpc('one.imagepool.info', -2, -1, -1)));
      add('vnet_pool.xsd', `vnpool ${s.session}`, String(await s.rpc('one.vnpool.info', -2, -1, -1)));
      add('user_pool.xsd', `userpool ${s.session}`, String(await s.rpc('one.userpool.info')));
      add('group_pool.xsd', `grouppool ${s.session}`, String(await s.rpc('one.grouppool.info')));
      add('datastore_pool.xsd', `dspool ${s.session}`, String(await s.rpc('one.datastorepool.info')));
      add('user.xsd', `user ${s.session}`, String(await s.rpc('one.user.info', -1)));
      add('group.xsd', `group ${s.session}`, String(await s.rpc('one.group.info', -1)));
    }
    add('vm_pool.xsd', 'empty vmpool', String(await alice.rpc('one.vmpool.info', -3, 1000, 2000, -1)));
    sim.setQuota('alice', { VMS: 10, CPU: 8, MEMORY: 8192 });
    add('user.xsd', 'alice with quota', String(await admin.rpc('one.user.info', sim.users.alice.id)));
    for (const id of [0, 1, 2]) add('vmtemplate.xsd', `template ${id}`, String(await alice.rpc('one.template.info', id)));
    for (const id of [0, 1, 2, image, saved]) add('image.xsd', `image ${id}`, String(await alice.rpc('one.image.info', id)));
    for (const id of [0, 1]) add('vnet.xsd', `vnet ${id}`, String(await admin.rpc('one.vn.info', id)));
    const net = Number(await alice.rpc('one.vn.allocate', 'NAME = "mine"\nVN_MAD = "bridge"\nAR = [ TYPE = "IP4", IP = "203.0.113.5", SIZE = "10" ]', -1));
    add('vnet.xsd', 'vnet LOCK_CREATE', String(await alice.rpc('one.vn.info', net)));
    sim.settle();
    add('vnet.xsd', 'vnet READY', String(await alice.rpc('one.vn.info', net)));
    for (const id of [0, 1, 2]) add('datastore.xsd', `datastore ${id}`, String(await admin.rpc('one.datastore.info', id)));
  });
  after(() => sim.close());

  it('walked the VM through every state of the happy paths', () => {
    const expected = ['1/0', '3/1', '3/2', '3/3', '3/17', '3/25', '3/18', '8/0', '3/20', '3/6', '5/0', '3/21', '3/5', '3/10', '4/0',
      '1/0', '3/9', '3/22', '3/29', '3/30', '9/0', '3/31', '3/32', '3/33', '3/34', '3/26', '3/12', '3/11', '6/0'];
    for (const s of expected) assert.ok(visited.has(s), `state ${s} not visited; saw ${[...visited].join(' ')}`);
    assert.equal(sim.state.vms.get(0)?.state, 6);
  });

  const schemas = ['vm.xsd', 'vm_pool.xsd', 'vm_pool_extended.xsd', 'vmtemplate.xsd', 'vmtemplate_pool.xsd', 'image.xsd', 'image_pool.xsd',
    'vnet.xsd', 'vnet_pool.xsd', 'user.xsd', 'user_pool.xsd', 'group.xsd', 'group_pool.xsd', 'datastore.xsd', 'datastore_pool.xsd'];
  for (const schema of schemas) {
    it(`${schema}: every simulated document is valid`, async () => {
      const batch = docs.get(schema) ?? [];
      assert.ok(batch.length > 0, `no ${schema} document was produced`);
      assert.deepEqual(await validate(schema, batch), []);
    });
  }
});
