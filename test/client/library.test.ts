/**
 * OcciClient end to end against occi-server on loopback: every operation in
 * each media type the client writes (text/plain, text/occi, JSON) and with
 * `auto` negotiation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpError, LookupError, OcciClient, WaitError, type Entity, type MediaTypeChoice, type Resource } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

describe('OcciClient against occi-server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  for (const mediaType of ['text/plain', 'text/occi', 'application/occi+json', 'auto'] as MediaTypeChoice[]) {
    describe(`in ${mediaType}`, () => {
      let occi: OcciClient;
      const tag = mediaType.replace(/\W/g, '');
      const title = `web-${tag}`;
      let net: string;
      let disk: string;
      let vm: string;
      before(() => {
        occi = new OcciClient({ endpoint: server.base, mediaType });
      });
      after(() => occi.close());

      it('discovers kinds, templates and actions and picks the media type', async () => {
        const catalog = await occi.discover();
        assert.ok(catalog.kinds.some((k) => k.id === `${INFRA}compute`));
        assert.deepEqual(catalog.templates('os_tpl').slice(0, 2).map((m) => m.term), ['debian12', 'ubuntu2404']);
        assert.equal(catalog.resolveMixin('small', 'resource_tpl').id, 'http://localhost/occi/resource_tpl#small');
        assert.ok(catalog.resolveKind('compute').allAttributes.get('occi.compute.state')?.required);
        assert.equal(occi.mediaType, mediaType === 'auto' ? 'application/occi+json' : mediaType);
      });

      it('creates a network, a storage and a compute from templates with an ssh key and an inline link', async () => {
        net = await occi.create({ kind: 'network', mixins: ['ipnetwork'], attributes: { 'occi.core.title': `lan-${tag}`, 'occi.network.address': '10.9.0.0/24' } });
        disk = await occi.create({ kind: 'storage', attributes: { 'occi.core.title': `disk-${tag}`, 'occi.storage.size': 2 } });
        vm = await occi.create({
          kind: 'compute', mixins: ['os_tpl#debian12', 'resource_tpl#small', 'ssh_key'],
          attributes: { 'occi.core.title': title, 'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAAC3Nza alice@laptop' },
          links: [{ target: net }],
        });
        assert.match(vm, new RegExp(`^${server.base}/compute/[^/]+$`));
      });

      it('reads the compute: kind, mixins, attributes, links, the actions valid now, its ETag', async () => {
        const e = (await occi.get(vm)) as Resource;
        assert.equal(e.kind, `${INFRA}compute`);
        assert.ok(e.mixins.includes('http://localhost/occi/os_tpl#debian12'));
        assert.equal(e.attributes['occi.core.title'], title);
        assert.equal(e.attributes['occi.compute.cores'], 1);
        assert.equal(e.links.length, 1);
        assert.equal(e.links[0].kind, `${INFRA}networkinterface`);
        assert.equal(e.links[0].target, new URL(net).pathname);
        assert.deepEqual(e.actions, [`${INFRA.slice(0, -1)}/compute/action#start`]);
        assert.notEqual(e.version, '');
      });

      it('lists, lists in full, filters by attribute and by mixin, and finds by title, id and kind/id', async () => {
        assert.ok((await occi.list('compute')).includes(vm));
        const full = await occi.listEntities('compute');
        assert.ok(full.some((e) => e.attributes['occi.core.title'] === title));
        assert.deepEqual(await occi.list('compute', { filter: { attributes: { 'occi.core.title': title } } }), [vm]);
        assert.ok((await occi.list('compute', { filter: { categories: ['os_tpl#debian12'] } })).includes(vm));
        assert.deepEqual(await occi.list('compute', { filter: { categories: ['os_tpl#cirros06'] } }), []);
        const id = vm.slice(vm.lastIndexOf('/') + 1);
        for (const ref of [title, id, `compute/${id}`, new URL(vm).pathname]) assert.equal((await occi.resolve(ref)).href, vm, ref);
      });

      it('updates attributes (POST) and replaces the entity (PUT)', async () => {
        const updated = await occi.update(vm, { attributes: { 'occi.core.summary': 'front end' } });
        assert.equal(updated?.attributes['occi.core.summary'], 'front end');
        const replaced = await occi.replace(vm, { kind: 'compute', mixins: ['os_tpl#debian12', 'resource_tpl#small'], attributes: { 'occi.core.title': title } });
        assert.equal(replaced?.attributes['occi.core.title'], title);
        assert.equal(replaced?.attributes['occi.core.summary'], undefined);
      });

      it('starts the compute and waits for it; a second start is refused with the server\'s reason', async () => {
        const { entity } = await occi.trigger(vm, 'start');
        assert.equal(entity?.attributes['occi.compute.state'], 'active');
        const seen: Array<string | undefined> = [];
        await occi.waitFor(vm, 'active', { intervalMs: 10, onProgress: (p) => seen.push(p.state) });
        assert.deepEqual(seen, ['active']);
        await assert.rejects(occi.trigger(vm, 'start'), (err: HttpError) => err.status === 409 && /not valid .* in state active/.test(err.reason));
        await assert.rejects(occi.waitFor(vm, 'suspended', { timeoutMs: 30, intervalMs: 10 }), (err: WaitError) => err.timedOut && err.state === 'active');
      });

      it('saves the compute as a new OS template (an action answered with a category)', async () => {
        const { categories } = await occi.trigger(vm, 'save', { name: `golden-${tag}` });
        assert.equal(categories?.[0].term, `golden-${tag}`);
      });

      it('links the compute to the storage and unlinks it', async () => {
        const link = await occi.link(vm, disk, { attributes: { 'occi.storagelink.mountpoint': '/srv' } });
        assert.match(link, /\/storagelink\//);
        const withLink = (await occi.get(vm)) as Resource;
        assert.deepEqual(withLink.links.map((l) => l.target).sort(), [new URL(disk).pathname, new URL(net).pathname].sort());
        assert.equal(withLink.links.find((l) => l.location === new URL(link).pathname)?.attributes['occi.storagelink.mountpoint'], '/srv');
        await occi.unlink(link);
        assert.equal(((await occi.get(vm)) as Resource).links.length, 1);
      });

      it('defines a user mixin, tags and untags the compute, lists the tag, removes the mixin', async () => {
        const mixin = await occi.defineMixin({ term: `prod-${tag}`, title: 'Production' });
        await occi.addMixin(mixin.id, [vm]);
        assert.deepEqual(await occi.list(mixin.id), [vm]);
        assert.ok((await occi.get(vm)).mixins.includes(mixin.id));
        await occi.removeMixin(mixin.id, [vm]);
        assert.deepEqual(await occi.list(mixin.id), []);
        await occi.undefineMixin(mixin.id);
        assert.equal((await occi.discover()).find(mixin.id), undefined);
      });

      it('runs an action on a whole collection', async () => {
        await occi.triggerAll('compute', 'stop');
        const all = await occi.listEntities('compute');
        assert.ok(all.every((e: Entity) => e.attributes['occi.compute.state'] === 'inactive'));
      });

      it('deletes the compute (then 404) and every storage', async () => {
        await occi.delete(vm);
        await assert.rejects(occi.get(vm), (err: HttpError) => err.status === 404);
        await occi.deleteAll('storage');
        assert.deepEqual(await occi.list('storage'), []);
        await occi.delete(net);
      });

      it('names what the server does not offer', async () => {
        await assert.rejects(occi.create({ kind: 'compute', mixins: ['os_tpl#nope'] }), (err: LookupError) => err instanceof LookupError && err.candidates.includes('debian12'));
        await assert.rejects(occi.create({ kind: 'computer' }), LookupError);
      });
    });
  }
});
