import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPUTE, Mixin, OS_TPL, standardModel } from './index.js';

describe('Model.offerMixins()', () => {
  const image = (term: string) => new Mixin({ scheme: 'http://cloud.example.org/os_tpl#', term, depends: [OS_TPL], applies: [COMPUTE], location: `/mixin/os_tpl/${term}/` });
  const terms = (m: ReturnType<typeof standardModel>, owner: string) => m.visibleTo(owner).mixins.filter((x) => x.dependsOn(OS_TPL) && x !== OS_TPL).map((x) => x.term).sort();

  it('shows each owner what was offered to them, shared mixins once, and bumps the version on a change only', () => {
    const model = standardModel();
    model.offerMixins('alice', [image('debian'), image('alice-golden')]);
    model.offerMixins('bob', [image('debian')]);
    assert.deepEqual(terms(model, 'alice'), ['alice-golden', 'debian']);
    assert.deepEqual(terms(model, 'bob'), ['debian']);
    assert.equal(model.visibleTo('bob').findByLocation('/mixin/os_tpl/alice-golden/'), undefined);
    assert.equal(model.findMixin('http://cloud.example.org/os_tpl#debian')?.term, 'debian', 'an administrator sees everything');
    const version = model.version;
    model.offerMixins('bob', [image('debian')]);
    assert.equal(model.version, version, 'the same offer changes nothing');
  });

  it('withdraws what is no longer offered, and drops a mixin nobody is offered', () => {
    const model = standardModel();
    model.offerMixins('alice', [image('debian'), image('old')]);
    model.offerMixins('bob', [image('debian')]);
    model.offerMixins('alice', [image('debian')]);
    assert.deepEqual(terms(model, 'alice'), ['debian']);
    assert.equal(model.findMixin('http://cloud.example.org/os_tpl#old'), undefined);
    model.offerMixins('alice', []);
    assert.deepEqual(terms(model, 'bob'), ['debian']);
    assert.deepEqual(terms(model, 'alice'), []);
  });

  it('keeps a withdrawn mixin that a user mixin depends on, hidden from all', () => {
    const model = standardModel();
    model.offerMixins('alice', [image('base')]);
    const base = model.findMixin('http://cloud.example.org/os_tpl#base')!;
    model.addUserMixin(new Mixin({ scheme: 'http://example.org/alice#', term: 'mine', depends: [base], location: '/tags/mine/', origin: 'user', owner: 'alice' }));
    model.offerMixins('alice', []);
    assert.equal(model.findMixin(base.id), base);
    assert.equal(model.visibleTo('alice').findMixin(base.id), undefined);
  });

  it('leaves the mixins everyone sees alone', () => {
    const model = standardModel();
    const shared = image('shared');
    model.addMixin(shared);
    model.offerMixins('alice', [image('shared')]);
    model.offerMixins('alice', []);
    assert.equal(model.visibleTo('bob').findMixin(shared.id), shared);
  });
});
