import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asList, type OneObject } from '../../../src/backends/opennebula/document.js';
import { toOcciError } from '../../../src/backends/opennebula/errors.js';
import { XmlRpcClient } from '../../../src/backends/opennebula/xmlrpc.js';
import { errorStatus } from '../../../src/http/error-status.js';
import { sessionFor, type Session } from './_harness.js';
import { startOnedSimulator, type OnedSimulator } from './server.js';

describe('the backend XML-RPC client against the oned simulator', () => {
  let sim: OnedSimulator;
  let alice: Session;
  before(async () => {
    sim = await startOnedSimulator({ stepMode: 'immediate' });
    alice = sessionFor(sim, sim.users.alice.session);
  });
  after(() => sim.close());

  const awkward = ['ends with ]]>', ']]>]]>', '<VM><ID>1</ID></VM>', 'Tom & Jerry; "quoted" \'single\'', 'é ü 日本語 🚀', 'line one\nline two', '#!/bin/sh\r\necho hi'];

  for (const value of awkward) {
    it(`keeps ${JSON.stringify(value)} through vm.update, vm.info and both parses`, async () => {
      const vm = Number(await alice.rpc('one.vm.allocate', 'CPU = 0.1\nMEMORY = 16'));
      const quoted = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      await alice.rpc('one.vm.update', vm, `DESCRIPTION = "${quoted}"`, 0);
      const doc = await alice.doc('one.vm.info', 'VM', vm);
      // XML 1.0 folds CR LF to LF inside the document text, as any XML reader of oned's answer would.
      assert.equal((doc.USER_TEMPLATE as OneObject).DESCRIPTION, value.replace(/\r\n/g, '\n'));
    });
  }

  it('reads a pool of full VM bodies in one call, NICs and CONTEXT included', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(Number(await alice.rpc('one.template.instantiate', 0, `pool-${i}`, false, '')));
    const pool = await alice.doc('one.vmpool.infoextended', 'VM_POOL', -3, ids[0], ids[2], -1);
    const vms = asList(pool.VM) as OneObject[];
    assert.deepEqual(vms.map((v) => v.NAME), ['pool-0', 'pool-1', 'pool-2']);
    for (const vm of vms) {
      const tpl = vm.TEMPLATE as OneObject;
      assert.equal(asList(tpl.NIC).length, 1);
      assert.match(String((tpl.CONTEXT as OneObject).ETH0_IP), /^192\.0\.2\.\d+$/);
    }
  });

  it("maps the simulator's answers onto the error hierarchy with the documented statuses", async () => {
    const vm = Number(await alice.rpc('one.template.instantiate', 2, '', false, ''));
    const adminVm = Number(await sessionFor(sim, sim.users.oneadmin.session).rpc('one.vm.allocate', 'CPU = 1\nMEMORY = 16'));
    await alice.rpc('one.vm.action', 'poweroff-hard', vm);
    sim.setQuota('alice', { VMS: 0 });
    const bad = new XmlRpcClient({ url: sim.url, timeoutMs: 50 });
    const cases: Array<[() => Promise<unknown>, string, number]> = [
      [() => sessionFor(sim, 'alice:nope').rpc('one.vm.info', vm), 'one.vm.info', 401],
      [() => alice.rpc('one.vm.info', adminVm), 'one.vm.info', 403],
      [() => alice.rpc('one.vm.info', 12345), 'one.vm.info', 404],
      [() => alice.rpc('one.vm.action', 'suspend', vm), 'one.vm.action', 409],
      [() => alice.rpc('one.template.instantiate', 2, '', false, ''), 'one.template.instantiate', 403],
    ];
    cases.push([() => (sim.inject({ method: 'one.vm.info', delayMs: 200, times: 1 }), bad.callOned('one.vm.info', [sim.users.alice.session, vm])), 'one.vm.info', 504]);
    const closed = await startOnedSimulator();
    await closed.close();
    cases.push([() => new XmlRpcClient({ url: closed.url }).callOned('one.vm.info', ['a:b', 1]), 'one.vm.info', 503]);
    for (const [run, method, status] of cases) {
      const err = await run().then(() => undefined, (e: unknown) => e);
      assert.ok(err !== undefined, `${method} should fail with ${status}`);
      const mapped = toOcciError(err, method);
      assert.equal(errorStatus(mapped.code), status, `${method}: ${mapped.message}`);
    }
    sim.setQuota('alice', {});
  });
});
