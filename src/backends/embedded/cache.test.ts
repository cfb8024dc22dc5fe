import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entity } from '../../model/index.js';
import { EntityCache } from './cache.js';

const entity = (i: number, owner = 'alice'): Entity => ({
  id: `id${i}`, kind: 'http://schemas.ogf.org/occi/infrastructure#compute', mixins: [], attributes: { n: i }, location: `/compute/${i}`, version: '1', owner,
});

describe('EntityCache', () => {
  it('keeps at most its limit, dropping the oldest first, and always keeps the newest', () => {
    const cache = new EntityCache(64);
    for (let i = 0; i < 1_000; i++) {
      cache.add(entity(i));
      assert.ok(cache.get('alice', `/compute/${i}`), `entity ${i} was kept`);
    }
    const kept = Array.from({ length: 1_000 }, (_, i) => i).filter((i) => cache.get('alice', `/compute/${i}`));
    assert.ok(kept.length <= 64 && kept.length >= 60, `${kept.length} kept`);
    // What is kept is the latest run of entities: the oldest went first.
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 1_000 - kept.length + i));
  });

  it('keys entries by owner and location, and freezes what it keeps', () => {
    const cache = new EntityCache(8);
    const mine = cache.add(entity(1));
    assert.equal(cache.get('bob', '/compute/1'), undefined);
    assert.equal(cache.get('alice', '/compute/1'), mine);
    assert.ok(Object.isFrozen(mine) && Object.isFrozen(mine.attributes));
    cache.forget('alice', '/compute/1');
    assert.equal(cache.get('alice', '/compute/1'), undefined);
  });
});
