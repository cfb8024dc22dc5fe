import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, parseRate } from './rate-limit.js';

describe('RateLimiter', () => {
  it('take() admits N per window and key, then says how long to wait', () => {
    const l = new RateLimiter(2, 10);
    assert.equal(l.take('a', 0), undefined);
    assert.equal(l.take('a', 1000), undefined);
    assert.equal(l.take('a', 2000), 8);
    assert.equal(l.take('b', 2000), undefined, 'keys are counted apart');
    assert.equal(l.take('a', 10_000), undefined, 'a new window');
  });

  it('parseRate() reads N/SECONDS', () => {
    const l = parseRate('1/60');
    assert.equal(l.take('x', 0), undefined);
    assert.equal(l.take('x', 0), 60);
  });
});
