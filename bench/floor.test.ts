import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { measureFloor } from './floor.js';

const workDir = mkdtempSync(join(tmpdir(), 'occi-floor-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('bench/floor.ts', () => {
  it('measures the three writes through the SQLite engine and leaves no database behind (timings are never checked)', async () => {
    const results = await measureFloor({ groupSize: 4, writes: 8, rounds: 1, workDir });
    assert.deepEqual(results.map((r) => r.write), ['create', 'action', 'empty']);
    for (const r of results) assert.ok(Number.isFinite(r.us) && r.us > 0, `${r.write}: ${r.us}`);
    assert.deepEqual(readdirSync(workDir), []);
  });
});
