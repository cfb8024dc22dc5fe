import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OnedTimeoutError, OnedUnreachableError, XmlRpcFault } from '../../../src/backends/opennebula/errors.js';
import { XmlRpcClient } from '../../../src/backends/opennebula/xmlrpc.js';
import { rejectsOned, sessionFor, type Session } from './_harness.js';
import { CODE } from './rpc.js';
import { startOnedSimulator, type OnedSimulator } from './server.js';

const post = async (url: string, body: string): Promise<string> => (await fetch(url, { method: 'POST', body })).text();
const call = (method: string, ...params: string[]): string =>
  `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value>${p}</value></param>`).join('')}</params></methodCall>`;

describe('fault injection', () => {
  let sim: OnedSimulator;
  let alice: Session;
  before(async () => {
    sim = await startOnedSimulator({ stepMode: 'immediate' });
    alice = sessionFor(sim, sim.users.alice.session);
  });
  after(() => sim.close());

  it('slows answers down: a client with a shorter time limit gets OnedTimeoutError', async () => {
    const remove = sim.inject({ method: 'one.vm.info', delayMs: 300 });
    const client = new XmlRpcClient({ url: sim.url, timeoutMs: 60 });
    const started = Date.now();
    await assert.rejects(client.callOned('one.vm.info', [sim.users.alice.session, 0]), OnedTimeoutError);
    assert.ok(Date.now() - started < 250);
    const patient = new XmlRpcClient({ url: sim.url, timeoutMs: 2000 });
    const t0 = Date.now();
    await assert.rejects(patient.callOned('one.vm.info', [sim.users.alice.session, 0]), /Error getting virtual machine \[0\]/);
    assert.ok(Date.now() - t0 >= 290, 'the answer was held back');
    remove();
  });

  it('drops the connection before the call runs: OnedUnreachableError and no change', async () => {
    sim.inject({ method: 'one.template.instantiate', drop: 'before', times: 1 });
    const before = sim.state.vms.size;
    await assert.rejects(alice.rpc('one.template.instantiate', 2, 'lost', false, ''), OnedUnreachableError);
    assert.equal(sim.state.vms.size, before);
    assert.equal(typeof (await alice.rpc('one.template.instantiate', 2, 'kept', false, '')), 'number', 'times: 1 played once');
  });

  it('drops the connection after the call ran: the change is made, the answer lost', async () => {
    sim.inject({ method: 'one.vm.allocate', drop: 'after', times: 1 });
    const next = sim.state.peekId('vm');
    await assert.rejects(alice.rpc('one.vm.allocate', 'NAME = "ghost"\nCPU = 1\nMEMORY = 64'), OnedUnreachableError);
    assert.equal(sim.state.vms.get(next)?.name, 'ghost');
  });

  it("answers an injected oned error in oned's shape without running the call", async () => {
    const remove = sim.inject({ method: /^one\.vmpool\./, error: { code: CODE.INTERNAL, message: 'Error getting pool.' } });
    const err = await rejectsOned(alice.rpc('one.vmpool.infoextended', -3, -1, -1, -1), CODE.INTERNAL, '[one.vmpool.infoextended] Error getting pool.');
    assert.equal(err.objectId, -1);
    remove();
    assert.match(String(await alice.rpc('one.vmpool.infoextended', -3, -1, -1, -1)), /^<VM_POOL>/);
  });

  it('counts the calls that reached it', async () => {
    const from = sim.calls.length;
    await alice.rpc('one.system.version');
    await alice.rpc('one.vnpool.info', -2, -1, -1);
    assert.deepEqual(sim.calls.slice(from), ['one.system.version', 'one.vnpool.info']);
  });

  it('is unreachable once closed', async () => {
    const other = await startOnedSimulator();
    const url = other.url;
    await other.close();
    await assert.rejects(new XmlRpcClient({ url }).callOned('one.system.version', ['a:b']), (e: unknown) =>
      e instanceof OnedUnreachableError && e.reason === 'ECONNREFUSED');
  });
});

describe('XML-RPC protocol of oned', () => {
  let sim: OnedSimulator;
  before(async () => { sim = await startOnedSimulator(); });
  after(() => sim.close());

  it('answers a failure as five elements, the last an <i8>, and a success as three', async () => {
    const failure = await post(sim.url, call('one.vm.info', `<string>${sim.users.alice.session}</string>`, '<int>99</int>'));
    assert.match(failure, /<boolean>0<\/boolean><\/value>\s*<value><string>\[one\.vm\.info\] Error getting virtual machine \[99\]\.<\/string><\/value>\s*<value><i4>1024<\/i4><\/value>\s*<value><i4>99<\/i4><\/value>\s*<value><i8>-1<\/i8><\/value>/);
    const success = await post(sim.url, call('one.system.version', `<string>${sim.users.alice.session}</string>`));
    assert.match(success, /<value><boolean>1<\/boolean><\/value>\s*<value><string>7\.0\.2<\/string><\/value>\s*<value><i4>0<\/i4><\/value>\s*<\/data>/);
  });

  it('escapes the document once more inside the <string>, with no CDATA', async () => {
    const body = await post(sim.url, call('one.template.info', `<string>${sim.users.alice.session}</string>`, '<i4>0</i4>'));
    assert.ok(!body.includes('CDATA'));
    assert.match(body, /<string>&lt;VMTEMPLATE&gt;&lt;ID&gt;0&lt;\/ID&gt;/);
  });

  it('faults with -501 for missing or mistyped parameters, -506 for unknown methods, -503 for a bad body', async () => {
    const client = new XmlRpcClient({ url: sim.url });
    const fault = async (p: Promise<unknown>, code: number, text: RegExp) => {
      await assert.rejects(p, (e: unknown) => e instanceof XmlRpcFault && e.faultCode === code && text.test(e.faultString));
    };
    const s = sim.users.alice.session;
    await fault(client.call('one.vm.info', [s]), -501, /Not enough parameters/);
    await fault(client.call('one.vm.info', [s, '0']), -501, /Type mismatch/);
    await fault(client.call('one.vm.action', [s, 0, 'poweroff']), -501, /Type mismatch/);
    await fault(client.call('one.vm.info', [7, 0]), -501, /Not enough parameters/);
    await fault(client.call('one.template.instantiate', [s, 0, '', false]), -501, /Not enough parameters/);
    await fault(client.call('one.vm.destroy', [s, 0]), -506, /Method 'one.vm.destroy' not defined/);
    await fault(client.call('__proto__', [s]), -506, /not defined/);
    assert.match(await post(sim.url, '<methodCall><methodName>x'), /<name>faultCode<\/name>\s*<value><i4>-503<\/i4>/);
  });

  it('authenticates before reading the other parameters, as Request::execute does', async () => {
    const client = new XmlRpcClient({ url: sim.url });
    const answer = await client.call('one.vm.info', ['alice:wrong', 'not-an-int']);
    assert.deepEqual(answer, [false, "[one.vm.info] User couldn't be authenticated, aborting call.", 256, -1, -1]);
  });

  it('takes untyped values as strings and ignores extra parameters', async () => {
    const body = await post(sim.url, call('one.system.version', sim.users.alice.session, '<int>1</int>'));
    assert.match(body, /<string>7\.0\.2<\/string>/);
  });
});
