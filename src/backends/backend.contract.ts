import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConflictError, NotFoundError, OcciError, ValidationError } from '../errors.js';
import {
  COMPUTE, ENTITY, LINK, Mixin, NETWORK, NETWORKINTERFACE, OS_TPL, SAVE, STORAGE, STORAGELINK,
  checkActionInput, draftEntity, draftInlineLink, templateFamily,
  type Action, type Attributes, type Entity, type EntityDraft, type Kind, type Link, type LinkInput, type Model, type Resource,
} from '../model/index.js';
import type { Backend, RequestContext } from './backend.js';

/** What a backend's test hands the contract: a started backend, the model it was started on, and how to dispose of both. */
export interface ContractSubject {
  backend: Backend;
  model: Model;
  teardown(): Promise<void>;
}

const ALICE: RequestContext = { user: 'alice', owner: 'alice', admin: false };
const BOB: RequestContext = { user: 'bob', owner: 'bob', admin: false };
const ROOT: RequestContext = { user: 'root', owner: 'root', admin: true };
const resolve = (uri: string) => uri;

/**
 * The rules every backend keeps (backend.ts), as one suite. A backend's test
 * calls it with a factory that returns a fresh, started backend for each test.
 *
 * @example
 * describeBackendContract('embedded', async () => {
 *   const model = standardModel();
 *   const backend = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
 *   await backend.start(model);
 *   return { backend, model, teardown: () => backend.stop() };
 * });
 */
