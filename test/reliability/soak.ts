/**
 * Soak (issues 4 §5 and 16): a mixed read/write load on keep-alive
 * connections against a server process, reported per window: the requests
 * the client got answered beside the requests the server counted itself
 * (`occi_http_requests_total` on its admin listener), 5xx, socket errors,
 * client p50/p99, the server's mean latency, its RSS, and the CPU used by
 * the server, by this harness and by everything else on the machine, so
 * that a harness bottleneck, or a busy machine, shows.
 *
 *   npm run soak -- --seconds 600 --connections 256
 *
 * builds the server and runs it as `npm start` does (`node
 * dist/src/cli/main.js`, default configuration, access log on; only
 * `--port 0`, `--data-dir` and `--admin-port` added). Flags (each with
 * its variable, which gives the default): --seconds (SOAK_SECONDS, 60),
 * --connections (SOAK_CONNECTIONS, 256), --window (SOAK_WINDOW, 10),
 * --warmup (SOAK_WARMUP, 20, at most seconds - 2 windows);
 * --server-args="FLAGS" adds server flags (e.g. "--log-level warn"). Pass criteria:
 * see `judge`. test/reliability/soak.test.ts runs a short form (5 s, 64
 * connections, the server through tsx) that asserts counts, never timings.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { send } from '../support/http.js';
import { exited, spawnServer } from '../support/process.js';
import { rssKiB } from './raw.js';
import { freePort } from '../support/free-port.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `Category: compute; scheme="${INFRA}"; class="kind"`;

export interface SoakOptions {
  seconds: number;
  connections: number;
  windowSeconds: number;
  /** Run `dist/src/cli/main.js` (as `npm start` does; needs `npm run build`) instead of the TypeScript through tsx. */
  compiled?: boolean;
  /** More server flags (the default configuration otherwise), e.g. `--log-level warn` to compare without the access log. */
  serverArgs?: string[];
  log?: (line: string) => void;
}

export interface SoakWindow {
  /** Seconds since the start at the window's end. */
  at: number;
  /** The window's real length in seconds. */
  seconds: number;
  /** Answers the client received. */
  requests: number;
  /** Requests the server counted in the same window (its metrics). */
  serverRequests: number;
  status5xx: number;
  socketErrors: number;
  /** Client-side latency percentiles, ms. */
  p50: number;
  p99: number;
  /** The server's own mean time per request in the window (its latency histogram), ms. */
  serverMeanMs: number;
  rssKiB: number;
  /** CPU used in the window, in cores (1 = one core busy all the time): the server's, this harness's, everything else's on the machine. */
  serverCpu: number;
  harnessCpu: number;
  otherCpu: number;
}

