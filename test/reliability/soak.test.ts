/**
 * The short form of `npm run soak` (issues 4 §5 and 16): 5 s at 64
 * connections against the server run through tsx; counts only (timings are
 * reported, never asserted): zero 5xx, zero socket errors, and the server's
 * own request counter agreeing with the client in every window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWindow, runSoak } from './soak.js';

describe('soak, short form', () => {
  it('serves a mixed read/write load at 64 keep-alive connections with zero 5xx and zero socket errors, every request counted by the server', async (t) => {
    const r = await runSoak({ seconds: 5, connections: 64, windowSeconds: 1 });
    for (const w of r.windows) t.diagnostic(formatWindow(w));
    assert.ok(r.requests > 500, `only ${r.requests} requests`);
    assert.equal(r.status5xx, 0);
    assert.equal(r.server5xx, 0);
    assert.equal(r.socketErrors, 0);
    assert.deepEqual(r.unexpected, {});
    assert.equal(r.serverRequests, r.requests, 'the server counted every request the client got answered');
    assert.equal(r.windows.length, 5);
    for (const w of r.windows) assert.ok(w.requests > 0 && w.serverRequests > 0, `an empty window: ${formatWindow(w)}`);
  });
});
