/**
 * Every kind of JSON document the server renders passes the JSON schemas
 * rOCCI-core 5 (rOCCI-cli 5, rOCCI-server 2) validates OCCI JSON with before
 * it reads it: discovery (`model.json`), a resource (`resource.json`), a link
 * (`link.json`), collections (`entity-collection.json`). A document that
 * fails them is unreadable for those clients as a whole.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BASE, COMPUTE_LINE, INFRA, TEXT, createTestApp, type TestApp } from '../src/http/app.testing.js';
import { loadSchemas } from './support/json-schema.js';

const schemas = loadSchemas(fileURLToPath(new URL('./fixtures/rocci-json-schemas/', import.meta.url)));
const JSON_IO = { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json' };
const ACCEPT_JSON = { Accept: 'application/occi+json' };

function assertValid(schema: string, body: string, what: string): void {
  const problems = schemas.validate(schema, JSON.parse(body));
  assert.deepEqual(problems, [], `${what} against rOCCI-core's ${schema}:\n${body.slice(0, 500)}`);
}

describe('the JSON schema validator used here', () => {
  it('refuses what rOCCI-core refuses: a kind without location, an empty array, an unknown member, null', () => {
    const kind = { term: 'entity', scheme: 'http://schemas.ogf.org/occi/core#' };
    assert.match(schemas.validate('model.json', { kinds: [kind] }).join(), /missing required member "location"/);
    assert.match(schemas.validate('model.json', { kinds: [] }).join(), /fewer than 1 items/);
    assert.match(schemas.validate('model.json', { kinds: [{ ...kind, location: '/e/', extra: 1 }] }).join(), /"extra" is not allowed/);
    assert.match(schemas.validate('resource.json', { kind: 'k', id: 'a', attributes: { x: null } }).join(), /oneOf matched 0/);
    assert.match(schemas.validate('resource.json', { kind: 'k', id: 'a', attributes: {}, mixins: ['m', 'm'] }).join(), /not unique/);
    assert.deepEqual(schemas.validate('model.json', { kinds: [{ ...kind, location: '/entity/' }] }), []);
  });
});

describe('JSON documents the server renders, against rOCCI-core 5\'s schemas', () => {
  let t: TestApp;
  const at: Record<string, string> = {};
  const path = (res: { header(name: string): string | undefined }) => new URL(res.header('Location')!).pathname;

  before(async () => {
    t = await createTestApp();
    const made = async (url: string, body: string) => {
      const res = await t.req('POST', url, TEXT, body);
      assert.equal(res.status, 201, res.body);
      return path(res);
    };
    assert.equal((await t.req('POST', '/-/', TEXT, 'Category: prod; scheme="http://example.org/tags#"; class="mixin"; title="Production"; location="/tags/prod/"')).status, 200);
    at.network = await made('/network/', [
      `Category: network; scheme="${INFRA}"; class="kind"`,
      'Category: ipnetwork; scheme="http://schemas.ogf.org/occi/infrastructure/network#"; class="mixin"',
      'X-OCCI-Attribute: occi.network.address="10.0.0.0/24", occi.network.gateway="10.0.0.1", occi.network.vlan=12, occi.core.title="net"',
    ].join('\r\n'));
    at.storage = await made('/storage/', `Category: storage; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.storage.size=2.5, occi.core.summary="disk"`);
    at.compute = await made('/compute/', [
      COMPUTE_LINE,
      'Category: small; scheme="http://localhost/occi/resource_tpl#"; class="mixin"',
      'Category: ssh_key; scheme="http://schemas.ogf.org/occi/infrastructure/credentials#"; class="mixin"',
      'Category: user_data; scheme="http://schemas.ogf.org/occi/infrastructure/compute#"; class="mixin"',
      'Category: prod; scheme="http://example.org/tags#"; class="mixin"',
      'X-OCCI-Attribute: occi.credentials.ssh.publickey="ssh-ed25519 AAAA test", occi.compute.userdata="aGVsbG8=", occi.core.title="vm"',
      `Link: <${at.network}>; rel="${INFRA}network"; category="${INFRA}networkinterface http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"; occi.networkinterface.address="10.0.0.5"`,
      `Link: <${at.storage}>; rel="${INFRA}storage"; category="${INFRA}storagelink"; occi.storagelink.mountpoint="/data"`,
    ].join('\r\n'));
    at.bare = await made('/compute/', COMPUTE_LINE);
    at.external = await made('/link/', `Category: link; scheme="http://schemas.ogf.org/occi/core#"; class="kind"\r\nX-OCCI-Attribute: occi.core.source="${at.bare}", occi.core.target="http://elsewhere.example.org/thing/1"`);
    const vm = JSON.parse((await t.req('GET', at.compute, ACCEPT_JSON)).body);
    at.networkinterface = new URL(vm.links.find((l: { kind: string }) => l.kind === `${INFRA}networkinterface`).id, `${BASE}/networkinterface/`).pathname;
    at.storagelink = new URL(vm.links.find((l: { kind: string }) => l.kind === `${INFRA}storagelink`).id, `${BASE}/storagelink/`).pathname;
    assert.equal((await t.req('POST', `${at.compute}?action=start`, TEXT, `Category: start; scheme="${INFRA.slice(0, -1)}/compute/action#"; class="action"`)).status, 200);
  });
  after(() => t.close());

  it('discovery (GET /-/), whole and filtered, with user mixins, templates and a saved template, passes model.json', async () => {
    const save = await t.req('POST', `${at.compute}?action=save`, JSON_IO, JSON.stringify({ action: `${INFRA.slice(0, -1)}/compute/action#save`, attributes: { name: 'golden' } }));
    assert.equal(save.status, 200, save.body);
    assertValid('model.json', save.body, 'the save action\'s answer');
    assertValid('model.json', (await t.req('GET', '/-/', ACCEPT_JSON)).body, 'GET /-/');
    assertValid('model.json', (await t.req('GET', '/.well-known/org/ogf/occi/-/', ACCEPT_JSON)).body, 'GET /.well-known/org/ogf/occi/-/');
    for (const category of [`os_tpl; scheme="${INFRA}"; class="mixin"`, 'entity; scheme="http://schemas.ogf.org/occi/core#"; class="kind"', `start; scheme="${INFRA.slice(0, -1)}/compute/action#"; class="action"`]) {
      assertValid('model.json', (await t.req('GET', '/-/', { ...ACCEPT_JSON, Category: category })).body, `GET /-/ filtered by ${category}`);
    }
  });

  it('every resource (compute with links and mixins, network, storage), as read, created, updated, replaced and acted on, passes resource.json', async () => {
    for (const p of [at.compute, at.bare, at.network, at.storage]) assertValid('resource.json', (await t.req('GET', p, ACCEPT_JSON)).body, `GET ${p}`);
    const created = await t.req('POST', '/compute/', JSON_IO, JSON.stringify({ kind: `${INFRA}compute`, attributes: { 'occi.core.title': 'json' } }));
    assert.equal(created.status, 201, created.body);
    assertValid('resource.json', created.body, 'POST /compute/ (one entity)');
    const put = await t.req('PUT', '/compute/chosen', JSON_IO, JSON.stringify({ kind: `${INFRA}compute` }));
    assert.equal(put.status, 201, put.body);
    assertValid('resource.json', put.body, 'PUT-create');
    const update = await t.req('POST', at.compute, JSON_IO, JSON.stringify({ kind: `${INFRA}compute`, attributes: { 'occi.core.title': 'renamed' } }));
    assertValid('resource.json', update.body, 'POST (update)');
    const replace = await t.req('PUT', '/compute/chosen', JSON_IO, JSON.stringify({ kind: `${INFRA}compute`, attributes: { 'occi.core.summary': 's' } }));
    assertValid('resource.json', replace.body, 'PUT (replace)');
    const action = await t.req('POST', `${at.network}?action=up`, JSON_IO, JSON.stringify({ action: `${INFRA.slice(0, -1)}/network/action#up` }));
    assert.equal(action.status, 200, action.body);
    assertValid('resource.json', action.body, 'POST ?action=up');
  });

  it('every link (networkinterface with ipnetworkinterface, storagelink, a link to an external URI) passes link.json', async () => {
    for (const p of [at.networkinterface, at.storagelink, at.external]) assertValid('link.json', (await t.req('GET', p, ACCEPT_JSON)).body, `GET ${p}`);
    const created = await t.req('POST', '/networkinterface/', JSON_IO, JSON.stringify({
      kind: `${INFRA}networkinterface`, source: { location: at.bare }, target: { location: at.network },
      attributes: { 'occi.core.source': at.bare, 'occi.core.target': at.network },
    }));
    assert.equal(created.status, 201, created.body);
    assertValid('link.json', created.body, 'POST /networkinterface/');
  });

  it('makes the /entity/ that JSON discovery names for core#entity true: GET lists every entity, nothing else is allowed, no mixin takes it', async () => {
    const all = await t.req('GET', '/', { Accept: 'text/uri-list' });
    const entity = await t.req('GET', '/entity/', { Accept: 'text/uri-list' });
    assert.equal(entity.status, 200);
    assert.equal(entity.body, all.body);
    assert.equal((await t.req('POST', '/entity/', TEXT, COMPUTE_LINE)).status, 405);
    assert.equal((await t.req('DELETE', '/entity/')).status, 405);
    const taken = await t.req('POST', '/-/', TEXT, 'Category: e; scheme="http://example.org/tags#"; class="mixin"; location="/entity/"');
    assert.equal(taken.status, 409, taken.body);
    // The text renderings keep Core's rule: core#entity is bound to no path.
    assert.doesNotMatch((await t.req('GET', '/-/', TEXT)).body, /^Category: entity;.*location=/m);
  });

  it('every collection (kind, mixin, unbound, everything, empty, paged, created, acted on) passes entity-collection.json', async () => {
    for (const p of ['/compute/', '/network/', '/storage/', '/networkinterface/', '/storagelink/', '/link/', '/tags/prod/', '/mixin/', '/', '/entity/', '/resource/', '/compute/?page=1&number=1', '/compute/?page=99&number=5']) {
      const res = await t.req('GET', p, ACCEPT_JSON);
      assert.equal(res.status, 200, `${p}: ${res.body}`);
      assertValid('entity-collection.json', res.body, `GET ${p}`);
    }
    const empty = await t.req('GET', '/compute/', { ...ACCEPT_JSON, 'X-OCCI-Attribute': 'occi.core.title="nobody has this"' });
    assert.equal(empty.body, '{}');
    assertValid('entity-collection.json', empty.body, 'an empty collection');
    const many = await t.req('POST', '/compute/', JSON_IO, JSON.stringify({ resources: [{ kind: `${INFRA}compute` }, { kind: `${INFRA}compute` }] }));
    assert.equal(many.status, 201, many.body);
    assertValid('entity-collection.json', many.body, 'POST /compute/ (two entities)');
    const tagged = await t.req('POST', '/tags/prod/', JSON_IO, JSON.stringify([at.bare]));
    assert.equal(tagged.status, 200, tagged.body);
    assertValid('entity-collection.json', tagged.body, 'POST /tags/prod/ (association)');
    const stopped = await t.req('POST', '/network/?action=down', JSON_IO, JSON.stringify({ action: `${INFRA.slice(0, -1)}/network/action#down` }));
    assert.equal(stopped.status, 200, stopped.body);
    assertValid('entity-collection.json', stopped.body, 'POST /network/?action=down');
  });
});