export function describeBackendContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`${name} backend contract`, () => {
    let backend: Backend;
    let model: Model;
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await setup();
      ({ backend, model } = subject);
    });
    afterEach(() => subject.teardown());

    const draft = (kind: Kind, attributes: Attributes = {}, mixins: string[] = [], links: LinkInput[] = []): EntityDraft =>
      draftEntity(model, kind, { kind: kind.id, mixins, attributes, links, actionLinks: 0 }, resolve);
    const linkDraft = (kind: Kind, source: string, target: string, attributes: Attributes = {}): EntityDraft =>
      draft(kind, { ...attributes, 'occi.core.source': source, 'occi.core.target': target });
    const one = async (d: EntityDraft, ctx = ALICE, at?: string) => (await backend.create(ctx, [d], at))[0];
    const compute = (attributes: Attributes = {}, ctx = ALICE, mixins: string[] = [], links: LinkInput[] = []) =>
      one(draft(COMPUTE, attributes, mixins, links), ctx) as Promise<Resource>;
    const network = (ctx = ALICE) => one(draft(NETWORK), ctx);
    const storage = (ctx = ALICE) => one(draft(STORAGE, { 'occi.storage.size': 10 }), ctx);
    const locations = async (kind: Kind, ctx = ALICE) => (await backend.list(ctx, { kinds: [kind.id], detail: 'locations' })).locations;
    const act = (ctx: RequestContext, targets: Entity[], action: Action, attributes: Attributes = {}) => {
      const kind = model.getKind(targets[0].kind);
      const { parameters } = checkActionInput(model, kind, [], action.term, { action: action.id, attributes });
      return backend.invoke(ctx, targets.map((t) => t.location), action, parameters);
    };
    const stateOf = async (e: Entity, attribute: string) => (await backend.get(ALICE, e.location))!.attributes[attribute];
    const osTemplates = () => model.mixins.filter((m) => templateFamily(m) === OS_TPL);
    const rejects = (p: Promise<unknown>, type: new (...a: never[]) => OcciError, code: string) =>
      assert.rejects(p, (err: unknown) => err instanceof type && err.code === code);
    const action = (kind: Kind, term: string) => kind.actions.find((a) => a.term === term)!;

    describe('create()', () => {
      it('assigns ids and locations <kind location><id> to compute, network and storage', async () => {
        const made = await backend.create(ALICE, [draft(COMPUTE), draft(NETWORK), draft(STORAGE, { 'occi.storage.size': 5 })]);
        assert.deepEqual(made.map((e) => e.kind), [COMPUTE.id, NETWORK.id, STORAGE.id]);
        for (const [e, kind] of made.map((e, i) => [e, [COMPUTE, NETWORK, STORAGE][i]] as const)) {
          assert.match(e.id, /^[A-Za-z0-9][A-Za-z0-9_-]*$/);
          assert.equal(e.location, kind.location + e.id);
        }
        assert.equal(new Set(made.map((e) => e.id)).size, 3);
        assert.equal(made[2].attributes['occi.storage.size'], 5);
      });

      it('sets the initial state of each Kind from its state machine', async () => {
        for (const [e, kind] of [[await compute(), COMPUTE], [await network(), NETWORK], [await storage(), STORAGE]] as const) {
          const sm = model.stateMachine(kind)!;
          assert.equal(e.attributes[sm.attribute], sm.initial);
        }
        // Even when the draft does not carry the Kind's default.
        const bare = await one({ kind: COMPUTE, mixins: [], attributes: {}, links: [] });
        assert.equal(bare.attributes['occi.compute.state'], model.stateMachine(COMPUTE)!.initial);
      });

      it('honours a free requested id and replaces a taken one', async () => {
        const first = await compute({ 'occi.core.id': 'web-1' });
        assert.equal(first.id, 'web-1');
        assert.equal(first.location, '/compute/web-1');
        const second = await compute({ 'occi.core.id': 'web-1' });
        assert.notEqual(second.id, 'web-1');
        assert.equal(second.location, COMPUTE.location + second.id);
      });

      it('associates a default OS template when none is given, and keeps the one named', async () => {
        const plain = await compute();
        assert.equal(plain.mixins.filter((id) => templateFamily(model.getMixin(id)) === OS_TPL).length, 1);
        const chosen = osTemplates().at(-1)!;
        const named = await compute({}, ALICE, [chosen.id]);
        assert.deepEqual(named.mixins.filter((id) => templateFamily(model.getMixin(id)) === OS_TPL), [chosen.id]);
      });

      it('returns a resource with its inline links, completed by the server', async () => {
        const [net, disk] = [await network(), await storage()];
        const vm = await compute({}, ALICE, [], [
          { mixins: [], attributes: {}, target: net.location },
          { mixins: [], attributes: {}, target: net.location },
          { mixins: [], attributes: {}, target: disk.location },
        ]);
        assert.equal(vm.links.length, 3);
        const [eth0, eth1, vdb] = vm.links;
        for (const l of vm.links) assert.equal(l.source, vm.location);
        assert.deepEqual([eth0.kind, eth0.targetKind, eth0.target], [NETWORKINTERFACE.id, NETWORK.id, net.location]);
        assert.equal(eth0.location, NETWORKINTERFACE.location + eth0.id);
        assert.deepEqual([eth0.attributes['occi.networkinterface.interface'], eth1.attributes['occi.networkinterface.interface']], ['eth0', 'eth1']);
        assert.equal(eth0.attributes['occi.networkinterface.state'], 'active');
        assert.match(String(eth0.attributes['occi.networkinterface.mac']), /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        assert.notEqual(eth0.attributes['occi.networkinterface.mac'], eth1.attributes['occi.networkinterface.mac']);
        assert.deepEqual([vdb.kind, vdb.targetKind, vdb.attributes['occi.storagelink.deviceid']], [STORAGELINK.id, STORAGE.id, '/dev/vdb']);
        assert.equal(vdb.attributes['occi.storagelink.state'], 'active');
        assert.deepEqual((await backend.get(ALICE, vm.location) as Resource).links.map((l) => l.location), vm.links.map((l) => l.location));
      });

      it('creates a stand-alone link from an existing resource, several between the same ends', async () => {
        const [vm, net] = [await compute(), await network()];
        const a = await one(linkDraft(NETWORKINTERFACE, vm.location, net.location)) as Link;
        const b = await one(linkDraft(NETWORKINTERFACE, vm.location, net.location)) as Link;
        assert.deepEqual([a.source, a.target, a.targetKind, a.sourceKind], [vm.location, net.location, NETWORK.id, COMPUTE.id]);
        assert.notEqual(a.location, b.location);
        assert.equal(b.attributes['occi.networkinterface.interface'], 'eth1');
        assert.deepEqual((await backend.get(ALICE, vm.location) as Resource).links.map((l) => l.location), [a.location, b.location]);
        assert.equal((await backend.get(ALICE, a.location) as Link).source, vm.location);
      });

      it('accepts an external target and refuses a missing source, a link as source or a missing internal target', async () => {
        const vm = await compute();
        const ext = await one(linkDraft(LINK, vm.location, 'http://example.org/elsewhere/1')) as Link;
        assert.equal(ext.target, 'http://example.org/elsewhere/1');
        // The target kind of an internal target is the target's, whatever the client said.
        const back = await one(linkDraft(LINK, ext.source, vm.location, { 'occi.core.target.kind': NETWORK.id })) as Link;
        assert.equal(back.targetKind, COMPUTE.id);
        await rejects(one(linkDraft(LINK, '/compute/nothing-here', vm.location)), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        await rejects(one(linkDraft(LINK, ext.location, vm.location)), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        await rejects(one(linkDraft(LINK, vm.location, '/network/nothing-here')), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        assert.deepEqual(await locations(LINK), [ext.location, back.location]);
      });

      it('puts an entity at a chosen free location, refusing a taken or foreign one', async () => {
        const vm = await one(draft(COMPUTE), ALICE, '/compute/chosen');
        assert.deepEqual([vm.id, vm.location], ['chosen', '/compute/chosen']);
        await rejects(one(draft(COMPUTE), ALICE, '/compute/chosen'), ConflictError, 'OCCI_ERR_CONFLICT_LOCATION');
        await rejects(one(draft(COMPUTE), ALICE, '/network/elsewhere'), ValidationError, 'OCCI_ERR_VALIDATION_LOCATION');
        await rejects(one(draft(COMPUTE), ALICE, '/compute/bad:id'), ValidationError, 'OCCI_ERR_VALIDATION_LOCATION');
        await rejects(backend.create(ALICE, [draft(COMPUTE), draft(COMPUTE)], '/compute/both'), ValidationError, 'OCCI_ERR_VALIDATION_LOCATION');
        assert.deepEqual(await locations(COMPUTE), [vm.location]);
      });

      it('refuses a Kind without a location', async () => {
        await rejects(one({ kind: ENTITY, mixins: [], attributes: {}, links: [] }), ValidationError, 'OCCI_ERR_VALIDATION_KIND');
      });

      it('is atomic: one bad draft and nothing is created', async () => {
        await rejects(backend.create(ALICE, [draft(COMPUTE), linkDraft(LINK, '/compute/nothing-here', 'urn:x')]), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        const net = await network();
        await rejects(compute({}, ALICE, [], [{ mixins: [], attributes: {}, target: net.location }, { mixins: [], attributes: {}, target: '/storage/none' }]),
          ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        assert.deepEqual(await locations(COMPUTE), []);
        assert.deepEqual(await locations(NETWORKINTERFACE), []);
      });
    });

    describe('get() and list()', () => {
      it('get() of an unknown location is undefined', async () => {
        assert.equal(await backend.get(ALICE, '/compute/unknown'), undefined);
      });

      it('get() returns the entity as created', async () => {
        const vm = await compute({ 'occi.core.title': 'web' });
        assert.deepEqual(await backend.get(ALICE, vm.location), vm);
      });

      it('list() selects by kinds, in creation order', async () => {
        const c1 = await compute();
        const n1 = await network();
        const c2 = await compute();
        assert.deepEqual(await locations(COMPUTE), [c1.location, c2.location]);
        const both = await backend.list(ALICE, { kinds: [NETWORK.id, COMPUTE.id], detail: 'locations' });
        assert.deepEqual(both.locations, [c1.location, n1.location, c2.location]);
      });

      it('list() selects by mixin, by prefix and by category filter', async () => {
        const [tplA, tplB] = osTemplates();
        const a = await compute({}, ALICE, [tplA.id]);
        const b = await compute({}, ALICE, [tplB.id]);
        const net = await network();
        const disk = await storage();
        assert.deepEqual((await backend.list(ALICE, { mixin: tplA.id, detail: 'locations' })).locations, [a.location]);
        assert.deepEqual((await backend.list(ALICE, { kinds: [NETWORK.id], detail: 'locations' })).locations, [net.location]);
        assert.deepEqual((await backend.list(ALICE, { detail: 'locations' })).locations, [a.location, b.location, net.location, disk.location]);
        const filtered = await backend.list(ALICE, { kinds: [COMPUTE.id], filter: { categories: [tplB.id], attributes: {} }, detail: 'locations' });
        assert.deepEqual(filtered.locations, [b.location]);
      });

      it('list() filters by typed attribute value', async () => {
        const a = await compute({ 'occi.core.title': 'web', 'occi.compute.cores': 2 });
        await compute({ 'occi.core.title': 'db', 'occi.compute.cores': 4 });
        const byTitle = await backend.list(ALICE, { filter: { categories: [], attributes: { 'occi.core.title': 'web' } }, detail: 'locations' });
        assert.deepEqual(byTitle.locations, [a.location]);
        const byCores = await backend.list(ALICE, { kinds: [COMPUTE.id], filter: { categories: [], attributes: { 'occi.compute.cores': '2' } }, detail: 'locations' });
        assert.deepEqual(byCores.locations, [a.location]);
      });

      it('list() pages with offset and limit, in creation order', async () => {
        const all: string[] = [];
        for (let i = 0; i < 5; i++) all.push((await compute({ 'occi.core.title': i % 2 ? 'odd' : 'even' })).location);
        const page = await backend.list(ALICE, { kinds: [COMPUTE.id], offset: 1, limit: 2, detail: 'locations' });
        assert.deepEqual(page.locations, all.slice(1, 3));
        const filtered = await backend.list(ALICE, { filter: { categories: [], attributes: { 'occi.core.title': 'even' } }, offset: 1, limit: 1, detail: 'locations' });
        assert.deepEqual(filtered.locations, [all[2]]);
      });

      it("list() gives full entities with their links for 'entities', none for 'locations'", async () => {
        const net = await network();
        const vm = await compute({}, ALICE, [], [{ mixins: [], attributes: {}, target: net.location }]);
        const full = await backend.list(ALICE, { kinds: [COMPUTE.id, NETWORK.id], detail: 'entities' });
        assert.deepEqual(full.locations, [net.location, vm.location]);
        assert.deepEqual(full.entities, [net, vm].map((e) => ({ ...e, links: (e as Resource).links ?? [] })));
        assert.equal((await backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'locations' })).entities, undefined);
      });
    });

    describe('update()', () => {
      it('stores the change and increments the version', async () => {
        const vm = await compute({ 'occi.core.title': 'old' });
        const [stored] = await backend.update(ALICE, [{ entity: { ...vm, attributes: { ...vm.attributes, 'occi.core.title': 'new' } } }]);
        assert.equal(stored.version, vm.version + 1);
        assert.equal((await backend.get(ALICE, vm.location))!.attributes['occi.core.title'], 'new');
      });

      it('leaves the state to actions', async () => {
        const vm = await compute();
        const [stored] = await backend.update(ALICE, [{ entity: { ...vm, attributes: { ...vm.attributes, 'occi.compute.state': 'active' } } }]);
        assert.equal(stored.attributes['occi.compute.state'], 'inactive');
      });

      it('refuses a stale version (OCCI_ERR_CONFLICT_STATE) and changes nothing, even in a batch', async () => {
        const [a, b] = [await compute({ 'occi.core.title': 'a' }), await compute({ 'occi.core.title': 'b' })];
        await backend.update(ALICE, [{ entity: { ...b, attributes: { ...b.attributes, 'occi.core.title': 'b2' } } }]);
        const changes = [a, b].map((e) => ({ entity: { ...e, attributes: { ...e.attributes, 'occi.core.title': 'lost' } } }));
        await rejects(backend.update(ALICE, changes), ConflictError, 'OCCI_ERR_CONFLICT_STATE');
        assert.deepEqual(await backend.get(ALICE, a.location), a);
        assert.equal((await backend.get(ALICE, b.location))!.attributes['occi.core.title'], 'b2');
      });

      it('reflects mixins in mixin collections and adds inline links', async () => {
        const tag = await defineTag('prod');
        const net = await network();
        const vm = await compute();
        const links = [draftInlineLink(model, { mixins: [], attributes: {}, target: net.location }, resolve)];
        const [tagged] = await backend.update(ALICE, [{ entity: { ...vm, mixins: [...vm.mixins, tag.id] }, links }]);
        assert.equal((tagged as Resource).links.length, 1);
        assert.deepEqual((await backend.list(ALICE, { mixin: tag.id, detail: 'locations' })).locations, [vm.location]);
        await backend.update(ALICE, [{ entity: { ...tagged, mixins: vm.mixins } }]);
        assert.deepEqual((await backend.list(ALICE, { mixin: tag.id, detail: 'locations' })).locations, []);
      });

      it('of an unknown location is NotFoundError', async () => {
        const vm = await compute();
        await rejects(backend.update(ALICE, [{ entity: { ...vm, location: '/compute/unknown' } }]), NotFoundError, 'OCCI_ERR_NOT_FOUND');
      });
    });

    describe('delete()', () => {
      it('deletes a resource with its links, and links that point to it', async () => {
        const [net, disk] = [await network(), await storage()];
        const vm = await compute({}, ALICE, [], [{ mixins: [], attributes: {}, target: net.location }]);
        const other = await compute({}, ALICE, [], [{ mixins: [], attributes: {}, target: disk.location }]);
        await backend.delete(ALICE, [vm.location]);
        assert.equal(await backend.get(ALICE, vm.location), undefined);
        assert.equal(await backend.get(ALICE, vm.links[0].location), undefined);
        assert.ok(await backend.get(ALICE, net.location));
        await backend.delete(ALICE, [disk.location]);
        assert.deepEqual((await backend.get(ALICE, other.location) as Resource).links, []);
        assert.deepEqual(await locations(STORAGELINK), []);
      });

      it('deletes a link and leaves its source', async () => {
        const net = await network();
        const vm = await compute({}, ALICE, [], [{ mixins: [], attributes: {}, target: net.location }]);
        await backend.delete(ALICE, [vm.links[0].location]);
        assert.deepEqual((await backend.get(ALICE, vm.location) as Resource).links, []);
      });

      it('is atomic: an unknown location is NotFoundError and nothing is deleted', async () => {
        const [a, b] = [await compute(), await compute()];
        await rejects(backend.delete(ALICE, [a.location, '/compute/unknown', b.location]), NotFoundError, 'OCCI_ERR_NOT_FOUND');
        assert.deepEqual(await locations(COMPUTE), [a.location, b.location]);
      });
    });

    describe('invoke()', () => {
      const [start, stop, suspend] = ['start', 'stop', 'suspend'].map((t) => action(COMPUTE, t));
      const state = 'occi.compute.state';

      it('moves a compute along its state machine', async () => {
        const vm = await compute();
        const [started] = await act(ALICE, [vm], start);
        assert.equal(started.type === 'entity' && started.entity.attributes[state], 'active');
        assert.equal(started.type === 'entity' && started.entity.version, vm.version + 1);
        for (const [a, expected] of [[suspend, 'suspended'], [start, 'active'], [stop, 'inactive']] as const) {
          await act(ALICE, [vm], a);
          assert.equal(await stateOf(vm, state), expected);
        }
      });

      it('refuses an action not valid in the state (OCCI_ERR_CONFLICT_STATE) and changes nothing', async () => {
        const vm = await compute();
        await rejects(act(ALICE, [vm], stop), ConflictError, 'OCCI_ERR_CONFLICT_STATE');
        assert.deepEqual(await backend.get(ALICE, vm.location), vm);
      });

      it('on several entities changes none when one is in the wrong state', async () => {
        const [a, b] = [await compute(), await compute()];
        await act(ALICE, [b], start);
        await rejects(act(ALICE, [a, b], start), ConflictError, 'OCCI_ERR_CONFLICT_STATE');
        assert.equal(await stateOf(a, state), 'inactive');
      });

      it('refuses an action the entity does not define', async () => {
        const vm = await compute();
        await rejects(backend.invoke(ALICE, [vm.location], action(NETWORK, 'up'), {}), ValidationError, 'OCCI_ERR_VALIDATION_ACTION');
        assert.deepEqual(await backend.get(ALICE, vm.location), vm);
      });

      it('brings a network up and down, a storage online and offline', async () => {
        const [net, disk] = [await network(), await storage()];
        await act(ALICE, [net], action(NETWORK, 'up'));
        assert.equal(await stateOf(net, 'occi.network.state'), 'active');
        await act(ALICE, [net], action(NETWORK, 'down'));
        assert.equal(await stateOf(net, 'occi.network.state'), 'inactive');
        await act(ALICE, [disk], action(STORAGE, 'online'));
        assert.equal(await stateOf(disk, 'occi.storage.state'), 'online');
        await act(ALICE, [disk], action(STORAGE, 'offline'));
        assert.equal(await stateOf(disk, 'occi.storage.state'), 'offline');
      });

      it('save returns a new OS template mixin that the model offers', async () => {
        const vm = await compute();
        await act(ALICE, [vm], start);
        const [result] = await act(ALICE, [vm], SAVE, { name: 'golden' });
        assert.equal(result.type, 'mixin');
        const mixin = (result as { mixin: Mixin }).mixin;
        assert.equal(templateFamily(mixin), OS_TPL);
        assert.ok(mixin.location.startsWith('/mixin/os_tpl/') && mixin.location.endsWith('/'));
        assert.equal(model.findMixin(mixin.id), mixin);
        const copy = await compute({}, ALICE, [mixin.id]);
        assert.ok(copy.mixins.includes(mixin.id));
      });
    });

    async function defineTag(term: string, ctx = ALICE): Promise<Mixin> {
      const tag = new Mixin({ scheme: `http://example.org/tags/${ctx.owner}#`, term, location: `/tags/${ctx.owner}/${term}/`, origin: 'user', owner: ctx.owner });
      model.addUserMixin(tag);
      await backend.defineMixin(ctx, tag);
      return tag;
    }

    describe('defineMixin() and removeMixin()', () => {
      it('removing a user mixin strips it from every entity', async () => {
        const tag = await defineTag('web');
        const vm = await compute({}, ALICE, [tag.id]);
        assert.deepEqual((await backend.list(ALICE, { mixin: tag.id, detail: 'locations' })).locations, [vm.location]);
        await backend.removeMixin(ALICE, tag);
        model.removeUserMixin(tag.id);
        assert.equal((await backend.get(ALICE, vm.location))!.mixins.includes(tag.id), false);
        assert.deepEqual((await backend.list(ALICE, { mixin: tag.id, detail: 'locations' })).locations, []);
      });
    });

    describe('isolation', () => {
      it("hides alice's entities from bob in get, list, update, delete and invoke; not from an admin", async () => {
        const vm = await compute();
        assert.equal(await backend.get(BOB, vm.location), undefined);
        assert.deepEqual(await locations(COMPUTE, BOB), []);
        assert.deepEqual((await backend.list(BOB, { detail: 'locations' })).locations, []);
        await rejects(backend.update(BOB, [{ entity: { ...vm, attributes: { ...vm.attributes, 'occi.core.title': 'mine' } } }]), NotFoundError, 'OCCI_ERR_NOT_FOUND');
        await rejects(backend.delete(BOB, [vm.location]), NotFoundError, 'OCCI_ERR_NOT_FOUND');
        await rejects(act(BOB, [vm], action(COMPUTE, 'start')), NotFoundError, 'OCCI_ERR_NOT_FOUND');
        assert.deepEqual(await backend.get(ALICE, vm.location), vm);
        assert.deepEqual(await backend.get(ROOT, vm.location), vm);
        assert.deepEqual(await locations(COMPUTE, ROOT), [vm.location]);
      });

      it("does not let bob link to alice's resources", async () => {
        const net = await network(ALICE);
        const mine = await compute({}, BOB);
        await rejects(one(linkDraft(NETWORKINTERFACE, mine.location, net.location), BOB), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
        await rejects(one(linkDraft(LINK, net.location, mine.location), BOB), ValidationError, 'OCCI_ERR_VALIDATION_LINK');
      });
    });
  });
}
