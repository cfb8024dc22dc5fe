import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMPUTE_LINE, INFRA, TEXT, createCompute, createTestApp, type TestApp } from './app.testing.js';

/** What a creation is checked against (Infrastructure 1.2 attribute types, link kinds) and what a refusal says. */
describe('request validation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const JSON_IO = { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json' };
  const IPNETWORK = 'Category: ipnetwork; scheme="http://schemas.ogf.org/occi/infrastructure/network#"; class="mixin"';
  const IPNIC = 'Category: ipnetworkinterface; scheme="http://schemas.ogf.org/occi/infrastructure/networkinterface#"; class="mixin"';
  const at = (res: { header(name: string): string | undefined }) => new URL(res.header('Location')!).pathname;
  const kind = (term: string) => `Category: ${term}; scheme="${INFRA}"; class="kind"`;

  it('refuses a networkinterface to a storage and a storagelink to a network (Infrastructure §5, §6), inline or stand-alone', async () => {
    const net = at(await t.req('POST', '/network/', TEXT, kind('network')));
    const disk = at(await t.req('POST', '/storage/', TEXT, `${kind('storage')}\r\nX-OCCI-Attribute: occi.storage.size=1.0`));
    const vm = await createCompute(t);
    const link = (term: string, target: string) => `${kind(term)}\r\nX-OCCI-Attribute: occi.core.source="${vm}"\r\nX-OCCI-Attribute: occi.core.target="${target}"`;
    for (const [path, body, reason] of [
      ['/networkinterface/', link('networkinterface', disk), /a networkinterface links to a network.*is a storage/],
      ['/storagelink/', link('storagelink', net), /a storagelink links to a storage.*is a network/],
      ['/compute/', `${COMPUTE_LINE}\r\nLink: <${disk}>; rel="${INFRA}storage"; category="${INFRA}networkinterface"`, /links to a network/],
    ] as const) {
      const res = await t.req('POST', path, TEXT, body);
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.match(res.body, reason);
    }
    assert.equal((await t.req('POST', '/networkinterface/', TEXT, link('networkinterface', net))).status, 201);
    assert.equal((await t.req('POST', '/storagelink/', TEXT, link('storagelink', disk))).status, 201);
  });

  const values: Array<[string, string, string, RegExp]> = [
    ['network', IPNETWORK, 'occi.network.address="banana"', /occi\.network\.address: "banana" is not an IPv4 or IPv6 network in CIDR notation/],
    ['network', IPNETWORK, 'occi.network.address="10.0.0.1"', /CIDR/],
    ['network', IPNETWORK, 'occi.network.address="10.0.0.0/33"', /CIDR/],
    ['network', IPNETWORK, 'occi.network.gateway="10.0.0.256"', /occi\.network\.gateway: .* is not an IPv4 or IPv6 address/],
    ['compute', '', 'occi.compute.hostname="not a host!"', /occi\.compute\.hostname: "not a host!" is not a DNS hostname \(RFC 1123\)/],
    ['compute', '', 'occi.compute.hostname="-web.example.org"', /RFC 1123/],
    ['compute', '', 'occi.compute.cores=99999999999', /occi\.compute\.cores: 99999999999 is outside the range of an integer/],
    ['compute', '', 'occi.compute.share=-1', /below the minimum 0/],
    ['network', '', 'occi.network.vlan=4096', /above the maximum 4095/],
  ];
  for (const [term, mixin, attribute, reason] of values) {
    it(`refuses ${attribute} with 400 and the reason`, async () => {
      const body = [kind(term), mixin, `X-OCCI-Attribute: ${attribute}`].filter((l) => l !== '').join('\r\n');
      const res = await t.req('POST', `/${term}/`, TEXT, body);
      assert.equal(res.status, 400, res.body);
      assert.match(res.body, reason);
    });
  }

  it('accepts the spec\'s own example values: CIDR with host bits, IPv6, a hostname, an interface address with a prefix', async () => {
    const net = await t.req('POST', '/network/', TEXT, `${kind('network')}\r\n${IPNETWORK}\r\nX-OCCI-Attribute: occi.network.address="192.168.0.1/24"\r\nX-OCCI-Attribute: occi.network.gateway="fc00::"`);
    assert.equal(net.status, 201, net.body);
    assert.equal((await t.req('POST', '/network/', TEXT, `${kind('network')}\r\n${IPNETWORK}\r\nX-OCCI-Attribute: occi.network.address="fc00::/7"`)).status, 201);
    const vm = await t.req('POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.compute.hostname="web-1.example.org"\r\nX-OCCI-Attribute: occi.compute.cores=2147483647`);
    assert.equal(vm.status, 201, vm.body);
    const nic = await t.req('POST', '/networkinterface/', TEXT, [
      kind('networkinterface'), IPNIC, `X-OCCI-Attribute: occi.core.source="${at(vm)}"`, `X-OCCI-Attribute: occi.core.target="${at(net)}"`,
      'X-OCCI-Attribute: occi.networkinterface.address="192.168.0.5/24"', 'X-OCCI-Attribute: occi.networkinterface.gateway="192.168.0.1"',
    ].join('\r\n'));
    assert.equal(nic.status, 201, nic.body);
  });

  it('says in discovery what an address and a hostname must be (JSON description)', async () => {
    const model = JSON.parse((await t.req('GET', '/-/', { Accept: 'application/occi+json' })).body);
    const compute = model.kinds.find((k: { term: string }) => k.term === 'compute');
    assert.match(compute.attributes['occi.compute.hostname'].description, /RFC 1123/);
    const ipnetwork = model.mixins.find((m: { term: string }) => m.term === 'ipnetwork');
    assert.match(ipnetwork.attributes['occi.network.address'].description, /CIDR notation/);
  });

  it('points a client naming only the os_tpl family to discovery filtered by it, where the templates are', async () => {
    const res = await t.req('POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nCategory: os_tpl; scheme="${INFRA}"; class="mixin"`);
    assert.equal(res.status, 400);
    assert.doesNotMatch(res.body, /see \/mixin\/os_tpl\//);
    const filter = /GET \/-\/ with the header 'Category: (os_tpl; scheme="[^"]+"; class="mixin")'/.exec(res.body);
    assert.ok(filter, res.body);
    // Following the advice lists the OS templates.
    const listed = await t.req('GET', '/-/', { Category: filter[1] });
    assert.equal(listed.status, 200);
    assert.match(listed.body, /Category: debian12; scheme="http:\/\/localhost\/occi\/os_tpl#"/);
  });

  const messages: Array<[string, string, Record<string, string>, string, RegExp]> = [
    ['a kind sent as a mixin', '/compute/', TEXT, `Category: compute; scheme="${INFRA}"; class="mixin"`,
      /infrastructure#compute is a kind, sent as a mixin; a creation names its kind with class="kind"/],
    ['a scheme without its #', '/compute/', TEXT, 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure"; class="kind"',
      /unknown kind http:\/\/schemas\.ogf\.org\/occi\/infrastructurecompute; .*did you mean http:\/\/schemas\.ogf\.org\/occi\/infrastructure#compute\?/],
    ['a JSON kind by its term', '/compute/', JSON_IO, JSON.stringify({ kind: 'compute' }),
      /unknown kind compute; .*did you mean http:\/\/schemas\.ogf\.org\/occi\/infrastructure#compute\?/],
    ['a JSON mixin by its term', '/compute/', JSON_IO, JSON.stringify({ kind: `${INFRA}compute`, mixins: ['small'] }),
      /unknown mixin small; .*did you mean http:\/\/localhost\/occi\/resource_tpl#small\?/],
    ['a kind where a mixin goes', '/compute/', TEXT, `${COMPUTE_LINE}\r\nCategory: storage; scheme="${INFRA}"; class="mixin"`,
      /infrastructure#storage is a kind: name it with class="kind"/],
  ];
  for (const [name, path, headers, body, reason] of messages) {
    it(`explains ${name} and suggests the full type id`, async () => {
      const res = await t.req('POST', path, headers, body);
      assert.equal(res.status, 400, res.body);
      assert.match(headers === JSON_IO ? JSON.parse(res.body).message : res.body, reason);
    });
  }
});
