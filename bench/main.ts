/**
 * `npm run bench`: builds (the npm script), installs wrk when it can, runs
 * every scenario against the bare baseline, prints the table, and writes
 * bench/results/latest.json and docs/performance.md.
 *
 *   --runs N        full runs; the figures are their per-scenario medians (1)
 *   --rounds N      A B rounds per scenario (3)
 *   --seconds S     seconds per round and side (2)
 *   --only a,b      only these scenarios
 *   --generator G   wrk | node (wrk when installed)
 *   --smoke         a few seconds, tiny data: checks that everything runs
 *   --no-docs       leave docs/performance.md alone
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, runBench, type BenchOptions, type Row } from './bench.js';
import { hasWrk, nodeGenerator, wrkGenerator, type LoadGenerator } from './load.js';
import { BENCH_DIR, ROOT } from './paths.js';
import { machine, medianRows, table, writeDocs } from './report.js';
import { oneTable, runOpenNebulaBench } from './opennebula.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    generator: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    'work-dir': { type: 'string' },
  },
});

/** wrk from Debian when it is missing and we may install it; otherwise the Node generator. */
function generator(): LoadGenerator {
  if (values.generator === 'node') return nodeGenerator;
  if (hasWrk()) return wrkGenerator;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    console.log('wrk is not installed: apt-get install -y wrk');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: 'inherit', env });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: 'inherit', env });
    }
    if (hasWrk()) return wrkGenerator;
  }
  if (values.generator === 'wrk') throw new Error('wrk is not installed and could not be installed');
  console.log('wrk is not available: using the Node load generator (lower absolute figures; ratios still compare like with like)');
  return nodeGenerator;
}

async function main(): Promise<void> {
  const smoke = values.smoke;
  const only = values.only?.split(',').map((s) => s.trim());
  for (const name of only ?? []) if (![...SCENARIOS, 'opennebula', 'openstack'].includes(name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}, opennebula, openstack`);
  const gen = generator();
  const options: BenchOptions = {
    generator: gen,
    rounds: Number(values.rounds ?? (smoke ? 1 : 3)),
    seconds: Number(values.seconds ?? (smoke ? 1 : 2)),
    warmup: smoke ? 0 : 1,
    connections: smoke ? 4 : 16,
    mixedConnections: smoke ? 8 : 64,
    computes: smoke ? 100 : 10_000,
    bigComputes: smoke ? 1_000 : 100_000,
    codecSeconds: smoke ? 0.05 : 1,
    startups: smoke ? 1 : 3,
    // Under the system temp dir: on this machine the same disk as the repository (see docs/performance.md).
    workDir: values['work-dir'] ?? join(tmpdir(), 'occi-bench'),
    only,
    log: (l) => console.log(l),
  };
  const runs: Row[][] = [];
  const resultsDir = join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const count = Number(values.runs);
  for (let i = 1; i <= count; i++) {
    console.log(`== run ${i} of ${count} (load generator: ${gen.name})`);
    const rows = await runBench(options);
    runs.push(rows);
    if (count > 1) writeFileSync(join(resultsDir, `run-${i}.json`), JSON.stringify(rows, null, 2) + '\n');
  }
  const rows = medianRows(runs);
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
  console.log(`\n${table(rows)}\n`);
  console.log(`results: ${join(resultsDir, 'latest.json')}`);
  // OpenNebula (against the oned simulator): upstream calls per OCCI request, written to bench/results/opennebula.json.
  if (only === undefined || only.includes('opennebula')) console.log(`\n${oneTable(await runOpenNebulaBench({ requests: smoke ? 5 : 50, resultsDir }))}\n`);
  // OpenStack (against the local stack, skipped with the reason when it is not up): latency beside the direct calls, calls per request.
  if (only === undefined || only.includes('openstack')) {
    const { runOpenStackBench } = await import('./openstack.js');
    const os = await runOpenStackBench({ servers: smoke ? 5 : 25, samples: smoke ? 3 : 15, log: (l) => console.log(l) });
    if (os.length > 0) {
      writeFileSync(join(resultsDir, 'openstack.json'), JSON.stringify(os, null, 2) + '\n');
      console.log(`\n${os.map((r) => `${r.name.padEnd(24)} ${String(r.value).padStart(6)} ${r.unit ?? ''}  target ${r.target ?? '-'}: ${r.met ? 'met' : 'MISSED'}`).join('\n')}\n`);
    }
  }
  if (!smoke && !values['no-docs'] && only === undefined) {
    const args = process.argv.slice(2).join(' ');
    writeDocs(join(ROOT, 'docs/performance.md'), rows, machine(gen.name, options.workDir), count, `npm run bench${args ? ` -- ${args}` : ''}`);
    console.log(`table written to docs/performance.md`);
  }
  const failed = rows.filter((r) => r.errors > 0);
  if (failed.length > 0) {
    console.error(`errors in: ${failed.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
