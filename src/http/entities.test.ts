import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddedBackend } from '../backends/embedded/index.js';
import { DEFAULT_TEMPLATES } from '../backends/index.js';
import { BASE, COMPUTE_LINE, INFRA, TEXT, createCompute, createTestApp, type TestApp } from './app.testing.js';

/** PUT and POST on one entity (HTTP Protocol §5.2, §5.3): what a replacement keeps, what the path decides, links moved. */
describe('entity PUT and POST', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const SMALL = 'Category: small; scheme="http://localhost/occi/resource_tpl#"; class="mixin"';
  const NETWORK_LINE = `Category: network; scheme="${INFRA}"; class="kind"`;
  const NIC_LINE = `Category: networkinterface; scheme="${INFRA}"; class="kind"`;
  const at = (res: { header(name: string): string | undefined }) => new URL(res.header('Location')!).pathname;

  it('PUT answers 400 when the body occi.core.id disagrees with the path, creating nothing and renaming nothing', async () => {
    const create = await t.req('PUT', '/compute/my-vm-2', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.id="other"`);
    assert.equal(create.status, 400, create.body);
    assert.match(create.body, /occi\.core\.id "other" disagrees with the location \/compute\/my-vm-2/);
    assert.equal((await t.req('GET', '/compute/my-vm-2')).status, 404);
    assert.equal((await t.req('GET', '/compute/other')).status, 404);
    // The same id as the path is fine, and so is a replacement that echoes it.
    assert.equal((await t.req('PUT', '/compute/my-vm-2', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.id="my-vm-2"`)).status, 201);
    const replace = await t.req('PUT', '/compute/my-vm-2', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.id="other"`);
    assert.equal(replace.status, 400, replace.body);
    assert.equal((await t.req('PUT', '/compute/my-vm-2', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.id="my-vm-2"`)).status, 200);
  });

  it('PUT-create outside <kind location><id> is 400 OCCI_ERR_VALIDATION_LOCATION, as docs/errors.md says', async () => {
    for (const path of ['/compute/a/b', '/nowhere/x', '/mixin/os_tpl/debian12/x']) {
      const res = await t.req('PUT', path, { ...TEXT, Accept: 'application/occi+json' }, COMPUTE_LINE);
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error, 'OCCI_ERR_VALIDATION_LOCATION');
    }
    // Reading such a path is still a plain 404.
    assert.equal((await t.req('GET', '/compute/a/b')).status, 404);
  });

  it('PUT keeps the immutable attributes and the templates a replacement leaves out', async () => {
    const vm = await createCompute(t, SMALL);
    const res = await t.req('PUT', vm, TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="renamed"`);
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /occi\.core\.title="renamed"/);
    assert.match(res.body, /occi\.compute\.ephemeral_storage\.size=10\.0/);
    assert.match(res.body, /Category: small; scheme="http:\/\/localhost\/occi\/resource_tpl#"/);
    assert.match(res.body, /Category: debian12; scheme="http:\/\/localhost\/occi\/os_tpl#"/);
    // Still not the client's to change.
    const change = await t.req('PUT', vm, TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.compute.ephemeral_storage.size=20.0`);
    assert.equal(change.status, 403, change.body);
    // Naming another template of a family replaces it.
    const other = await t.req('PUT', vm, TEXT, `${COMPUTE_LINE}\r\nCategory: ubuntu2404; scheme="http://localhost/occi/os_tpl#"; class="mixin"`);
    assert.equal(other.status, 200, other.body);
    assert.match(other.body, /Category: ubuntu2404;/);
    assert.doesNotMatch(other.body, /Category: debian12;/);
    assert.match(other.body, /Category: small;/);
  });

  it('PUT keeps user_data and its value when the replacement leaves them out', async () => {
    const vm = await createCompute(t, 'Category: user_data; scheme="http://schemas.ogf.org/occi/infrastructure/compute#"; class="mixin"\r\nX-OCCI-Attribute: occi.compute.userdata="aGVsbG8="');
    const res = await t.req('PUT', vm, TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="renamed"`);
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /occi\.compute\.userdata="aGVsbG8="/);
  });

  it('moves a link to another target or source (occi.core.source/target are mutable, as discovery says)', async () => {
    const [net1, net2] = [at(await t.req('POST', '/network/', TEXT, NETWORK_LINE)), at(await t.req('POST', '/network/', TEXT, NETWORK_LINE))];
    const [vm1, vm2] = [await createCompute(t), await createCompute(t)];
    const nic = at(await t.req('POST', '/networkinterface/', TEXT, `${NIC_LINE}\r\nX-OCCI-Attribute: occi.core.source="${vm1}"\r\nX-OCCI-Attribute: occi.core.target="${net1}"`));
    const discovery = await t.req('GET', '/-/', { Accept: 'application/occi+json' });
    const link = JSON.parse(discovery.body).kinds.find((k: { term: string }) => k.term === 'link');
    assert.equal(link.attributes['occi.core.source'].mutable, true);
    assert.equal(link.attributes['occi.core.target'].mutable, true);

    const retarget = await t.req('POST', nic, TEXT, `X-OCCI-Attribute: occi.core.target="${BASE}${net2}"`);
    assert.equal(retarget.status, 200, retarget.body);
    assert.match(retarget.body, new RegExp(`occi\\.core\\.target="${net2}"`));
    const move = await t.req('POST', nic, TEXT, `X-OCCI-Attribute: occi.core.source="${vm2}"`);
    assert.equal(move.status, 200, move.body);
    assert.doesNotMatch((await t.req('GET', vm1)).body, new RegExp(nic));
    assert.match((await t.req('GET', vm2)).body, new RegExp(`self="${nic}"`));
    // A PUT that echoes the ends (as absolute URLs) changes nothing.
    const echo = await t.req('PUT', nic, TEXT, `${NIC_LINE}\r\nX-OCCI-Attribute: occi.core.source="${BASE}${vm2}"\r\nX-OCCI-Attribute: occi.core.target="${net2}"`);
    assert.equal(echo.status, 200, echo.body);

    // The new ends are checked as at creation.
    for (const [body, reason] of [
      [`X-OCCI-Attribute: occi.core.target="${vm1}"`, /links to a network/],
      ['X-OCCI-Attribute: occi.core.target="/network/nothing-here"', /does not exist/],
      [`X-OCCI-Attribute: occi.core.source="${nic}"`, /not a resource/],
      ['X-OCCI-Attribute: occi.core.source="http://elsewhere.example.org/compute/1"', /not a resource/],
    ] as const) {
      const res = await t.req('POST', nic, TEXT, body);
      assert.equal(res.status, 400, `${body}: ${res.body}`);
      assert.match(res.body, reason);
    }
    assert.match((await t.req('GET', nic)).body, new RegExp(`occi\\.core\\.source="${vm2}"`));
  });

  it('answers 501 naming the backend when it cannot move links (capabilities.relink)', async () => {
    const embedded = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
    const backend = new Proxy(embedded, {
      get: (target, p) => {
        if (p === 'capabilities') return { ...target.capabilities, relink: false };
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const fixed = await createTestApp({ backend });
    try {
      const [net1, net2] = [at(await fixed.req('POST', '/network/', TEXT, NETWORK_LINE)), at(await fixed.req('POST', '/network/', TEXT, NETWORK_LINE))];
      const vm = await createCompute(fixed);
      const nic = at(await fixed.req('POST', '/networkinterface/', TEXT, `${NIC_LINE}\r\nX-OCCI-Attribute: occi.core.source="${vm}"\r\nX-OCCI-Attribute: occi.core.target="${net1}"`));
      const res = await fixed.req('POST', nic, TEXT, `X-OCCI-Attribute: occi.core.target="${net2}"`);
      assert.equal(res.status, 501, res.body);
      assert.match(res.body, /moving a link: the embedded backend/);
      assert.equal((await fixed.req('POST', nic, TEXT, `X-OCCI-Attribute: occi.core.target="${net1}"\r\nX-OCCI-Attribute: occi.core.title="same ends"`)).status, 200);
    } finally {
      await fixed.close();
    }
  });
});
