import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPUTE } from '../../model/index.js';
import { gibToMib, imageStatus, mibToGib, parseLocation, vmActionName, vmStateName, vmStatus, vnetStatus } from './mapping.js';

const terms = (s: ReturnType<typeof vmStatus>) => s.actions.map((a) => a.term).sort().join(' ');

describe('vmStatus()', () => {
  // [STATE, LCM_STATE] → occi.compute.state, state.message, actions offered (xml-rpc.md §5, §6)
  const table: Array<[number, number, string, string, string]> = [
    [0, 0, 'inactive', 'INIT', ''],
    [1, 0, 'inactive', 'PENDING', ''],
    [2, 0, 'inactive', 'HOLD', ''],
    [3, 1, 'inactive', 'PROLOG', ''],
    [3, 2, 'inactive', 'BOOT', ''],
    [3, 3, 'active', 'RUNNING', 'restart save stop suspend'],
    [3, 17, 'active', 'HOTPLUG', ''],
    [3, 25, 'active', 'HOTPLUG_NIC', ''],
    [3, 26, 'active', 'HOTPLUG_SAVEAS', ''],
    [3, 18, 'inactive', 'SHUTDOWN_POWEROFF', ''],
    [8, 0, 'inactive', 'POWEROFF', 'save start'],
    [3, 20, 'inactive', 'BOOT_POWEROFF', ''],
    [3, 6, 'suspended', 'SAVE_SUSPEND', ''],
    [5, 0, 'suspended', 'SUSPENDED', 'start'],
    [3, 28, 'suspended', 'HOTPLUG_SAVEAS_SUSPENDED', ''],
    [4, 0, 'inactive', 'STOPPED', 'start'],
    [9, 0, 'inactive', 'UNDEPLOYED', 'start'],
    [3, 12, 'inactive', 'SHUTDOWN', ''],
    [3, 11, 'inactive', 'EPILOG', ''],
    [3, 16, 'error', 'UNKNOWN', 'start stop'],
    [3, 36, 'error', 'BOOT_FAILURE', ''],
    [3, 39, 'error', 'PROLOG_FAILURE', ''],
    [11, 0, 'error', 'CLONING_FAILURE', ''],
  ];
  for (const [state, lcm, occi, message, actions] of table) {
    it(`maps ${message} (${state}/${lcm}) to ${occi} offering [${actions}]`, () => {
      const s = vmStatus(state, lcm);
      assert.deepEqual([s.state, s.message, terms(s)], [occi, message, actions]);
      assert.equal(s.running, state === 3 && lcm === 3);
      assert.ok(s.actions.every((a) => COMPUTE.actions.includes(a)));
    });
  }

  it('adds oned\'s ERROR to the message of a failure, and calls DONE gone', () => {
    assert.equal(vmStatus(3, 36, 'Cannot boot: no host').message, 'BOOT_FAILURE: Cannot boot: no host');
    assert.equal(vmStatus(3, 3, 'old error').message, 'RUNNING');
    assert.equal(vmStatus(6, 0).gone, true);
    assert.equal(vmStateName(3, 99), 'LCM_99');
  });
});

describe('vmActionName()', () => {
  it('maps OCCI actions and methods to one.vm.action names', () => {
    assert.deepEqual(
      [['start', undefined], ['stop', 'poweroff'], ['stop', 'graceful'], ['stop', 'acpioff'], ['restart', 'cold'], ['restart', 'warm'], ['restart', 'graceful'], ['suspend', 'suspend'], ['save', 'hot']]
        .map(([t, m]) => vmActionName(t!, m)),
      ['resume', 'poweroff-hard', 'poweroff', 'poweroff', 'reboot-hard', 'reboot', 'reboot', 'suspend', undefined],
    );
  });
});

describe('imageStatus() and vnetStatus()', () => {
  it('maps image states to storage states', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 8].map((n) => imageStatus(n).state), ['offline', 'online', 'online', 'offline', 'offline', 'error', 'online']);
    assert.equal(imageStatus(4).message, 'LOCKED');
    assert.equal(imageStatus(7).gone, true);
  });

  it('maps virtual network states to network states', () => {
    assert.deepEqual([0, 1, 2, 5, 6].map((n) => vnetStatus(n).state), ['inactive', 'active', 'inactive', 'error', 'error']);
    assert.deepEqual([3, 4].map((n) => vnetStatus(n).gone), [true, true]);
  });
});

describe('parseLocation()', () => {
  it('reads resource and link locations, and nothing else', () => {
    assert.deepEqual(parseLocation('/compute/12'), { kind: 'compute', id: 12 });
    assert.deepEqual(parseLocation('/storagelink/12-3'), { kind: 'storagelink', vm: 12, sub: 3 });
    for (const bad of ['/compute/a', '/compute/1-2', '/networkinterface/3', '/link/1', '/compute/', '/compute/12345678901']) assert.equal(parseLocation(bad), undefined, bad);
  });
});

describe('MiB and GiB', () => {
  it('converts both ways', () => {
    assert.deepEqual([mibToGib(1024), mibToGib(1536), mibToGib(100)], [1, 1.5, 0.098]);
    assert.deepEqual([gibToMib(1), gibToMib(0.5), gibToMib(0)], [1024, 512, 1]);
  });
});
