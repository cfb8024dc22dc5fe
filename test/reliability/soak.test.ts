/** The short form of `npm run soak` (issue 4 §5): 5 s at 64 connections, zero 5xx and zero socket errors (timings are reported, never asserted). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from './soak.js';

describe('soak, short form', () => {
  it('serves a mixed read/write load at 64 keep-alive connections with zero 5xx and zero socket errors', async (t) => {
    const r = await runSoak({ seconds: 5, connections: 64, windowSeconds: 1 });
    t.diagnostic(`${r.requests} requests, p99 per window ${r.windows.map((w) => w.p99).join(' ')} ms`);
    assert.ok(r.requests > 500, `only ${r.requests} requests`);
    assert.equal(r.status5xx, 0);
    assert.equal(r.socketErrors, 0);
    assert.deepEqual(r.unexpected, {});
  });
});
