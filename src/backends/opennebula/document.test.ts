import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { asList, asText, parseOnedDocument, type OneObject } from './document.js';
import { XmlRpcProtocolError } from './errors.js';

const EXAMPLES = new URL('../../../../shared/opennebula/examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, EXAMPLES), 'utf8');

describe('parseOnedDocument()', () => {
  it('reads a VM: vectors as lists, escaped text decoded, numbers kept as text', () => {
    const vm = parseOnedDocument(example('vm.info.xml'), 'VM');
    assert.equal(vm.ID, '42');
    const tpl = vm.TEMPLATE as OneObject;
    assert.equal(asList(tpl.DISK).length, 1);
    assert.equal(((tpl.NIC as OneObject[])[0]).IP, '192.0.2.10');
    assert.equal((tpl.CONTEXT as OneObject).SSH_PUBLIC_KEY, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly alice@example');
    assert.equal(tpl.AUTOMATIC_REQUIREMENTS, '(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)');
    assert.equal(asList((vm.HISTORY_RECORDS as OneObject).HISTORY).length, 1);
    assert.equal(vm.SCHED_ACTIONS, '');
    assert.deepEqual(asList(vm.SCHED_ACTIONS), []);
  });

  it('gives every pool entry as a list, even a single one', () => {
    assert.equal(asList(parseOnedDocument(example('vmpool.info.xml'), 'VM_POOL').VM).length, 2);
    const nets = parseOnedDocument(example('vnpool.info.xml'), 'VNET_POOL').VNET as OneObject[];
    assert.equal(nets.length, 1);
    const ar = ((nets[0].AR_POOL as OneObject).AR as OneObject[])[0];
    assert.equal(ar.IP, '192.0.2.10');
    assert.ok(Array.isArray(parseOnedDocument(example('templatepool.info.xml'), 'VMTEMPLATE_POOL').VMTEMPLATE));
    assert.ok(Array.isArray(parseOnedDocument(example('imagepool.info.xml'), 'IMAGE_POOL').IMAGE));
  });

  it('reads leases, ID lists and tokens as lists', () => {
    const vn = parseOnedDocument(example('vn.info.xml'), 'VNET');
    const ar = ((vn.AR_POOL as OneObject).AR as OneObject[])[0];
    assert.deepEqual(ar.LEASES, { LEASE: [{ IP: '192.0.2.10', MAC: '02:00:c0:00:02:0a', VM: '42' }] });
    assert.deepEqual(vn.CLUSTERS, { ID: ['0'] });
    const user = parseOnedDocument(example('user.info.xml'), 'USER');
    assert.deepEqual(user.GROUPS, { ID: ['1'] });
    assert.equal(asList(user.LOGIN_TOKEN).length, 1);
    assert.equal(asText((user.TEMPLATE as OneObject).SSH_PUBLIC_KEY).startsWith('ssh-ed25519'), true);
    assert.deepEqual(parseOnedDocument(example('group.info.xml'), 'GROUP').USERS, { ID: ['2'] });
  });

  it('keeps unannounced repeats, and an empty pool is an empty object', () => {
    const vm = parseOnedDocument('<VM><USER_TEMPLATE><K>a</K><K>b&amp;c</K></USER_TEMPLATE></VM>', 'VM');
    assert.deepEqual((vm.USER_TEMPLATE as OneObject).K, ['a', 'b&c']);
    assert.deepEqual(parseOnedDocument('<VM_POOL/>', 'VM_POOL'), {});
    assert.deepEqual(asList(parseOnedDocument('<VM_POOL></VM_POOL>', 'VM_POOL').VM), []);
  });

  it('rejects a wrong root or broken XML with XmlRpcProtocolError', () => {
    assert.throws(() => parseOnedDocument(example('vm.info.xml'), 'IMAGE'), XmlRpcProtocolError);
    assert.throws(() => parseOnedDocument('<VM><ID>1</VM>', 'VM'), XmlRpcProtocolError);
  });
});
