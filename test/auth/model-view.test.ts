import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Mixin, standardModel } from '../../src/model/index.js';

describe('Model.visibleTo()', () => {
  const model = standardModel();
  const tag = (owner: string, term: string) => new Mixin({ scheme: `http://example.org/${owner}#`, term, location: `/tags/${owner}/${term}/`, origin: 'user', owner });
  model.addUserMixin(tag('alice', 'prod'));
  model.addUserMixin(tag('bob', 'dev'));

  it('hides other owners\' mixins from categories, lookups and locations, and keys renderings per owner', () => {
    const bob = model.visibleTo('bob');
    assert.ok(bob.findMixin('http://example.org/bob#dev'));
    assert.equal(bob.findMixin('http://example.org/alice#prod'), undefined);
    assert.equal(bob.findCategory('http://example.org/alice#prod'), undefined);
    assert.equal(bob.findByLocation('/tags/alice/prod/'), undefined);
    assert.throws(() => bob.getMixin('http://example.org/alice#prod'), /no mixin/);
    assert.ok(!bob.categories().some((c) => c.id === 'http://example.org/alice#prod'));
    assert.ok(!bob.mixins.some((m) => m.id === 'http://example.org/alice#prod'));
    assert.notEqual(bob.renderKey, model.visibleTo('alice').renderKey);
    assert.equal(model.visibleTo(undefined), model, 'an admin sees the model itself');
  });

  it('passes everything else through to the model, mutations included', () => {
    const bob = model.visibleTo('bob');
    assert.equal(bob.kinds, model.kinds);
    assert.ok(bob.addUserMixin(tag('bob', 'new')));
    assert.ok(model.findOwned('bob', 'http://example.org/bob#new'));
    assert.equal(model.findMixin('http://example.org/bob#new'), undefined, 'the base model looks up public categories only');
    assert.ok(bob.findMixin('http://example.org/bob#new'), 'a view sees what was added after it was made');
    assert.equal(bob.version, model.version);
  });

  it('gives each owner a name space of their own: the same type id at the same location twice, each seeing only theirs (issue 13 §7)', () => {
    const m = standardModel();
    const same = (owner: string, title: string) => new Mixin({ scheme: 'http://example.org/tags#', term: 'prod', title, location: '/tags/prod/', origin: 'user', owner });
    assert.ok(m.addUserMixin(same('alice', 'alice-prod')));
    assert.ok(m.addUserMixin(same('bob', 'bob-prod')), "bob's definition is not in the way of alice's, nor alice's in his");
    assert.equal(m.visibleTo('alice').findMixin('http://example.org/tags#prod')?.title, 'alice-prod');
    assert.equal(m.visibleTo('bob').findByLocation('/tags/prod/')?.title, 'bob-prod');
    assert.equal(m.visibleTo('carol').findByLocation('/tags/prod/'), undefined);
    assert.equal(m.visibleTo('alice').addUserMixin(same('alice', 'again')), false, 'the same definition again is no collision');
    m.visibleTo('bob').removeUserMixin('http://example.org/tags#prod');
    assert.equal(m.visibleTo('bob').findMixin('http://example.org/tags#prod'), undefined);
    assert.equal(m.visibleTo('alice').findMixin('http://example.org/tags#prod')?.title, 'alice-prod', "removing bob's leaves alice's");
  });

  it('refuses an owned mixin that would shadow a public category, naming the public one', () => {
    const m = standardModel();
    const os = m.mixins.find((x) => x.term === 'os_tpl')!;
    const pub = new Mixin({ scheme: 'http://example.org/provider#', term: 'gold', location: '/provider/gold/' });
    m.addMixin(pub);
    assert.throws(() => m.addUserMixin(new Mixin({ scheme: pub.scheme, term: pub.term, location: '/tags/gold/', origin: 'user', owner: 'alice' })), /category http:\/\/example.org\/provider#gold is already defined/);
    assert.throws(() => m.addUserMixin(new Mixin({ scheme: 'http://example.org/t#', term: 'x', location: os.location, origin: 'user', owner: 'alice' })), new RegExp(`already taken by ${os.id.replace(/[#/.]/g, '.')}`));
  });
});

