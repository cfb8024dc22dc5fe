/**
 * One bench run: seeds a data directory, starts our server and the bare
 * baseline, and measures every scenario against the baseline, A B A B.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineConfig, FixedResponse } from './baseline.js';
import { runCodec } from './codec.js';
import { npmStartSeconds } from './npm-start.js';
import { send, type Answer, type LoadGenerator, type LoadResult, type Plan } from './load.js';
import { rssMb, serverArgs, startBaseline, startServer, stopChild, type Baseline, type Running } from './processes.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../test/support/postgres.js';
import { computeJson, computeText, seed, type Seeded } from './seed.js';
import { freePort } from '../test/support/free-port.js';

export interface BenchOptions {
  readonly generator: LoadGenerator;
  /** A B rounds per scenario. */
  readonly rounds: number;
  /** Seconds per round and side. */
  readonly seconds: number;
  /** Seconds of warm-up per side (0: none). */
  readonly warmup: number;
  /** Connections of the throughput scenarios (mixed-read-write has its own). */
  readonly connections: number;
  readonly mixedConnections: number;
  /** Computes in the listed collection (10,000). */
  readonly computes: number;
  /** Computes on disk for memory and start-up (100,000). */
  readonly bigComputes: number;
  readonly codecSeconds: number;
  /** Start-up measurements (the median counts); the last one also gives memory-100k. */
  readonly startups: number;
  /** Runs the server under load inside this process (the smoke test; a real run uses its own process). */
  readonly inProcess?: boolean;
  /** The load generator of one scenario, when it is not `generator`. */
  readonly generatorFor?: (scenario: string) => LoadGenerator | undefined;
  /** Data directories go here (the real disk). */
  readonly workDir: string;
  /** Only these scenarios (all when undefined). */
  readonly only?: readonly string[];
  /** Why no PostgreSQL can be started (postgresUnavailable() when absent): the `-pg` rows are then skipped with it. */
  readonly postgresUnavailable?: () => string | undefined;
  readonly log: (line: string) => void;
}

/** One line of `bench/results/latest.json`. */
export interface Row {
  name: string;
  ops_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  baseline_ops_per_s: number | null;
  /** ours / baseline; null where no baseline applies. */
  ratio: number | null;
  errors: number;
  /** The figure of scenarios that are not a request rate (MB/s, MB, s). */
  value?: number;
  unit?: string;
  /** What the issue asks, e.g. `ratio >= 0.8`. */
  target?: string;
  met?: boolean | null;
  /** Why the scenario did not run (no PostgreSQL here); its figures are null. */
  skipped?: string;
}

interface Target {
  readonly on: 'ratio' | 'p50_ms' | 'value';
  readonly op: '>=' | '<=';
  readonly limit: number;
}

const TARGETS: Readonly<Record<string, Target>> = {
  'get-entity-text': { on: 'ratio', op: '>=', limit: 0.8 },
  'get-entity-json': { on: 'ratio', op: '>=', limit: 0.8 },
  'get-query-interface-text': { on: 'ratio', op: '>=', limit: 0.8 },
  'get-query-interface-json': { on: 'ratio', op: '>=', limit: 0.8 },
  'create-compute-text': { on: 'ratio', op: '>=', limit: 0.5 },
  'create-compute-json': { on: 'ratio', op: '>=', limit: 0.5 },
  'action-start': { on: 'ratio', op: '>=', limit: 0.5 },
  'list-10k-urilist': { on: 'p50_ms', op: '<=', limit: 20 },
  'list-10k-text': { on: 'p50_ms', op: '<=', limit: 50 },
  'list-10k-json': { on: 'p50_ms', op: '<=', limit: 50 },
  'list-10k-json-after-write': { on: 'p50_ms', op: '<=', limit: 50 },
  'memory-100k': { on: 'value', op: '<=', limit: 250 },
  'startup-100k': { on: 'value', op: '<=', limit: 1 },
  'startup-npm': { on: 'value', op: '<=', limit: 2 },
};

