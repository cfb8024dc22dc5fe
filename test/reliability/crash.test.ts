/** The short form of `npm run test:crash` (issue 4 §3): two kill -9 under 16 writers, nothing acknowledged lost. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCrash } from './crash.js';

describe('crash safety', () => {
  it('keeps every acknowledged create, update, action and delete across kill -9 under 16 writers, with an intact database', async () => {
    const f = await runCrash({ iterations: 2, killAfterMs: [600, 1_200] });
    assert.equal(f.iterations, 2);
    for (const [op, n] of Object.entries(f.acknowledged)) assert.ok(n > 0, `no ${op} was acknowledged before the kills`);
  });
});