export interface SoakResult {
  windows: SoakWindow[];
  /** Totals over the whole run, windows and the last partial second included. */
  requests: number;
  serverRequests: number;
  status5xx: number;
  /** 5xx the server counted (its metrics). */
  server5xx: number;
  socketErrors: number;
  /** Other unexpected statuses (e.g. 404 on one's own entity), with counts. */
  unexpected: Record<string, number>;
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

/** What the server's /metrics says, summed over labels. */
interface ServerCounters {
  requests: number;
  status5xx: number;
  durationSeconds: number;
  cpuSeconds: number;
}


/** Busy and total CPU time of the whole machine so far, in clock ticks (Linux /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3] - ticks[4], total }; // idle and iowait are not busy
}

async function scrape(admin: string): Promise<ServerCounters> {
  const res = await send(admin, 'GET', '/metrics');
  if (res.status !== 200) throw new Error(`GET ${admin}/metrics answered ${res.status}`);
  const c: ServerCounters = { requests: 0, status5xx: 0, durationSeconds: 0, cpuSeconds: 0 };
  for (const line of res.body.split('\n')) {
    const m = /^(occi_http_requests_total|occi_http_request_duration_seconds_sum|occi_process_cpu_seconds_total)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (m[1] === 'occi_http_requests_total') {
      c.requests += v;
      if (/status="5/.test(m[2] ?? '')) c.status5xx += v;
    } else if (m[1] === 'occi_http_request_duration_seconds_sum') c.durationSeconds += v;
    else c.cpuSeconds += v;
  }
  return c;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-soak-'));
  // A free port rather than 0: main.ts tells the admin port only in a log line, absent at --log-level warn.
  const adminPort = await freePort();
  const args = ['--port', '0', '--data-dir', dataDir, '--admin-port', String(adminPort), ...(opts.serverArgs ?? [])];
  const server = await spawnServer(args, {}, { compiled: opts.compiled });
  try {
    return await drive(opts, server.base, `http://127.0.0.1:${adminPort}`, server.child.pid!);
  } finally {
    server.child.kill('SIGTERM');
    await exited(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function drive(opts: SoakOptions, base: string, admin: string, pid: number): Promise<SoakResult> {
  const log = opts.log ?? (() => undefined);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  const url = new URL(base);
  const windows: SoakWindow[] = [];
  const unexpected: Record<string, number> = {};
  const fresh = () => ({ requests: 0, status5xx: 0, socketErrors: 0, latencies: [] as number[] });
  let current = fresh();
  const first = await scrape(admin);
  let last = { t: performance.now(), cpu: process.cpuUsage(), machine: machineCpu(), server: first };
  const started = last.t;
  const deadline = Date.now() + opts.seconds * 1_000;

  const call = (method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer | undefined> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        { host: url.hostname, port: url.port, method, path, agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            current.requests++;
            current.latencies.push(performance.now() - t0);
            const status = res.statusCode ?? 0;
            if (status >= 500) current.status5xx++;
            resolve({ status, body: Buffer.concat(chunks).toString('utf8'), location: res.headers.location });
          });
          res.on('error', () => {
            current.socketErrors++;
            resolve(undefined);
          });
        },
      );
      req.on('error', () => {
        current.socketErrors++;
        resolve(undefined);
      });
      req.end(body);
    });

  const expect = (a: Answer | undefined, ok: number[], what: string) => {
    if (a && !ok.includes(a.status)) unexpected[`${what} ${a.status}`] = (unexpected[`${what} ${a.status}`] ?? 0) + 1;
    return a !== undefined && ok.includes(a.status);
  };

  /** One connection's loop: keeps 5 to 15 computes of its own and reads, lists, updates, acts on and deletes them. */
  const client = async (c: number) => {
    const mine: Array<{ path: string; active: boolean }> = [];
    while (Date.now() < deadline) {
      const roll = Math.random();
      if (mine.length < 5 || (roll < 0.08 && mine.length < 15)) {
        const a = await call('POST', '/compute/', { 'Content-Type': 'text/plain', Accept: 'text/plain' },
          `${KIND}\r\nX-OCCI-Attribute: occi.core.title="soak-${c}"`);
        if (expect(a, [201], 'create') && a!.location) mine.push({ path: new URL(a!.location).pathname, active: false });
        continue;
      }
      const e = mine[Math.floor(Math.random() * mine.length)];
      if (roll < 0.55) {
        expect(await call('GET', e.path, { Accept: roll < 0.3 ? 'text/plain' : 'application/occi+json' }), [200], 'get');
      } else if (roll < 0.7) {
        expect(await call('GET', `/compute/?page=${1 + Math.floor(Math.random() * 3)}&number=50`, { Accept: 'text/uri-list' }), [200], 'list');
      } else if (roll < 0.75) {
        expect(await call('GET', '/-/', { Accept: 'text/plain' }), [200], 'discovery');
      } else if (roll < 0.87) {
        expect(await call('POST', e.path, { 'Content-Type': 'text/plain' }, `X-OCCI-Attribute: occi.core.summary="u${Math.random()}"`), [200], 'update');
      } else if (roll < 0.95) {
        const a = await call('POST', `${e.path}?action=${e.active ? 'stop' : 'start'}`, {});
        if (expect(a, [200], 'action')) e.active = !e.active;
      } else if (mine.length > 5) {
        mine.splice(mine.indexOf(e), 1);
        expect(await call('DELETE', e.path, {}), [200], 'delete');
      }
    }
  };

