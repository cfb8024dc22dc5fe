import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPUTE, Mixin, attr, giveKeptSlot, keptSlot, type Model, type Resource } from '../model/index.js';
import { BASE_URL, COMPUTE_A, fixtureModel } from './compute-a.testing.js';
import { occiJson } from './occi-json/index.js';
import { textOcci } from './text-occi/index.js';
import { textPlain } from './text-plain/index.js';

// The memos keep what a shape (Kind, Mixins, owner) decides for every entity
// of that shape, frozen or not: these entities are not frozen, so every
// rendering below goes through ShapeMemo and ActionMemo, never Memo.

const TAG = 'http://example.org/tags#prod';

/** A user mixin `owner` defines as TAG, with attribute definitions of their own. */
function tag(owner: string, attributes: Parameters<typeof attr>[]): Mixin {
  return new Mixin({
    scheme: 'http://example.org/tags#', term: 'prod', title: `${owner}'s prod`, location: '/tags/prod/', origin: 'user', owner,
    applies: [COMPUTE], attributes: attributes.map((a) => attr(...a)),
  });
}

function tagged(owner: string, attributes: Resource['attributes'] = {}): Resource {
  return { ...COMPUTE_A, owner, mixins: [TAG], links: [], attributes: { 'occi.compute.state': 'active', ...attributes } };
}

const text = (entity: Resource, model: Model) => textPlain.render({ type: 'entity', entity }, { model, baseUrl: BASE_URL }).body;
const occi = (entity: Resource, model: Model) => textOcci.render({ type: 'entity', entity }, { model, baseUrl: BASE_URL }).headers;
const json = (entity: Resource, model: Model) => JSON.parse(occiJson.render({ type: 'entity', entity }, { model, baseUrl: BASE_URL }).body);

describe('ShapeMemo', () => {
  // Same type id, different definitions: alice's tag.v is a string, bob's an integer, and their attributes come in other orders.
  const model = fixtureModel();
  model.addUserMixin(tag('alice', [['tag.v', 'string'], ['tag.a', 'integer'], ['tag.b', 'integer']]));
  model.addUserMixin(tag('bob', [['tag.v', 'integer'], ['tag.b', 'integer'], ['tag.a', 'integer']]));
  const values = { 'tag.v': 5, 'tag.a': 1, 'tag.b': 2 };
  const views: Array<[string, Model]> = [['the base model', model], ['an administrator', model.visibleTo('admin')]];

  for (const [who, view] of views) {
    it(`renders each owner's entity with that owner's mixin, seen by ${who}, in turn and again`, () => {
      for (let round = 0; round < 2; round++) {
        assert.match(text(tagged('alice', values), view), /X-OCCI-Attribute: tag\.v="5"\r\nX-OCCI-Attribute: tag\.a=1\r\nX-OCCI-Attribute: tag\.b=2\r\n$/);
        assert.match(text(tagged('bob', values), view), /X-OCCI-Attribute: tag\.v=5\r\nX-OCCI-Attribute: tag\.b=2\r\nX-OCCI-Attribute: tag\.a=1\r\n$/);
        assert.match(occi(tagged('alice', values), view).find(([n]) => n === 'X-OCCI-Attribute')![1], /tag\.v="5", tag\.a=1, tag\.b=2$/);
        assert.match(occi(tagged('bob', values), view).find(([n]) => n === 'X-OCCI-Attribute')![1], /tag\.v=5, tag\.b=2, tag\.a=1$/);
        assert.deepEqual(Object.keys(json(tagged('alice', values), view).attributes).slice(-3), ['tag.v', 'tag.a', 'tag.b']);
        assert.deepEqual(Object.keys(json(tagged('bob', values), view).attributes).slice(-3), ['tag.v', 'tag.b', 'tag.a']);
      }
    });
  }

  it('renders an entity in each view as that view sees it, whichever view rendered it first', () => {
    // Two models alike: each view's rendering must not depend on what another view rendered before it.
    const twin = fixtureModel();
    twin.addUserMixin(tag('alice', [['tag.v', 'string'], ['tag.a', 'integer'], ['tag.b', 'integer']]));
    twin.addUserMixin(tag('bob', [['tag.v', 'integer'], ['tag.b', 'integer'], ['tag.a', 'integer']]));
    const owners = ['alice', 'bob', 'carol'];
    const first = owners.map((viewer) => owners.map((owner) => text(tagged(owner, values), model.visibleTo(viewer))));
    const reversed = [...owners].reverse().map((viewer) => [...owners].reverse().map((owner) => text(tagged(owner, values), twin.visibleTo(viewer))));
    assert.deepEqual(first, reversed.reverse().map((row) => row.reverse()));
    assert.notEqual(first[0][0], first[1][1]);
  });

  it('sees a user mixin added after a rendering, and no more once it is removed', () => {
    const m = fixtureModel();
    const entity = tagged('carol', { 'tag.v': 5 });
    const category = `Category: prod; scheme="http://example.org/tags#"; class="mixin"\r\n`;
    assert.ok(!text(entity, m).includes(category));
    assert.equal(json(entity, m).mixins, undefined);

    m.addUserMixin(tag('carol', [['tag.v', 'string']]));
    assert.ok(text(entity, m).includes(category));
    assert.ok(text(entity, m).includes('X-OCCI-Attribute: tag.v="5"\r\n'));
    assert.ok(occi(entity, m).some(([n, v]) => n === 'Category' && v.includes('prod; scheme="http://example.org/tags#"')));
    assert.deepEqual(json(entity, m).mixins, [TAG]);

    m.visibleTo('carol').removeUserMixin(TAG);
    assert.ok(!text(entity, m).includes(category));
    assert.ok(text(entity, m).includes('X-OCCI-Attribute: tag.v=5\r\n'));
    assert.equal(json(entity, m).mixins, undefined);
  });

  it('keeps two models apart, also at the same version', () => {
    const a = fixtureModel();
    const b = fixtureModel();
    a.addMixin(new Mixin({ scheme: 'http://example.org/a#', term: 'x', location: '/a/x/', attributes: [attr('x.v', 'string')] }));
    b.addMixin(new Mixin({ scheme: 'http://example.org/b#', term: 'x', location: '/b/x/', attributes: [attr('x.v', 'integer')] }));
    assert.equal(a.version, b.version);
    const entity = { ...tagged('dave', { 'x.v': 5 }), mixins: ['http://example.org/a#x'] };
    assert.ok(text(entity, a).includes('Category: x; scheme="http://example.org/a#"'));
    assert.ok(text(entity, a).includes('X-OCCI-Attribute: x.v="5"\r\n'));
    assert.ok(!text(entity, b).includes('Category: x;'));
    assert.ok(text(entity, b).includes('X-OCCI-Attribute: x.v=5\r\n'));
    assert.equal(json(entity, b).mixins, undefined);
  });
});

