/**
 * The CI smoke of the bench: every scenario, tiny and short, must run and
 * answer without errors. Timings are never checked here (docs/performance.md).
 * The PostgreSQL rows (`-pg`) run too when a throw-away cluster can be
 * started here (initdb, about 1 s; the four rows about 2 s at this size);
 * otherwise they must say skipped, and the bench still passes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SCENARIOS, runBench } from './bench.js';
import { hasWrk, nodeGenerator, wrkGenerator } from './load.js';
import { medianRows, table } from './report.js';
import { postgresUnavailable } from '../test/support/postgres.js';

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
    const pg = rows.filter((r) => r.name.endsWith('-pg'));
    assert.equal(pg.length, 4);
    const unavailable = postgresUnavailable();
    if (unavailable) {
      for (const r of pg) assert.ok(r.skipped && r.ops_per_s === null, `${r.name} should say skipped (${unavailable})`);
    } else {
      for (const r of pg) assert.equal(r.skipped, undefined, `${r.name} skipped: ${r.skipped}`);
      for (const r of pg.slice(0, 3)) assert.ok(r.ops_per_s! > 0 && r.baseline_ops_per_s! > 0 && r.ratio! > 0, `${r.name} measured nothing`);
      const two = pg[3];
      assert.ok(two.ops_per_s! > 0 && two.value! > 0 && two.ratio! > 0 && two.baseline_ops_per_s === null, 'two-instances-pg: both, one, two / one');
    }
    for (const r of rows.slice(12).filter((x) => !x.name.endsWith('-log-off') && !x.name.endsWith('-pg'))) assert.equal(r.ratio, null, `${r.name} has no baseline`);
    assert.ok(rows.find((r) => r.name === 'memory-100k')!.value! > 0);
    assert.ok(rows.find((r) => r.name === 'startup-100k')!.value! > 0);
    // `npm start` itself ran and answered (it compiles first when a source changed since the last build).
    assert.ok(rows.find((r) => r.name === 'startup-npm')!.value! > 0);
    // Three identical runs have themselves as median, and the table names every scenario.
    assert.deepEqual(medianRows([rows, rows, rows]).map((r) => r.ops_per_s), rows.map((r) => r.ops_per_s));
    for (const name of SCENARIOS) assert.match(table(rows), new RegExp(`\\| ${name} \\|`));
  });

  it('skips the PostgreSQL rows with the reason when no cluster can be started, without failing', async () => {
    const reason = 'no PostgreSQL (initdb not found; apt-get install postgresql)';
    const only = ['get-entity-text-pg', 'action-start-pg', 'create-compute-text-pg', 'two-instances-pg'];
    const lines: string[] = [];
    const rows = await runBench({
      generator: nodeGenerator, rounds: 1, seconds: 0.05, warmup: 0, connections: 2, mixedConnections: 4,
      computes: 60, bigComputes: 300, codecSeconds: 0.01, startups: 1,
      inProcess: true, workDir, only, postgresUnavailable: () => reason, log: (l) => lines.push(l),
    });
    assert.deepEqual(rows.map((r) => r.name), only);
    for (const r of rows) assert.deepEqual([r.skipped, r.ops_per_s, r.ratio, r.errors], [reason, null, null, 0]);
    assert.ok(lines.some((l) => l.startsWith('skipping get-entity-text-pg') && l.includes(reason)), 'the reason is printed');
    assert.match(table(rows), /\| two-instances-pg \| – .*skipped: no PostgreSQL/);
  });
});
