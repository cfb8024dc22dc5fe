/**
 * Request shapes of the real OCCI clients (rOCCI-cli/rOCCI-core 5, jOCCI, IM)
 * against a freshly started server over loopback. Backend-agnostic
 * (test/support/server.ts, OCCI_TEST_BACKEND): a client's own id is kept
 * where the backend claims `capabilities.clientIds`, and where state settles
 * later an action is asked for once the compute offers it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../src/backends/backend.contract.js';
import { header, send } from '../support/http.js';
import { parseCategories } from '../support/pocci.js';
import { startTestServer, type TestServer } from '../support/server.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
/** How long state a cloud reaches later may take (as the ETSI suite's). */
const SETTLE_MS = 10_000;

describe('real client request shapes', () => {
  let server: TestServer;
  /** A request as the server's user: its credentials (none on the embedded backend) and the headers given. */
  const call = (method: string, path: string, headers: Record<string, string> = {}, body = '') => send(server.base, method, path, { ...server.headers, ...headers }, body);
  /** Retried until it holds where the backend's state settles later; checked once where it is immediate. */
  const settled = <T>(check: () => Promise<T>) => eventually(check, server.capabilities.state === 'eventual' ? server.settleMs ?? SETTLE_MS : 0, 50);
  /** The compute's state and the action terms it offers now (JSON rendering). */
  const offers = async (path: string) => {
    const res = await call('GET', path, { Accept: 'application/occi+json' });
    assert.equal(res.status, 200, res.body);
    const e = JSON.parse(res.body) as { attributes: Record<string, unknown>; actions?: string[] };
    return { state: String(e.attributes['occi.compute.state']), terms: (e.actions ?? []).map((a) => a.slice(a.indexOf('#') + 1)) };
  };
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('rOCCI-cli: Accept "text/plain,text/occi" gets text/plain, and its own id and Category style are accepted', async () => {
    const id = '0a7c3b52-5c1e-4a0b-9d5e-2f8a4c6b1e90';
    // rOCCI-cli names a template by its term (`-M resource_tpl#small`) and takes the scheme from the server's model.
    const model = parseCategories(await call('GET', '/-/', { Accept: 'text/plain' }), 'text/plain');
    const sizes = model.filter((c) => (c.rel ?? '').split(/\s+/).includes(`${INFRA}resource_tpl`));
    // A site's `small`, or where the cloud names its sizes by family (OpenStack's `m1.small` is `m1-small`), that one.
    const small = sizes.find((c) => c.term === 'small') ?? sizes.find((c) => /[-_]small$/.test(c.term));
    assert.ok(small, `the model offers a small resource_tpl: ${sizes.map((c) => c.term).join(' ')}`);
    const body = [
      'Category: compute;scheme="http://schemas.ogf.org/occi/infrastructure#";class="kind";',
      `Category: ${small.term};scheme="${small.scheme}";class="mixin";`,
      `X-OCCI-Attribute: occi.core.id="${id}"`,
      'X-OCCI-Attribute: occi.core.title="rocci"',
    ].join('\n');
    const res = await call('POST', '/compute/', {
      Accept: 'text/plain,text/occi', 'Content-Type': 'text/plain', 'User-Agent': 'rOCCI-cli/5.0.0 OCCI/1.2',
    }, body);
    assert.equal(res.status, 201, res.body);
    assert.equal(header(res, 'content-type'), 'text/plain; charset=utf-8');
    if (server.capabilities.clientIds) assert.equal(header(res, 'location'), `${server.base}/compute/${id}`);
    // A backend that names its entities itself (capabilities.clientIds false) gives the compute its own id.
    else assert.match(header(res, 'location') ?? '', new RegExp(`^${server.base}/compute/(?!${id}$)[\\w-]+$`));
  });

  it('rOCCI-cli 4: the OCCI 1.1-era OpenStack context mixins are accepted and rendered', async () => {
    // A real (throw-away) key: a cloud that imports keys (Nova) checks them.
    const body = [
      'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"',
      'Category: public_key; scheme="http://schemas.openstack.org/instance/credentials#"; class="mixin"',
      'Category: user_data; scheme="http://schemas.openstack.org/compute/instance#"; class="mixin"',
      'X-OCCI-Attribute: org.openstack.credentials.publickey.name="default"',
      'X-OCCI-Attribute: org.openstack.credentials.publickey.data="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM738jKCkz8LvyL+88WTszNycGy5fWqSOkcqgdS01NDM user@host"',
      'X-OCCI-Attribute: org.openstack.compute.user_data="I2Nsb3VkLWNvbmZpZwo="',
    ].join('\r\n');
    const res = await call('POST', '/compute/', { 'Content-Type': 'text/plain', 'User-Agent': 'rOCCI-cli/4.3.12 OCCI/1.1' }, body);
    assert.equal(res.status, 201, res.body);
    const vm = await call('GET', header(res, 'location')!, { Accept: 'text/plain' });
    // User data is write-only on a cloud that does not show it back to its users (Nova); the mixin shows it was given.
    if (!server.writeOnly?.includes('org.openstack.compute.user_data')) assert.match(vm.body, /X-OCCI-Attribute: org\.openstack\.compute\.user_data="I2Nsb3VkLWNvbmZpZwo="/);
    assert.match(vm.body, /Category: user_data; scheme="http:\/\/schemas\.openstack\.org\/compute\/instance#"; class="mixin"/);
    assert.match(vm.body, /X-OCCI-Attribute: org\.openstack\.credentials\.publickey\.name="default"/);
    assert.match(vm.body, /Category: public_key; scheme="http:\/\/schemas\.openstack\.org\/instance\/credentials#"; class="mixin"/);
  });

  it('rOCCI-core 5: its JSON compute (with an echoed state) and its action invocations are accepted', async (t) => {
    // The fixture asks for 4 cores; a cloud whose hosts have fewer refuses it rightly (or never schedules it).
    if (server.maxCores !== undefined && server.maxCores < 4) return t.skip(`rOCCI-core's compute has 4 cores; this cloud's hosts have ${server.maxCores}`);
    const res = await call('POST', '/compute/', { Accept: 'application/occi+json', 'Content-Type': 'application/occi+json' }, fixture('rocci-core.compute.json'));
    assert.equal(res.status, 201, res.body);
    const location = header(res, 'location')!;
    const path = new URL(location).pathname;
    // Its own id where the backend keeps a client's (capabilities.clientIds), else the backend's.
    const id = server.capabilities.clientIds ? '488f6764-d4e3-4668-8cbb-1aaa06e92d5f' : path.slice('/compute/'.length);
    assert.match(location, new RegExp(`/compute/${id}$`));
    const entity = JSON.parse(res.body) as { attributes: Record<string, unknown> };
    assert.equal(entity.attributes['occi.compute.cores'], 4);
    assert.equal(entity.attributes['occi.core.id'], id);
    const json = { 'Content-Type': 'application/occi+json' };
    const invocations: Array<[term: string, headers: Record<string, string>, body: string]> = [
      ['start', {}, ''],
      ['suspend', { 'Content-Type': 'text/plain' }, fixture('rocci-core.action_instance.txt')],
      ['start', json, '{"action":"http://schemas.ogf.org/occi/infrastructure/compute/action#start"}'],
      ['suspend', json, fixture('rocci-core.action_instance.json')],
    ];
    // A compute made inactive is started first; one a cloud boots by itself is active once it offers actions: suspended first.
    const { state } = await settled(async () => {
      const now = await offers(path);
      assert.ok(now.terms.length > 0, `the compute is busy (${now.state})`);
      return now;
    });
    const order = state === 'active' ? [1, 0, 3, 2] : [0, 1, 2, 3];
    for (const [term, headers, body] of order.map((i) => invocations[i])) {
      await settled(async () => assert.ok((await offers(path)).terms.includes(term), `${term} is not offered yet`));
      const answer = await call('POST', `${path}?action=${term}`, headers, body);
      assert.equal(answer.status, 200, `${term}: ${answer.body}`);
    }
  });

  it('jOCCI: occi.core.id is rendered in text/plain and text/occi', async () => {
    const made = await call('POST', '/network/', { 'Content-Type': 'text/occi', Category: 'network; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"' });
    const url = header(made, 'location')!;
    const id = url.slice(url.lastIndexOf('/') + 1);
    const plain = await call('GET', url, { Accept: 'text/plain' });
    assert.ok(plain.body.split('\r\n').includes(`X-OCCI-Attribute: occi.core.id="${id}"`));
    const occi = await call('GET', url, { Accept: 'text/occi' });
    assert.equal(occi.body, 'OK');
    assert.match(header(occi, 'x-occi-attribute')!, new RegExp(`^occi\\.core\\.id="${id}"`));
  });

  it('IM: the creation answer and listings are "X-OCCI-Location: <absolute URL>" lines', async () => {
    const made = await call('POST', '/storage/', { Accept: 'text/plain', 'Content-Type': 'text/plain' },
      'Category: storage; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\nX-OCCI-Attribute: occi.storage.size=1.5\n');
    assert.equal(made.body, `X-OCCI-Location: ${header(made, 'location')}\r\n`);
    const list = await call('GET', '/storage/', { Accept: 'text/plain' });
    for (const line of list.body.split('\r\n').filter(Boolean)) assert.match(line, /^X-OCCI-Location: http:\/\/127\.0\.0\.1:\d+\/storage\/[\w-]+$/);
  });
});