/** Every scenario, in the order they run (listings before anything adds computes). */
export const SCENARIOS = [
  'list-10k-urilist', 'list-10k-text', 'list-10k-json', 'list-10k-json-after-write',
  'get-entity-text', 'get-entity-json', 'get-query-interface-text', 'get-query-interface-json',
  'action-start', 'create-compute-text', 'create-compute-json', 'mixed-read-write',
  'get-entity-text-log-off', 'create-compute-text-log-off',
  'get-entity-text-pg', 'action-start-pg', 'create-compute-text-pg', 'two-instances-pg',
  'parse-text-plain', 'render-text-plain', 'parse-json', 'render-json',
  'memory-100k', 'startup-100k', 'startup-npm',
] as const;

const TEXT = 'text/plain';
const JSON_TYPE = 'application/occi+json';

/** Sets `target` and `met` from the targets table. */
export function judge(row: Row): Row {
  const t = TARGETS[row.name];
  if (!t) return row;
  const v = t.on === 'value' ? row.value : row[t.on];
  row.target = `${t.on === 'value' ? row.unit : t.on} ${t.op} ${t.limit}`;
  row.met = v === undefined || v === null ? null : (t.op === '>=' ? v >= t.limit : v <= t.limit) && row.errors === 0;
  return row;
}