  /** Closes the window now: its counts are swapped out at once; the server is asked afterwards, in order. */
  let closing = Promise.resolve();
  let failure: unknown;
  const close = () => {
    const w = current;
    current = fresh();
    const t = performance.now();
    const cpu = process.cpuUsage();
    const machine = machineCpu();
    closing = closing.then(async () => {
      const [server, rss] = await Promise.all([scrape(admin), rssKiB(pid)]);
      const seconds = (t - last.t) / 1000;
      const serverCpu = (server.cpuSeconds - last.server.cpuSeconds) / seconds;
      const harnessCpu = (cpu.user + cpu.system - last.cpu.user - last.cpu.system) / 1e6 / seconds;
      const busyCores = ((machine.busy - last.machine.busy) / (machine.total - last.machine.total)) * availableParallelism();
      const served = server.requests - last.server.requests;
      const sorted = Float64Array.from(w.latencies).sort();
      const pct = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
      const window: SoakWindow = {
        at: Math.round((t - started) / 100) / 10, seconds, requests: w.requests, serverRequests: served,
        status5xx: w.status5xx, socketErrors: w.socketErrors, p50: round(pct(0.5)), p99: round(pct(0.99)),
        serverMeanMs: round(served === 0 ? 0 : ((server.durationSeconds - last.server.durationSeconds) / served) * 1000),
        rssKiB: rss,
        serverCpu, harnessCpu, otherCpu: Math.max(0, busyCores - serverCpu - harnessCpu),
      };
      last = { t, cpu, machine, server };
      windows.push(window);
      log(formatWindow(window));
    }).catch((err: unknown) => {
      failure ??= err; // thrown once the loops are done, so that the server is stopped
    });
  };
  const planned = Math.max(1, Math.floor(opts.seconds / opts.windowSeconds));
  let fired = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      fired++;
      close();
      if (fired < planned) schedule();
    }, started + (fired + 1) * opts.windowSeconds * 1_000 - performance.now());
  };
  schedule();

  try {
    await Promise.all(Array.from({ length: opts.connections }, (_, c) => client(c)));
  } finally {
    clearTimeout(timer);
    agent.destroy();
  }
  // The last boundary is the deadline; its timer may not have run yet when the loops drain.
  if (fired < planned) close();
  await closing;
  if (failure) throw failure;
  const end = await scrape(admin);
  const sum = (k: 'requests' | 'status5xx' | 'socketErrors') => windows.reduce((a, w) => a + w[k], 0) + current[k];
  return {
    windows, requests: sum('requests'), serverRequests: end.requests - first.requests, status5xx: sum('status5xx'),
    server5xx: end.status5xx - first.status5xx, socketErrors: sum('socketErrors'), unexpected,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function formatWindow(w: SoakWindow): string {
  const rate = (n: number) => Math.round(n / w.seconds).toLocaleString('en').padStart(6);
  return `${w.at.toFixed(0).padStart(4)} s  client ${rate(w.requests)} req/s  server ${rate(w.serverRequests)} req/s  ` +
    `p50 ${w.p50} ms  p99 ${w.p99} ms  server mean ${w.serverMeanMs} ms  5xx ${w.status5xx}  socket errors ${w.socketErrors}  ` +
    `RSS ${(w.rssKiB / 1024).toFixed(1)} MiB  CPU server ${w.serverCpu.toFixed(2)} harness ${w.harnessCpu.toFixed(2)} other ${w.otherCpu.toFixed(2)}`;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The pass criteria of `npm run soak`. Windows ending after `warmupSeconds`
 * are the steady ones (all windows when none does):
 * - no 5xx (as the client saw them and as the server counted them), no
 *   socket error, no unexpected status;
 * - the server counted exactly the requests the client got answered;
 * - throughput holds: the last window's rate is at least 0.8 of the best
 *   window's (warm-up included);
 * - p99 does not rise: the last window's p99 is at most 1.5 × the median of
 *   the steady windows' p99s;
 * - RSS is flat: the median RSS of the last half of the steady windows is
 *   at most 10 % above the median of their first half (a trend, not one
 *   window caught before a garbage collection).
 */
export function judge(r: SoakResult, warmupSeconds: number): Check[] {
  const steady = r.windows.some((w) => w.at > warmupSeconds) ? r.windows.filter((w) => w.at > warmupSeconds) : r.windows;
  const lastW = r.windows[r.windows.length - 1];
  const rate = (w: SoakWindow) => w.requests / w.seconds;
  const best = Math.max(...r.windows.map(rate));
  const median = medianOf(steady.map((w) => w.p99));
  const half = Math.max(1, Math.floor(steady.length / 2));
  const rssFirst = medianOf(steady.slice(0, half).map((w) => w.rssKiB));
  const rssLast = medianOf(steady.slice(-half).map((w) => w.rssKiB));
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  return [
    { name: 'no 5xx', ok: r.status5xx === 0 && r.server5xx === 0, detail: `${r.status5xx} seen by the client, ${r.server5xx} counted by the server` },
    { name: 'no socket error', ok: r.socketErrors === 0, detail: String(r.socketErrors) },
    { name: 'no unexpected status', ok: Object.keys(r.unexpected).length === 0, detail: JSON.stringify(r.unexpected) },
    { name: 'server and client counts agree', ok: r.serverRequests === r.requests, detail: `server ${r.serverRequests}, client ${r.requests}` },
    {
      name: 'throughput holds (last window >= 0.8 x best)', ok: rate(lastW) >= 0.8 * best,
      detail: `last ${Math.round(rate(lastW))} req/s, best ${Math.round(best)} req/s (${(rate(lastW) / best).toFixed(2)})`,
    },
    {
      name: 'p99 not rising (last window <= 1.5 x median of steady windows)', ok: lastW.p99 <= 1.5 * median,
      detail: `last ${lastW.p99} ms, median ${round(median)} ms (${(lastW.p99 / median).toFixed(2)})`,
    },
    {
      name: 'RSS flat (median of the last half of the steady windows <= 1.1 x median of the first half)', ok: rssLast <= 1.1 * rssFirst,
      detail: `first half ${mib(rssFirst)}, last half ${mib(rssLast)} (${rssLast >= rssFirst ? '+' : ''}${(((rssLast - rssFirst) / rssFirst) * 100).toFixed(1)} %), ` +
        `range ${mib(Math.min(...steady.map((w) => w.rssKiB)))}–${mib(Math.max(...steady.map((w) => w.rssKiB)))}`,
    },
  ];
}

function medianOf(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: process.env.SOAK_SECONDS ?? '60' },
      connections: { type: 'string', default: process.env.SOAK_CONNECTIONS ?? '256' },
      window: { type: 'string', default: process.env.SOAK_WINDOW ?? '10' },
      warmup: { type: 'string', default: process.env.SOAK_WARMUP },
      'server-args': { type: 'string', default: '' },
    },
  });
  const whole = (flag: string, text: string, min: number) => {
    if (!/^\d+$/.test(text) || Number(text) < min) {
      console.error(`soak: --${flag} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
      process.exit(2);
    }
    return Number(text);
  };
  const seconds = whole('seconds', values.seconds, 1);
  const connections = whole('connections', values.connections, 1);
  const windowSeconds = whole('window', values.window, 1);
  const warmupSeconds = values.warmup === undefined ? Math.max(0, Math.min(20, seconds - 2 * windowSeconds)) : whole('warmup', values.warmup, 0);
  const serverArgs = values['server-args'].split(/\s+/).filter(Boolean);
  const load0 = loadavg();
  console.log(`soak: ${connections} connections, ${seconds} s, windows of ${windowSeconds} s, warm-up ${warmupSeconds} s` +
    `${serverArgs.length ? `, server flags ${serverArgs.join(' ')}` : ''}; load average ${load0.map((l) => l.toFixed(2)).join(' ')} before`);
  const r = await runSoak({ seconds, connections, windowSeconds, compiled: true, serverArgs, log: (l) => console.log(l) });
  const load1 = loadavg();
  console.log(`\nsoak: ${r.requests} requests answered (the server counted ${r.serverRequests}), ${r.status5xx} 5xx, ` +
    `${r.socketErrors} socket errors; load average ${load1.map((l) => l.toFixed(2)).join(' ')} after`);
  const checks = judge(r, warmupSeconds);
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  const best = r.windows.reduce((a, w) => (w.requests / w.seconds > a.requests / a.seconds ? w : a));
  const lastW = r.windows[r.windows.length - 1];
  if (lastW.otherCpu - best.otherCpu > 0.25) {
    console.log(`note: other processes used ${lastW.otherCpu.toFixed(2)} cores in the last window and ${best.otherCpu.toFixed(2)} in the best one: ` +
      'on a busy machine, a fall in throughput may be theirs; rerun on a quiet one');
  }
  const failed = checks.some((c) => !c.ok);
  console.log(failed ? 'FAIL' : 'PASS');
  process.exitCode = failed ? 1 : 0;
}
