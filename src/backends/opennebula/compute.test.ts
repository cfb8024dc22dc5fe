import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotImplementedError } from '../../errors.js';
import { IPNETWORKINTERFACE, SSH_KEY, standardModel, USER_DATA, type Entity, type Resource } from '../../model/index.js';
import { computeChanges, computeEntity } from './compute.js';
import { parseOnedDocument } from './document.js';
import { DEFAULT_SIZES } from './definition.js';
import { Templates, resourceMixins } from './templates.js';

const SCHEME = 'http://occi.example.org/occi/';
/** A VM as one.vm.info shows it (shortened): RUNNING, two disks (the OS copy, a persistent datablock), one NIC. */
const VM = `<VM><ID>7</ID><UID>2</UID><GID>1</GID><UNAME>alice</UNAME><GNAME>users</GNAME><NAME>web</NAME>
<STATE>3</STATE><LCM_STATE>3</LCM_STATE><TEMPLATE>
<CONTEXT><DISK_ID>2</DISK_ID><ETH0_GATEWAY>192.0.2.1</ETH0_GATEWAY><ETH0_IP>192.0.2.10</ETH0_IP><NETWORK>YES</NETWORK><SET_HOSTNAME>web-1</SET_HOSTNAME>
<SSH_PUBLIC_KEY>ssh-ed25519 AAAA alice</SSH_PUBLIC_KEY><USERDATA_ENCODING>base64</USERDATA_ENCODING><USER_DATA>I2Nsb3VkLWNvbmZpZwo=</USER_DATA></CONTEXT>
<CPU>2</CPU>
<DISK><CLONE>YES</CLONE><DISK_ID>0</DISK_ID><IMAGE_ID>0</IMAGE_ID><TARGET>vda</TARGET></DISK>
<DISK><CLONE>NO</CLONE><DISK_ID>1</DISK_ID><IMAGE_ID>5</IMAGE_ID><TARGET>vdb</TARGET></DISK>
<MEMORY>2048</MEMORY><NIC><IP>192.0.2.10</IP><MAC>02:00:c0:00:02:0a</MAC><NETWORK_ID>0</NETWORK_ID><NIC_ID>0</NIC_ID></NIC>
<OS><ARCH>x86_64</ARCH></OS><TEMPLATE_ID>0</TEMPLATE_ID><VCPU>2</VCPU></TEMPLATE>
<USER_TEMPLATE><DESCRIPTION>front end</DESCRIPTION><OCCI_OS_TPL>debian12-0</OCCI_OS_TPL><OCCI_RESOURCE_TPL>medium</OCCI_RESOURCE_TPL></USER_TEMPLATE></VM>`;

function view() {
  const model = standardModel();
  const templates = new Templates(SCHEME, 1000);
  for (const m of resourceMixins(DEFAULT_SIZES, SCHEME, model)) model.addMixin(m);
  model.offerMixins('alice', [templates.mixin({ id: 0, name: 'debian12', body: {} })]);
  return { model, templates, tags: new Map([['/compute/7', ['http://example.org/tags#prod']], ['/storagelink/7-1', ['http://example.org/tags#data']]]) };
}

describe('computeEntity()', () => {
  it('maps a VM to a compute with its attributes, mixins, actions and links', () => {
    const vm = computeEntity(parseOnedDocument(VM.replace(/\n/g, ''), 'VM'), view())!;
    assert.deepEqual([vm.id, vm.location, vm.owner], ['7', '/compute/7', 'alice']);
    assert.deepEqual(vm.attributes, {
      'occi.core.title': 'web', 'occi.core.summary': 'front end', 'occi.compute.architecture': 'x64', 'occi.compute.cores': 2, 'occi.compute.memory': 2,
      'occi.compute.hostname': 'web-1', 'occi.compute.state': 'active', 'occi.compute.state.message': 'RUNNING',
      'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAA alice', 'occi.compute.userdata': 'I2Nsb3VkLWNvbmZpZwo=',
    });
    assert.deepEqual(vm.mixins, [`${SCHEME}os_tpl#debian12-0`, `${SCHEME}resource_tpl#medium`, SSH_KEY.id, USER_DATA.id, 'http://example.org/tags#prod']);
    assert.equal(vm.actions!.length, 4);
    const [nic, disk] = vm.links;
    assert.deepEqual([nic.location, nic.target, nic.mixins], ['/networkinterface/7-0', '/network/0', [IPNETWORKINTERFACE.id]]);
    assert.deepEqual(nic.attributes, {
      'occi.networkinterface.interface': 'eth0', 'occi.networkinterface.state': 'active', 'occi.networkinterface.mac': '02:00:c0:00:02:0a',
      'occi.networkinterface.address': '192.0.2.10', 'occi.networkinterface.allocation': 'dynamic', 'occi.networkinterface.gateway': '192.0.2.1',
    });
    assert.deepEqual([disk.location, disk.target, disk.mixins, disk.attributes['occi.storagelink.deviceid']], ['/storagelink/7-1', '/storage/5', ['http://example.org/tags#data'], '/dev/vdb']);
    assert.equal(vm.links.length, 2, 'the OS disk is a copy of an image, part of the compute: no link');
  });

  it('omits mixins the model does not know, changes its version with its state, and is gone when DONE', () => {
    const v = view();
    const doc = (state: number, lcm: number) => parseOnedDocument(VM.replace(/\n/g, '').replace('<STATE>3</STATE><LCM_STATE>3</LCM_STATE>', `<STATE>${state}</STATE><LCM_STATE>${lcm}</LCM_STATE>`), 'VM');
    const running = computeEntity(doc(3, 3), { ...v, tags: new Map() })!;
    const off = computeEntity(doc(8, 0), { ...v, tags: new Map() })!;
    assert.notEqual(running.version, off.version);
    assert.equal(off.links[0].attributes['occi.networkinterface.state.message'], 'POWEROFF');
    assert.equal(computeEntity(doc(6, 0), v), undefined);
    const other = computeEntity(parseOnedDocument(VM.replace(/\n/g, '').replace('debian12-0', 'gone-9'), 'VM'), v)!;
    assert.ok(!other.mixins.some((m) => m.includes('os_tpl#')));
  });
});

describe('computeChanges()', () => {
  const v = view();
  const vm = computeEntity(parseOnedDocument(VM.replace(/\n/g, ''), 'VM'), v)! as Resource;
  const change = (attributes: Record<string, unknown>, mixins = vm.mixins) => ({ before: vm as Entity, after: { ...vm, mixins, attributes: { ...vm.attributes, ...attributes } } as Entity });

  it('turns a rename, a new size and a new summary into oned calls, biggest risk first', () => {
    const calls = computeChanges(change({ 'occi.core.title': 'db', 'occi.compute.memory': 4, 'occi.core.summary': 'x', 'occi.compute.state': 'inactive' }), v.templates);
    assert.deepEqual(calls.map((c) => c[0]), ['one.vm.resize', 'one.vm.rename', 'one.vm.update']);
    assert.equal(calls[0][2], '<TEMPLATE><MEMORY>4096</MEMORY></TEMPLATE>');
  });

  it('refuses what needs a new VM with 501', () => {
    assert.throws(() => computeChanges(change({ 'occi.compute.hostname': 'x' }), v.templates), NotImplementedError);
    assert.throws(() => computeChanges(change({}, vm.mixins.filter((m) => !m.includes('os_tpl'))), v.templates), /cannot rebuild/);
    assert.throws(() => computeChanges(change({}, vm.mixins.filter((m) => m !== SSH_KEY.id)), v.templates), /context/);
  });
});