/** A row measured on another scenario's plan under its own name, judged by that name (the targets are the default rows'). */
function renamed(row: Row, name: string): Row {
  const { target: _target, met: _met, ...rest } = row;
  return judge({ ...rest, name });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface HttpScenario {
  readonly name: string;
  /** Measured by its own loop against our server only (no load generator, no baseline). */
  readonly own?: (ours: Running) => Promise<Row>;
  readonly connections: number;
  /** The plan of one load run; `ours` runs of the action scenario each get fresh computes. */
  plan(side: 'ours' | 'baseline'): Plan;
  /** One request per method to our server, whose answers the baseline repeats. */
  sample(base: string): Promise<Answer[]>;
}

export async function runBench(o: BenchOptions): Promise<Row[]> {
  const wanted = (name: string) => o.only === undefined || o.only.includes(name);
  const rows: Row[] = [];
  mkdirSync(o.workDir, { recursive: true });
  const dir = join(o.workDir, `run-${process.pid}-${Date.now()}`);
  try {
    const http = httpScenariosWanted(wanted);
    const pg = PG.filter(wanted);
    if (http.length > 0 || pg.length > 0) {
      const baseline = await startBaseline();
      try {
        if (http.length > 0) rows.push(...(await runSqlite(wanted, join(dir, 'main'), baseline, o)));
        if (pg.length > 0) rows.push(...(await runPostgres(pg, join(dir, 'pg'), baseline, o)));
      } finally {
        await baseline.stop();
      }
    }
    for (const c of await runCodecWanted(wanted, o)) rows.push(c);
    if (wanted('memory-100k') || wanted('startup-100k')) {
      o.log(`seeding ${o.bigComputes} computes`);
      const big = join(dir, 'big');
      await seed(big, o.bigComputes);
      const times: number[] = [];
      let rss = 0;
      let listed = 0;
      for (let i = 0; i < Math.max(1, o.startups); i++) {
        const last = i === Math.max(1, o.startups) - 1;
        const r = await startup(big, last && wanted('memory-100k'));
        times.push(r.seconds);
        if (last) ({ rss, listed } = r);
      }
      if (wanted('startup-100k')) {
        const row = judge({ ...noRate('startup-100k'), value: round(median(times)), unit: 's' });
        o.log(line(row));
        rows.push(row);
      }
      if (wanted('memory-100k')) {
        const row = judge({ ...noRate('memory-100k'), errors: listed === o.bigComputes ? 0 : 1, value: round(rss), unit: 'MB' });
        o.log(line(row));
        rows.push(row);
      }
    }
    if (wanted('startup-npm')) {
      // `npm start` as typed, nothing changed since the last build: the first start of a real run may compile, so it is not counted.
      const times: number[] = [];
      for (let i = 0; i < Math.max(1, o.startups); i++) times.push(await npmStartSeconds(join(dir, 'npm'), i === 0 && !o.inProcess));
      const row = judge({ ...noRate('startup-npm'), value: round(median(times)), unit: 's' });
      o.log(line(row));
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const order = new Map<string, number>(SCENARIOS.map((n, i) => [n, i]));
  return rows.sort((a, b) => (order.get(a.name) ?? 99) - (order.get(b.name) ?? 99));
}

function httpScenariosWanted(wanted: (n: string) => boolean): string[] {
  return [...SCENARIOS.slice(0, 12), ...LOG_OFF].filter(wanted);
}

/** The HTTP scenarios on the default store (SQLite), then the log-off ones on the same data. */
async function runSqlite(wanted: (n: string) => boolean, dataDir: string, baseline: Baseline, o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  o.log(`seeding ${o.computes} computes`);
  const seeded = await seed(dataDir, o.computes);
  const started = await startServer(dataDir, o.inProcess);
  let stopped: Promise<void> | undefined;
  const ours: Running = { ...started, stop: () => (stopped ??= started.stop()) };
  try {
    for (const s of httpScenarios(seeded, o)) {
      if (!wanted(s.name)) continue;
      const row = s.own ? await s.own(ours) : await runHttp(s, ours, baseline, o);
      o.log(line(row));
      rows.push(row);
    }
    // The same scenarios on the same data with the access log off (--log-level warn): what the log costs.
    const quiet = LOG_OFF.filter((n) => wanted(n));
    if (quiet.length > 0) {
      await ours.stop();
      const silent = await startServer(dataDir, o.inProcess, ['--log-level', 'warn']);
      try {
        const all = httpScenarios(seeded, o);
        for (const name of quiet) {
          const s = all.find((x) => `${x.name}-log-off` === name)!;
          const row = renamed(await runHttp(s, silent, baseline, o, name), name);
          o.log(line(row));
          rows.push(row);
        }
      } finally {
        await silent.stop();
      }
    }
  } finally {
    await ours.stop();
  }
  return rows;
}

/** The PostgreSQL store's scenarios: `<sqlite scenario>-pg` on the same plans, then two instances on one database. */
const PG = ['get-entity-text-pg', 'action-start-pg', 'create-compute-text-pg', 'two-instances-pg'];

/**
 * The PostgreSQL rows: a throw-away cluster (test/support/postgres.ts),
 * seeded like the SQLite data directory through the embedded backend's own
 * create, our server on it with `--store postgres --database-url`, the same
 * plans against the same baseline; then a second server process on the same
 * database and the mixed plan against both at once. Skipped, each row saying
 * why, when no cluster can be started here.
 */
async function runPostgres(names: readonly string[], dir: string, baseline: Baseline, o: BenchOptions): Promise<Row[]> {
  const skip = (reason: string): Row[] => {
    o.log(`skipping ${names.join(', ')}: ${reason}`);
    return names.map((n) => ({ ...noRate(n), skipped: reason }));
  };
  const reason = (o.postgresUnavailable ?? postgresUnavailable)();
  if (reason) return skip(reason);
  let cluster: PostgresCluster;
  try {
    cluster = await startPostgres();
  } catch (err) {
    return skip((err as Error).message.split('\n')[0]);
  }
  const rows: Row[] = [];
  try {
    const url = await cluster.createDatabase('bench');
    o.log(`seeding ${o.computes} computes in PostgreSQL`);
    const seeded = await seed(join(dir, 'seed'), o.computes, url);
    const one = await startServer(join(dir, 'a'), o.inProcess, [], url);
    try {
      const all = httpScenarios(seeded, o, 1024);
      for (const name of names.filter((n) => n !== 'two-instances-pg')) {
        const s = all.find((x) => `${x.name}-pg` === name)!;
        const row = renamed(await runHttp(s, one, baseline, o, name), name);
        o.log(line(row));
        rows.push(row);
      }
      if (names.includes('two-instances-pg')) {
        const two = await startServer(join(dir, 'b'), o.inProcess, [], url);
        try {
          const row = await twoInstances(all.find((x) => x.name === 'mixed-read-write')!, one, two, o);
          o.log(line(row));
          rows.push(row);
        } finally {
          await two.stop();
        }
      }
    } finally {
      await one.stop();
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}

/**
 * The mixed read/write plan against one instance, then against two on the
 * same database at once (one load generator run per instance, each with the
 * connections of the single run), alternating, medians of the rounds:
 * ops/s is the two runs' sum, `value` the single instance's, ratio two / one.
 * p50 is the mean of the two runs' p50s, p99 the larger p99.
 */
async function twoInstances(s: HttpScenario, a: Running, b: Running, o: BenchOptions): Promise<Row> {
  for (const r of [a, b]) {
    const [get, post] = await s.sample(r.base);
    if (get.status >= 400 || post.status >= 400) throw new Error(`two-instances-pg: ${r.base} answered ${get.status}/${post.status}`);
  }
  const generator = o.generatorFor?.('two-instances-pg') ?? o.generator;
  const load = (r: Running, seconds: number) => generator.run({ base: r.base, plan: s.plan('ours'), connections: s.connections, seconds });
  let errors = 0;
  if (o.warmup > 0) for (const r of await Promise.all([load(a, o.warmup), load(b, o.warmup)])) errors += r.errors;
  const single: LoadResult[] = [];
  const pairs: LoadResult[][] = [];
  for (let i = 0; i < o.rounds; i++) {
    single.push(await load(a, o.seconds));
    pairs.push(await Promise.all([load(a, o.seconds), load(b, o.seconds)]));
  }
  errors += [...single, ...pairs.flat()].reduce((n, r) => n + r.errors, 0);
  const one = median(single.map((r) => r.opsPerS));
  const two = median(pairs.map(([x, y]) => x.opsPerS + y.opsPerS));
  return judge({
    name: 'two-instances-pg',
    ops_per_s: round(two),
    p50_ms: round(median(pairs.map(([x, y]) => (x.p50Ms + y.p50Ms) / 2))),
    p99_ms: round(median(pairs.map(([x, y]) => Math.max(x.p99Ms, y.p99Ms)))),
    baseline_ops_per_s: null,
    ratio: round(two / one, 2),
    errors,
    value: round(one),
    unit: 'ops/s 1 instance',
  });
}

/** Scenarios run again against a server with the access log off (their names end in `-log-off`). */
const LOG_OFF = ['get-entity-text-log-off', 'create-compute-text-log-off'];

async function runCodecWanted(wanted: (n: string) => boolean, o: BenchOptions): Promise<Row[]> {
  if (!['parse-text-plain', 'render-text-plain', 'parse-json', 'render-json'].some(wanted)) return [];
  const out: Row[] = [];
  for (const c of await runCodec(o.codecSeconds, o.codecSeconds < 0.1 ? 24 : 200)) {
    if (!wanted(c.name)) continue;
    const row: Row = { ...noRate(c.name), ops_per_s: round(c.opsPerS), value: round(c.mbPerS), unit: 'MB/s' };
    o.log(line(row));
    out.push(row);
  }
  return out;
}

function noRate(name: string): Row {
  return { name, ops_per_s: null, p50_ms: null, p99_ms: null, baseline_ops_per_s: null, ratio: null, errors: 0 };
}

function round(n: number, digits = 3): number {
  return Number(n.toPrecision(digits + 2));
}

export function line(r: Row): string {
  const parts = [r.name];
  if (r.ops_per_s !== null) parts.push(`${r.ops_per_s.toFixed(0)} ops/s`);
  if (r.p50_ms !== null) parts.push(`p50 ${r.p50_ms.toFixed(2)} ms`, `p99 ${r.p99_ms?.toFixed(2)} ms`);
  if (r.baseline_ops_per_s !== null) parts.push(`baseline ${r.baseline_ops_per_s.toFixed(0)} ops/s`);
  if (r.ratio !== null) parts.push(`ratio ${r.ratio.toFixed(2)}`);
  if (r.value !== undefined) parts.push(`${r.value} ${r.unit}`);
  if (r.skipped !== undefined) parts.push(`skipped: ${r.skipped}`);
  parts.push(`errors ${r.errors}`);
  if (r.target) parts.push(`target ${r.target}: ${r.met === true ? 'met' : r.met === false ? 'MISSED' : '-'}`);
  return parts.join('  ');
}

/** The answer our server gave, as the baseline's fixed response (node adds Date, Connection and Keep-Alive to both). */
function fixed(a: Answer): FixedResponse {
  const skip = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  return { status: a.status, headers: a.headers.filter(([k]) => !skip.has(k.toLowerCase())), body: a.body.toString('base64') };
}

/** `name`: the row's name when it is not the scenario's (`-log-off`, `-pg`): the one `generatorFor` is asked about. */
async function runHttp(s: HttpScenario, ours: Running, baseline: Awaited<ReturnType<typeof startBaseline>>, o: BenchOptions, name = s.name): Promise<Row> {
  const samples = await s.sample(ours.base);
  const config: Record<string, FixedResponse> = {};
  const methods = s.plan('baseline').mode === 'get' ? ['GET'] : s.plan('baseline').mode === 'mixed' ? ['GET', 'POST'] : ['POST'];
  samples.forEach((a, i) => {
    if (a.status >= 400) throw new Error(`${s.name}: the sample request answered ${a.status}: ${a.body.toString().slice(0, 300)}`);
    config[methods[i]] = fixed(a);
  });
  await baseline.configure(config as BaselineConfig);
  const generator = o.generatorFor?.(name) ?? o.generator;
  const load = (r: Running, side: 'ours' | 'baseline', seconds: number) =>
    generator.run({ base: r.base, plan: s.plan(side), connections: s.connections, seconds });
  let errors = 0;
  if (o.warmup > 0) {
    errors += (await load(ours, 'ours', o.warmup)).errors;
    await load(baseline, 'baseline', o.warmup);
  }
  const a: LoadResult[] = [];
  const b: LoadResult[] = [];
  for (let i = 0; i < o.rounds; i++) {
    a.push(await load(ours, 'ours', o.seconds));
    b.push(await load(baseline, 'baseline', o.seconds));
  }
  errors += a.reduce((n, r) => n + r.errors, 0);
  const baseErrors = b.reduce((n, r) => n + r.errors, 0);
  if (baseErrors > 0) o.log(`warning: ${s.name}: the baseline had ${baseErrors} errors`);
  const ops = median(a.map((r) => r.opsPerS));
  const base = median(b.map((r) => r.opsPerS));
  return judge({
    name: s.name,
    ops_per_s: round(ops),
    p50_ms: round(median(a.map((r) => r.p50Ms))),
    p99_ms: round(median(a.map((r) => r.p99Ms))),
    baseline_ops_per_s: round(base),
    ratio: round(ops / base, 2),
    errors,
  });
}

/**
 * The HTTP scenarios on seeded data. `actionPool`: computes per action run
 * (default 8 per connection, at least 64). A compute comes round again after
 * a pool's worth of requests, so the pool must outlast the slowest request
 * (wrk.lua): the PostgreSQL rows, whose tail latency is longer, take 1024.
 */
function httpScenarios(seeded: Seeded, o: BenchOptions, actionPool = Math.max(8 * o.connections, 64)): HttpScenario[] {
  const entity = seeded.linked;
  const get = (name: string, path: string, accept: string, connections = o.connections): HttpScenario => ({
    name,
    connections,
    plan: () => ({ mode: 'get', path, accept }),
    sample: async (base) => [await send(base, 'GET', path, { Accept: accept })],
  });
  const create = (name: string, contentType: string, body: string): HttpScenario => ({
    name,
    connections: o.connections,
    plan: () => ({ mode: 'post', path: '/compute/', accept: contentType, contentType, body }),
    sample: async (base) => [await send(base, 'POST', '/compute/', { Accept: contentType, 'Content-Type': contentType }, body)],
  });
  // The action pool: fresh computes for every run on our side, so that each starts inactive.
  const sampleCompute = seeded.computes[seeded.computes.length - 1];
  const free = seeded.computes.slice(1, -1);
  const poolSize = Math.min(actionPool, Math.floor(free.length / (o.rounds + 1)));
  let next = 0;
  const pool = () => {
    if (next + poolSize > free.length) throw new Error('not enough computes for another action-start run; seed more');
    const paths = free.slice(next, next + poolSize);
    next += poolSize;
    return paths;
  };
  const basePool = free.slice(0, poolSize);
  return [
    get('list-10k-urilist', '/compute/', 'text/uri-list', 1),
    get('list-10k-text', '/compute/', TEXT, 1),
    get('list-10k-json', '/compute/', JSON_TYPE, 1),
    {
      name: 'list-10k-json-after-write',
      connections: 1,
      plan: () => ({ mode: 'get', path: '/compute/', accept: JSON_TYPE }),
      sample: async () => [],
      own: (ours) => listAfterWrite(ours, seeded.computes[0], o),
    },
    get('get-entity-text', entity, TEXT),
    get('get-entity-json', entity, JSON_TYPE),
    get('get-query-interface-text', '/-/', TEXT),
    get('get-query-interface-json', '/-/', JSON_TYPE),
    {
      name: 'action-start',
      connections: o.connections,
      plan: (side) => ({ mode: 'action', paths: side === 'ours' ? pool() : basePool, accept: TEXT }),
      sample: async (base) => {
        const started = await send(base, 'POST', `${sampleCompute}?action=start`, { Accept: TEXT });
        await send(base, 'POST', `${sampleCompute}?action=stop`, { Accept: TEXT });
        return [started];
      },
    },
    create('create-compute-text', TEXT, computeText('bench')),
    create('create-compute-json', JSON_TYPE, computeJson('bench')),
    {
      name: 'mixed-read-write',
      connections: o.mixedConnections,
      plan: () => ({ mode: 'mixed', path: entity, post: '/compute/', accept: TEXT, contentType: TEXT, body: computeText('mixed') }),
      sample: async (base) => [
        await send(base, 'GET', entity, { Accept: TEXT }),
        await send(base, 'POST', '/compute/', { Accept: TEXT, 'Content-Type': TEXT }, computeText('mixed')),
      ],
    },
  ];
}

/**
 * The JSON listing of every compute, each time right after a write (a title
 * change of one compute, acknowledged first): what a client polling a busy
 * cloud sees. The listing's latencies give p50/p99; as many rounds as the
 * other scenarios take, at least 5.
 */
async function listAfterWrite(ours: Running, compute: string, o: BenchOptions): Promise<Row> {
  const times: number[] = [];
  let errors = 0;
  const until = performance.now() + (o.warmup + o.rounds * o.seconds) * 1000;
  for (let i = 0; times.length < 5 || performance.now() < until; i++) {
    const w = await send(ours.base, 'POST', compute, { Accept: TEXT, 'Content-Type': TEXT }, `X-OCCI-Attribute: occi.core.title="after-write-${i}"\r\n`);
    if (w.status !== 200) errors++;
    const t0 = performance.now();
    const a = await send(ours.base, 'GET', '/compute/', { Accept: JSON_TYPE });
    times.push(performance.now() - t0);
    if (a.status !== 200 || !a.body.includes(`after-write-${i}`)) errors++;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return judge({
    ...noRate('list-10k-json-after-write'),
    ops_per_s: round(1000 / median(times)),
    p50_ms: round(median(times)),
    p99_ms: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]),
    errors,
  });
}


/**
 * Seconds from spawning the server process to its first answered request
 * (polling every 5 ms); with `list`, then the RSS of the process after it
 * has listed every compute once (text/plain, all of them, no paging).
 */
async function startup(dataDir: string, list: boolean): Promise<{ seconds: number; rss: number; listed: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, serverArgs(dataDir, port), { stdio: 'ignore' });
  try {
    let seconds: number | undefined;
    while (seconds === undefined) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering`);
      try {
        const a = await send(base, 'GET', '/-/', { Accept: TEXT });
        if (a.status !== 200) throw new Error(`GET /-/ answered ${a.status}`);
        seconds = (performance.now() - t0) / 1000;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    if (!list) return { seconds, rss: 0, listed: 0 };
    const a = await send(base, 'GET', '/compute/', { Accept: TEXT });
    const listed = a.status === 200 ? a.body.toString().split('\r\n').length - 1 : -1;
    return { seconds, rss: rssMb(child.pid!), listed };
  } finally {
    await stopChild(child);
  }
}
