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
    assert.ok(model.findMixin('http://example.org/bob#new'));
    assert.ok(bob.findMixin('http://example.org/bob#new'), 'a view sees what was added after it was made');
    assert.equal(bob.version, model.version);
  });
});
