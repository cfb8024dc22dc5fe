import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('get() fetches once per key within the TTL, and again after it', async () => {
    const c = clock();
    const cache = new TtlCache<number>({ ttlMs: 100, now: c.now });
    let calls = 0;
    const fetch = async () => ++calls;
    assert.equal(await cache.get('a', fetch), 1);
    assert.equal(await cache.get('a', fetch), 1);
    assert.equal(await cache.get('b', fetch), 2);
    c.advance(100);
    assert.equal(await cache.get('a', fetch), 3);
  });

  it('get() shares one fetch between concurrent misses', async () => {
    const cache = new TtlCache<string>({ ttlMs: 100 });
    let calls = 0;
    const fetch = () => new Promise<string>((resolve) => setImmediate(() => resolve(`v${++calls}`)));
    assert.deepEqual(await Promise.all([cache.get('k', fetch), cache.get('k', fetch), cache.get('k', fetch)]), ['v1', 'v1', 'v1']);
    assert.equal(calls, 1);
  });

  it('get() serves the stale value when a refresh fails, until maxStaleMs', async () => {
    const c = clock();
    const cache = new TtlCache<string>({ ttlMs: 10, maxStaleMs: 50, now: c.now });
    await cache.get('k', async () => 'old');
    c.advance(20);
    assert.equal(await cache.get('k', async () => { throw new Error('down'); }), 'old');
    c.advance(40);
    await assert.rejects(cache.get('k', async () => { throw new Error('down'); }), /down/);
  });

  it('invalidate() forgets a key', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000 });
    let calls = 0;
    await cache.get('k', async () => ++calls);
    cache.invalidate('k');
    assert.equal(await cache.get('k', async () => ++calls), 2);
  });
});
