/**
 * The CI smoke of the bench: every scenario, tiny and short, must run and
 * answer without errors. Timings are never checked here (docs/performance.md).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SCENARIOS, runBench } from './bench.js';
import { hasWrk, nodeGenerator, wrkGenerator } from './load.js';
import { medianRows, table } from './report.js';

const workDir = mkdtempSync(join(tmpdir(), 'occi-bench-smoke-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('npm run bench (smoke)', () => {
  it('runBench() measures every scenario against the baseline without errors, in the shape of latest.json', async () => {
    // wrk runs whole seconds: it drives one scenario (the action plan, the one with state) when installed.
    const wrk = hasWrk();
    const rows = await runBench({
      generator: nodeGenerator,
      generatorFor: (name) => (wrk && name === 'action-start' ? wrkGenerator : undefined),
      rounds: 1, seconds: 0.05, warmup: 0, connections: 2, mixedConnections: 4,
      computes: 60, bigComputes: 300, codecSeconds: 0.01, startups: 1,
      inProcess: true, workDir, log: () => {},
    });
    assert.deepEqual(rows.map((r) => r.name), [...SCENARIOS]);
    for (const r of rows) {
      assert.equal(r.errors, 0, `${r.name} had errors`);
      assert.deepEqual(Object.keys(r).slice(0, 7), ['name', 'ops_per_s', 'p50_ms', 'p99_ms', 'baseline_ops_per_s', 'ratio', 'errors']);
    }
    const alone = new Set(['list-10k-json-after-write']);
    for (const r of rows.slice(0, 12)) {
      if (alone.has(r.name)) assert.ok(r.p50_ms! > 0 && r.ratio === null, `${r.name}: a latency, no baseline`);
      else assert.ok(r.ops_per_s! > 0 && r.baseline_ops_per_s! > 0 && r.ratio! > 0, `${r.name} measured nothing`);
    }
    const logOff = rows.filter((r) => r.name.endsWith('-log-off'));
    assert.equal(logOff.length, 2);
    for (const r of logOff) assert.ok(r.ops_per_s! > 0 && r.ratio! > 0, `${r.name} measured nothing`);
    for (const r of rows.slice(12).filter((x) => !x.name.endsWith('-log-off'))) assert.equal(r.ratio, null, `${r.name} has no baseline`);
    assert.ok(rows.find((r) => r.name === 'memory-100k')!.value! > 0);
    assert.ok(rows.find((r) => r.name === 'startup-100k')!.value! > 0);
    // `npm start` itself ran and answered (it compiles first when a source changed since the last build).
    assert.ok(rows.find((r) => r.name === 'startup-npm')!.value! > 0);
    // Three identical runs have themselves as median, and the table names every scenario.
    assert.deepEqual(medianRows([rows, rows, rows]).map((r) => r.ops_per_s), rows.map((r) => r.ops_per_s));
    for (const name of SCENARIOS) assert.match(table(rows), new RegExp(`\\| ${name} \\|`));
  });
});
