import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OcciError } from '../../errors.js';
import { COMPUTE, NETWORK, STORAGE, draftEntity, draftInlineLink, standardModel, type Attributes, type Kind, type LinkInput, type Resource } from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import { DEFAULT_TEMPLATES, EmbeddedBackend } from './index.js';

const ALICE: RequestContext = { user: 'alice', owner: 'alice', admin: false };
const SHAREABLE = 'http://occi-server.local/occi/storage#shareable';

async function started() {
  const model = standardModel();
  const backend = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
  await backend.start(model);
  const draft = (kind: Kind, attributes: Attributes = {}, mixins: string[] = [], links: LinkInput[] = []) =>
    draftEntity(model, kind, { kind: kind.id, mixins, attributes, links, actionLinks: 0 }, (u) => u);
  const disk = async (mixins: string[] = []) => (await backend.create(ALICE, [draft(STORAGE, { 'occi.storage.size': 1 }, mixins)]))[0];
  const attached = async (target: string) => (await backend.create(ALICE, [draft(COMPUTE, {}, [], [{ mixins: [], attributes: {}, target }])]))[0] as Resource;
  return { model, backend, draft, disk, attached };
}

const conflict = (pattern: RegExp) => (err: OcciError) => err.code === 'OCCI_ERR_CONFLICT_STATE' && pattern.test(err.message);

describe('embedded storage attachments', () => {
  it('offers the shareable mixin for storage in the model', async () => {
    const { model, backend } = await started();
    const mixin = model.findMixin(SHAREABLE)!;
    assert.deepEqual([mixin.location, mixin.applies.map((k) => k.id)], ['/mixin/shareable/', [STORAGE.id]]);
    await backend.stop();
  });

  it('delete() of an attached storage is 409 naming the storagelink, and succeeds once detached', async () => {
    const { backend, disk, attached } = await started();
    const storage = await disk();
    const vm = await attached(storage.location);
    const link = vm.links[0].location;
    await assert.rejects(backend.delete(ALICE, [storage.location]), conflict(new RegExp(`${link}.*${vm.location}`)));
    assert.ok(await backend.get(ALICE, storage.location), 'nothing deleted');
    await backend.delete(ALICE, [link]);
    await backend.delete(ALICE, [storage.location]);
    assert.equal(await backend.get(ALICE, storage.location), undefined);
    await backend.stop();
  });

  it('delete() takes a storage together with the compute or the link that attaches it', async () => {
    const { backend, disk, attached } = await started();
    const [a, b] = [await disk(), await disk()];
    const [vmA, vmB] = [await attached(a.location), await attached(b.location)];
    await backend.delete(ALICE, [vmA.location, a.location]);
    await backend.delete(ALICE, [vmB.links[0].location, b.location]);
    for (const e of [a, b, vmA]) assert.equal(await backend.get(ALICE, e.location), undefined);
    assert.deepEqual(((await backend.get(ALICE, vmB.location)) as Resource).links, []);
    await backend.stop();
  });

  it('create() refuses to attach a storage to a second compute (409 naming the link), in one request or two', async () => {
    const { model, backend, draft, disk, attached } = await started();
    const storage = await disk();
    const first = await attached(storage.location);
    await assert.rejects(attached(storage.location), conflict(new RegExp(`attached to ${first.location} by ${first.links[0].location}`)));
    const other = await disk();
    const lun: LinkInput = { mixins: [], attributes: {}, target: other.location };
    await assert.rejects(backend.create(ALICE, [draft(COMPUTE, {}, [], [lun]), draft(COMPUTE, {}, [], [lun])]), conflict(/shareable/));
    const computes = await backend.list(ALICE, { kinds: [COMPUTE.id], detail: 'locations' });
    assert.deepEqual(computes.locations, [first.location], 'the refused batch stored nothing');
    // A second device of the same compute is still one attachment.
    const current = (await backend.get(ALICE, first.location))!;
    const second = draftInlineLink(model, { mixins: [], attributes: {}, target: storage.location }, (u) => u);
    const [again] = await backend.update(ALICE, [{ before: current, after: current, links: [second] }]);
    assert.deepEqual((again as Resource).links.map((l) => l.target), [storage.location, storage.location]);
    await backend.stop();
  });

  it('a shareable storage attaches to several computes, and stays shareable while it does', async () => {
    const { backend, disk, attached } = await started();
    const storage = await disk([SHAREABLE]);
    const [one, two] = [await attached(storage.location), await attached(storage.location)];
    assert.equal(two.links[0].target, storage.location);
    const current = (await backend.get(ALICE, storage.location))!;
    await assert.rejects(
      backend.update(ALICE, [{ before: current, after: { ...current, mixins: [] } }]),
      conflict(new RegExp(`attached to ${one.location}, ${two.location}`)),
    );
    await backend.delete(ALICE, [two.location]);
    const [plain] = await backend.update(ALICE, [{ before: current, after: { ...current, mixins: [] } }]);
    assert.deepEqual(plain.mixins, []);
    await backend.stop();
  });

  it('a network keeps its interfaces deletable with it (only storage is held)', async () => {
    const { backend, draft } = await started();
    const [net] = await backend.create(ALICE, [draft(NETWORK)]);
    const [vm] = await backend.create(ALICE, [draft(COMPUTE, {}, [], [{ mixins: [], attributes: {}, target: net.location }])]);
    await backend.delete(ALICE, [net.location]);
    assert.deepEqual(((await backend.get(ALICE, vm.location)) as Resource).links, []);
    await backend.stop();
  });
});
