/**
 * The client against recorded renderings of other servers (test/fixtures/
 * servers/SOURCES.md, test/fixtures/rocci-core.*), replayed by a loopback
 * fake: rOCCI-server 1.x over OpenNebula (an OCCI 1.1 server that speaks
 * text/plain only and refuses a client announcing OCCI/1.2), OCCI-OS, ooi
 * under a base path with absolute locations, and a JSON server in the shapes
 * of the spec digest and rOCCI-core 5. What the client sends them is checked
 * as well.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HttpError, OcciClient, ResponseError, type Resource } from '../../src/client/index.js';
import { fakeServer, occi, type FakeServer, type Recorded, type Reply } from './support.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

describe('rOCCI-server 1.x (OpenNebula), OCCI 1.1, text/plain only', () => {
  let fake: FakeServer;
  const COMPUTE = '4ddbfeae-22d7-5e50-8f85-ba18589e876b';
  before(async () => {
    fake = await fakeServer((req) => {
      // A 1.1 server holding clients to their version (HTTP Protocol §12).
      if (/OCCI\/1\.2/.test(String(req.headers['user-agent']))) return { status: 501, headers: TEXT, body: 'OCCI/1.2 is not supported\n' };
      const path = req.url.split('?')[0];
      if (req.method === 'GET' && path === '/-/') return { headers: TEXT, body: fixture('servers/rocci-core4.occi_model_rocci_server.txt') };
      if (req.method === 'GET' && path === '/compute/') return { headers: TEXT, body: `X-OCCI-Location: ${fake.base}/compute/${COMPUTE}\n` };
      if (req.method === 'GET' && path === `/compute/${COMPUTE}`) return { headers: TEXT, body: fixture('servers/rocci-core4.occi_compute_rocci_server.txt') };
      if (req.method === 'GET' && path === '/network/e4bd81c4-adda-5626-840d-39bb7959db97') return { headers: TEXT, body: fixture('servers/rocci-core4.occi_network_rocci_server.txt') };
      if (req.method === 'GET' && path === '/storage/33601efd-1c81-5547-8e65-6f8ef3dcb8c6') return { headers: TEXT, body: fixture('servers/rocci-core4.occi_storage_rocci_server.txt') };
      if (req.method === 'POST' && path === '/compute/') return { status: 201, headers: { ...TEXT, Location: `${fake.base}/compute/new-1` }, body: `X-OCCI-Location: ${fake.base}/compute/new-1\n` };
      if (req.method === 'POST' && path === '/network/e4bd81c4-adda-5626-840d-39bb7959db97') return { headers: TEXT, body: '' };
      return undefined;
    });
  });
  after(() => fake.close());

  it('falls back to OCCI/1.1 after a 501, reads its model and keeps to text/plain', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    const catalog = await client.discover();
    assert.equal(client.occiVersion, '1.1');
    assert.equal(client.mediaType, 'text/plain');
    assert.deepEqual(catalog.templates('resource_tpl').map((m) => m.term), ['large', 'extra_large', 'larger', 'medium', 'small']);
    assert.ok(catalog.templates('os_tpl').some((m) => m.term === 'egi_sl6goldenimage_cesnet'));
    // Its `compute` mixin (OpenNebula's attributes) and its `compute` kind do not collide.
    assert.equal(catalog.resolveKind('compute').id, `${INFRA}compute`);
    assert.equal(catalog.location(catalog.resolveMixin('http://opennebula.org/occi/infrastructure#compute')), '/mixins/compute/');
    client.close();
  });

  it('reads its network and storage', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    const net = await client.get('/network/e4bd81c4-adda-5626-840d-39bb7959db97');
    assert.deepEqual([net.kind, net.attributes['occi.network.address'], net.attributes['org.opennebula.network.bridge']], [`${INFRA}network`, '192.168.254.0', 'xenbr0']);
    const storage = await client.get('/storage/33601efd-1c81-5547-8e65-6f8ef3dcb8c6');
    assert.equal(storage.attributes['occi.storage.state'], 'online');
    client.close();
  });

  it('names the line it cannot read: an early rOCCI-server separated link attributes with spaces', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    await assert.rejects(client.get(`/compute/${COMPUTE}`), (err: ResponseError) => err instanceof ResponseError && /cannot read the server's answer: text after a closing quote/.test(err.message));
    client.close();
    const cli = await occi(['show', `/compute/${COMPUTE}`], { env: { OCCI_ENDPOINT: fake.base } });
    assert.equal(cli.code, 9);
  });

  it('creates with its templates in rOCCI-cli\'s short form, in text/plain, announcing OCCI/1.1', async () => {
    const r = await occi(['--endpoint', fake.base, '--action', 'create', '--resource', 'compute', '--mixin', 'os_tpl#debianvm', '--mixin', 'resource_tpl#small', '--attribute', 'occi.core.title=vm one']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${fake.base}/compute/new-1\n`);
    const post = fake.requests.find((q: Recorded) => q.method === 'POST' && q.url === '/compute/')!;
    assert.equal(post.headers['content-type'], 'text/plain');
    assert.match(String(post.headers['user-agent']), /OCCI\/1\.1$/);
    assert.equal(post.body, [
      `Category: compute; scheme="${INFRA}"; class="kind"`,
      'Category: debianvm; scheme="https://occi.localhost/occi/infrastructure/os_tpl#"; class="mixin"',
      'Category: small; scheme="https://occi.localhost/occi/infrastructure/resource_tpl#"; class="mixin"',
      'X-OCCI-Attribute: occi.core.title="vm one"',
      '',
    ].join('\r\n'));
  });

  it('invokes an action its way (a kind whose action scheme it misspells is still matched by term)', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    assert.deepEqual(await client.trigger('/network/e4bd81c4-adda-5626-840d-39bb7959db97', 'up'), {});
    const post = fake.requests.at(-1)!;
    assert.equal(post.url, '/network/e4bd81c4-adda-5626-840d-39bb7959db97?action=up');
    assert.equal(post.body, 'Category: up; scheme="http://schemas.ogf.org/occi/infrastructure/network/action#"; class="action"\r\n');
    client.close();
  });
});

describe('OCCI-OS (OpenStack nova OCCI API): inline links, absolute locations, numbers in quotes', () => {
  let fake: FakeServer;
  before(async () => {
    const recorded = fixture('servers/rocci-core4.occi_resource_w_inline_links.txt');
    const [computeLine, osVms] = recorded.split('\n').filter((l) => l.startsWith('Category:'));
    fake = await fakeServer((req) => {
      const rewrite = (text: string) => text.replaceAll('https://egi-cloud.zam.kfa-juelich.de:8787', fake.base);
      if (req.url === '/-/') {
        const network = `Category: network; scheme="${INFRA}"; class="kind"; title="Network Resource"; rel="http://schemas.ogf.org/occi/core#resource"; location="${fake.base}/network/"`;
        const nic = `Category: networkinterface; scheme="${INFRA}"; class="kind"; title="Network Interface"; rel="http://schemas.ogf.org/occi/core#link"; location="${fake.base}/network/interface/"`;
        return { headers: TEXT, body: rewrite([computeLine, osVms, network, nic].join('\n')) };
      }
      if (req.url === '/compute/04106bce-87eb-4f8f-a665-2f624e54ba46') return { headers: TEXT, body: recorded };
      return undefined;
    });
  });
  after(() => fake.close());

  it('reads the compute with its links, locations as paths, quoted numbers typed by the model', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    const catalog = await client.discover();
    assert.equal(catalog.location(catalog.resolveKind('compute')), '/compute/');
    const vm = (await client.get('/compute/04106bce-87eb-4f8f-a665-2f624e54ba46')) as Resource;
    assert.deepEqual(vm.actions?.map((a) => a.slice(a.indexOf('#') + 1)), ['stop', 'suspend', 'restart']);
    assert.deepEqual(vm.links.map((l) => [l.kind, l.target, l.location, l.attributes['occi.networkinterface.address']]), [
      [`${INFRA}networkinterface`, '/network/public', '/network/interface/6a7a9446-a146-4faf-a961-52f66d2808df', '134.94.32.154'],
      [`${INFRA}networkinterface`, '/network/admin', '/network/interface/02b630f6-087e-4969-b04c-1e22d9480dec', '192.168.16.103'],
    ]);
    const shown = await occi(['show', '/compute/04106bce-87eb-4f8f-a665-2f624e54ba46', '-o', 'plain'], { env: { OCCI_ENDPOINT: fake.base } });
    assert.match(shown.stdout, /^occi\.compute\.hostname = openmodeller-test-bjoernh$/m);
    assert.match(shown.stdout, /^link = \/network\/interface\/6a7a9446\S+ http:\/\/schemas\.ogf\.org\/occi\/infrastructure#networkinterface \/network\/public$/m);
    client.close();
  });
});

describe('ooi (OpenStack OCCI 1.2) under /occi1.2/', () => {
  let fake: FakeServer;
  const VM = '703910d7-97f7-4e3e-9243-30830591f624';
  before(async () => {
    fake = await fakeServer((req) => {
      const base = `${fake.base}/occi1.2`;
      const body = (name: string) => fixture(`servers/${name}`).replaceAll('http://127.0.0.23:8787/occi1.2', base);
      if (req.url === '/occi1.2/-/') return { headers: TEXT, body: body('ooi-query.txt') };
      if (req.method === 'GET' && req.url === '/occi1.2/compute/') return { headers: TEXT, body: `X-OCCI-Location: ${base}/compute/${VM}\n` };
      if (req.method === 'GET' && req.url === `/occi1.2/compute/${VM}`) return { headers: TEXT, body: body('ooi-compute.txt') };
      if (req.method === 'POST' && req.url === '/occi1.2/compute/') return { status: 201, headers: TEXT, body: `X-OCCI-Location: ${base}/compute/4a7dc666-33d2-495e-93fe-ccd224c98c11\n` };
      if (req.method === 'DELETE' && req.url === `/occi1.2/compute/${VM}`) return { status: 204 };
      if (req.method === 'POST' && req.url === `/occi1.2/compute/${VM}?action=start`) {
        return { status: 409, headers: TEXT, body: 'Cannot \'start\' instance 703910d7 while it is in vm_state active\n' };
      }
      return undefined;
    });
  });
  after(() => fake.close());

  it('lists and reads under the base path; templates found by title; links with their kinds', async () => {
    const client = new OcciClient({ endpoint: `${fake.base}/occi1.2/` });
    const catalog = await client.discover();
    assert.equal(catalog.location(catalog.resolveKind('networkinterface')), '/occi1.2/networklink/');
    assert.equal(catalog.resolveMixin('cirros-0.3.4-x86_64-uec', 'os_tpl').term, '5f4311da-2ee2-47a6-913b-5d8496486c62');
    assert.equal(catalog.resolveMixin('Flavor: m1.nano', 'resource_tpl').term, '42');
    assert.deepEqual(await client.list('compute'), [`${fake.base}/occi1.2/compute/${VM}`]);
    const vm = (await client.get(VM)) as Resource;
    assert.equal(vm.attributes['occi.compute.memory'], 64);
    assert.deepEqual(vm.links.map((l) => [l.kind.slice(l.kind.indexOf('#') + 1), l.target]), [
      ['networkinterface', '/occi1.2/network/cd48b7dd-9ac8-44fc-aec0-5ea679941ced'], ['networkinterface', '/occi1.2/network/PUBLIC'], ['storagelink', '/occi1.2/storage/f551d92d-1992-4625-91ff-5e48d96d03c9'],
    ]);
    client.close();
  });

  it('creates a compute with an image by its title and a flavour, and the OpenStack contextualisation, in text/occi headers', async () => {
    const r = await occi(['create', 'compute', '--os', 'cirros-0.3.4-x86_64-uec', '--size', 'Flavor: m1.nano', '--title', 'OOI_VM_1', '--ssh-key', 'ssh-rsa AAAA me', '--media-type', 'text/occi'], { env: { OCCI_ENDPOINT: `${fake.base}/occi1.2` } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${fake.base}/occi1.2/compute/4a7dc666-33d2-495e-93fe-ccd224c98c11\n`);
    const post = fake.requests.find((q) => q.method === 'POST' && q.url === '/occi1.2/compute/')!;
    assert.equal(post.headers['content-type'], 'text/occi');
    assert.equal(post.body, '');
    assert.equal(post.headers.category, [
      `compute; scheme="${INFRA}"; class="kind"`,
      '5f4311da-2ee2-47a6-913b-5d8496486c62; scheme="http://schemas.openstack.org/template/os#"; class="mixin"',
      '42; scheme="http://schemas.openstack.org/template/resource#"; class="mixin"',
      'public_key; scheme="http://schemas.openstack.org/instance/credentials#"; class="mixin"',
    ].join(', '));
    assert.equal(post.headers['x-occi-attribute'], 'org.openstack.credentials.publickey.data="ssh-rsa AAAA me", occi.core.title="OOI_VM_1"');
  });

  it('shows the server\'s reason for a refused action and deletes with a 204', async () => {
    const r = await occi(['do', VM, 'start'], { env: { OCCI_ENDPOINT: `${fake.base}/occi1.2` } });
    assert.equal(r.code, 5);
    assert.match(r.stderr, /^occi: 409 Conflict: Cannot 'start' instance 703910d7 while it is in vm_state active/);
    assert.equal((await occi(['delete', VM], { env: { OCCI_ENDPOINT: `${fake.base}/occi1.2` } })).code, 0);
  });
});

describe('a JSON server (the spec digest\'s discovery, rOCCI-core 5\'s compute and action)', () => {
  let fake: FakeServer;
  const ID = '488f6764-d4e3-4668-8cbb-1aaa06e92d5f';
  const JSON_TYPE = { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json, text/plain' };
  before(async () => {
    fake = await fakeServer((req): Reply | undefined => {
      if (req.url === '/-/') return { headers: JSON_TYPE, body: fixture('servers/examples-query.json') };
      if (req.method === 'GET' && req.url === '/compute/') return { headers: JSON_TYPE, body: `{"resources": [${fixture('rocci-core.compute.json')}]}` };
      if (req.method === 'GET' && req.url === `/compute/${ID}`) return { headers: JSON_TYPE, body: fixture('rocci-core.compute.json') };
      if (req.method === 'POST' && req.url === `/compute/${ID}?action=stop`) return { headers: JSON_TYPE, body: fixture('rocci-core.compute.json') };
      return { status: 404, headers: JSON_TYPE, body: JSON.stringify({ code: 404, message: `compute ${req.url.split('/').pop()} not found` }) };
    });
  });
  after(() => fake.close());

  it('reads attribute definitions with types, defaults and JSON Schema patterns, and chooses JSON', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    const catalog = await client.discover();
    assert.equal(client.mediaType, 'application/occi+json');
    const compute = catalog.resolveKind('compute');
    assert.deepEqual([compute.attributes.get('occi.compute.cores')?.type, compute.attributes.get('occi.compute.state')?.default], ['number', 'inactive']);
    assert.equal(catalog.resolveAction('stop').attributes.get('method')?.default, 'poweroff');
    assert.equal(catalog.resolveMixin('medium', 'resource_tpl').attributes.get('occi.compute.memory')?.default, 4);
    const [vm] = await client.listEntities('compute');
    assert.deepEqual([vm.id, vm.attributes['occi.core.title'], vm.attributes['occi.compute.cores']], [ID, 'My Compute Instance', 4]);
    client.close();
  });

  it('sends an action invocation as rOCCI-core 5 writes one', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    await client.trigger(`/compute/${ID}`, 'stop', { method: 'graceful' });
    const sent = JSON.parse(fake.requests.at(-1)!.body) as unknown;
    const theirs = JSON.parse(fixture('rocci-core.action_instance.json')) as { action: string; attributes: Record<string, string> };
    assert.deepEqual(sent, { action: theirs.action.replace('#suspend', '#stop'), attributes: { method: 'graceful' } });
    client.close();
  });

  it('shows the message of a JSON error body (ooi\'s {code, message})', async () => {
    const client = new OcciClient({ endpoint: fake.base });
    await assert.rejects(client.get('/compute/nope'), (err: HttpError) => err.status === 404 && err.reason === 'compute nope not found');
    client.close();
  });
});

describe('the spec digest\'s text/plain discovery', () => {
  it('reads every category of examples.md §1.1', async () => {
    const fake = await fakeServer((req) => (req.url === '/-/' ? { headers: TEXT, body: fixture('servers/examples-query.txt') } : undefined));
    const client = new OcciClient({ endpoint: fake.base, mediaType: 'text/plain' });
    const catalog = await client.discover();
    assert.deepEqual(catalog.templates('os_tpl').map((m) => m.term), ['debian9', 'ubuntu1604']);
    assert.equal(catalog.resolveKind('storage').allAttributes.get('occi.storage.size')?.required, true);
    assert.equal(catalog.resolveKind('compute').allAttributes.get('occi.compute.state')?.mutable, false);
    client.close();
    await fake.close();
  });
});
