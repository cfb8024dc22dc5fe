import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeBackendContract, eventually } from '../../src/backends/backend.contract.js';
import { BackendTimeoutError, BackendUnavailableError } from '../../src/errors.js';
import { COMPUTE, draftEntity, standardModel } from '../../src/model/index.js';
import { RemoteShapedBackend } from './remote-shaped.js';

const started = async (options?: ConstructorParameters<typeof RemoteShapedBackend>[0]) => {
  const model = standardModel();
  const backend = new RemoteShapedBackend(options);
  await backend.start(model);
  return { backend, model, teardown: () => backend.stop() };
};

// What a cloud cannot promise is skipped by capability; these are the cases it fails for a reason of its own.
describeBackendContract('remote-shaped', () => started(), {
  skip: [
    { reason: 'the cloud names its own links: no link from a compute to an arbitrary resource', tests: ['accepts a link to an external target'] },
  ],
});

describe('remote-shaped backend, as a cloud behaves', () => {
  const ALICE = { user: 'alice', owner: 'alice', admin: false };
  const BOB = { user: 'bob', owner: 'bob', admin: false };

  it('shows a building compute with no valid actions, then active with its actions', async () => {
    const { backend, model } = await started({ settleMs: 30 });
    await backend.refresh(model, ALICE);
    const [vm] = await backend.create(ALICE, [draftEntity(model, COMPUTE, { kind: COMPUTE.id, mixins: [], attributes: {}, links: [], actionLinks: 0 }, (u) => u)]);
    assert.deepEqual(vm.actions, []);
    assert.equal(vm.attributes['occi.compute.state.message'], 'spawning');
    assert.deepEqual(model.applicableActions(vm), []);
    const settled = await eventually(async () => {
      const e = (await backend.get(ALICE, vm.location))!;
      assert.equal(e.attributes['occi.compute.state'], 'active');
      return e;
    });
    assert.ok(model.applicableActions(settled).some((id) => id.endsWith('#stop')));
    assert.notEqual(settled.version, vm.version);
  });

  it("offers each owner the public images and their own, not another's", async () => {
    const { backend, model } = await started();
    await backend.refresh(model, ALICE);
    await backend.refresh(model, BOB);
    const terms = (owner: string) => model.visibleTo(owner).mixins.filter((m) => m.scheme.endsWith('os_tpl#')).map((m) => m.term).sort();
    assert.deepEqual(terms('alice'), ['img-alpine', 'img-debian']);
    const vm = await eventually(async () => {
      const [made] = await backend.create(ALICE, [draftEntity(model, COMPUTE, { kind: COMPUTE.id, mixins: [], attributes: {}, links: [], actionLinks: 0 }, (u) => u)]);
      return made;
    });
    const save = COMPUTE.actions.find((a) => a.term === 'save')!;
    await eventually(() => backend.invoke(ALICE, [vm.location], save, { name: 'mine' }));
    assert.equal(terms('alice').length, 3);
    assert.deepEqual(terms('bob'), ['img-alpine', 'img-debian']);
  });

  it('is 503 when the cloud is down and 504 past the deadline, naming the cloud', async () => {
    const { backend } = await started({ latencyMs: 50 });
    backend.up = false;
    await assert.rejects(backend.list(ALICE, { detail: 'locations' }), (e: unknown) => e instanceof BackendUnavailableError && /remote cloud/.test(e.message));
    assert.equal((await backend.health()).ok, false);
    backend.up = true;
    await assert.rejects(backend.list({ ...ALICE, deadline: Date.now() + 5 }, { detail: 'locations' }), BackendTimeoutError);
  });
});