describe('ActionMemo', () => {
  const model = fixtureModel();
  const actions = (entity: Resource) => [...text(entity, model).matchAll(/\?action=(\w+)>/g)].map((m) => m[1]);
  const compute = (attributes: Resource['attributes'], given?: string[]) => ({ ...COMPUTE_A, links: [], attributes, ...(given ? { actions: given } : {}) });
  const action = (term: string) => `http://schemas.ogf.org/occi/infrastructure/compute/action#${term}`;

  it('renders the actions of each state, whatever was rendered before', () => {
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(actions(compute({ 'occi.compute.state': 'active' })), ['stop', 'restart', 'suspend', 'save']);
      assert.deepEqual(actions(compute({ 'occi.compute.state': 'inactive' })), ['start']);
      assert.deepEqual(json(compute({ 'occi.compute.state': 'inactive' }), model).actions, [action('start')]);
      // Without a state, the machine's initial one (inactive).
      assert.deepEqual(actions(compute({})), ['start']);
    }
  });

  it("renders the backend's own list of actions when the entity carries one", () => {
    assert.deepEqual(actions(compute({ 'occi.compute.state': 'active' }, [action('stop')])), ['stop']);
    assert.deepEqual(actions(compute({ 'occi.compute.state': 'active' }, [action('restart')])), ['restart']);
    assert.deepEqual(actions(compute({ 'occi.compute.state': 'active' }, [])), []);
    assert.deepEqual(json(compute({ 'occi.compute.state': 'active' }, [action('restart')]), model).actions, [action('restart')]);
  });
});

describe('Memo on a value with a kept slot (model/kept.ts)', () => {
  it('keeps each rendering on the entity itself, renders again once the model changes, and the slot shows nowhere', () => {
    const model = fixtureModel();
    const entity = { ...COMPUTE_A, owner: 'alice', links: [] } as Resource;
    giveKeptSlot(entity);
    Object.freeze(entity);
    assert.equal(keptSlot(entity)!.size, 0);
    const first = text(entity, model);
    assert.ok(keptSlot(entity)!.size > 0, 'the rendering is kept in the slot');
    // Kept: the very same string, even though the entity object is the key.
    assert.equal(text(entity, model), first);
    json(entity, model);
    const kept = keptSlot(entity)!.size;
    assert.ok(kept >= 2, `text and JSON each keep theirs (${kept})`);
    // A model change (a user mixin of alice's that the entity carries) is seen: renderKey moves on.
    model.addUserMixin(tag('alice', [['tag.v', 'string']]));
    const tagged_ = { ...entity, mixins: [...entity.mixins, TAG] } as Resource;
    giveKeptSlot(tagged_);
    Object.freeze(tagged_);
    assert.match(text(tagged_, model), /Category: prod; scheme="http:\/\/example\.org\/tags#"/);
    // Not enumerable: copies, JSON and deep comparisons do not see the slot.
    assert.equal(keptSlot({ ...entity }), undefined);
    assert.deepEqual(Object.getOwnPropertySymbols(entity).filter((s) => Object.getOwnPropertyDescriptor(entity, s)!.enumerable), []);
    assert.deepEqual(JSON.parse(JSON.stringify(entity)), JSON.parse(JSON.stringify({ ...entity })));
  });

  it('does not give a frozen value a slot, and renders a value without one through the WeakMap as before', () => {
    const frozen = Object.freeze({ ...COMPUTE_A, links: [] }) as Resource;
    giveKeptSlot(frozen);
    assert.equal(keptSlot(frozen), undefined);
    const model = fixtureModel();
    assert.equal(text(frozen, model), text(frozen, model));
  });
});
