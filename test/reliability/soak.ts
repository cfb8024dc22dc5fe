/**
 * Soak (issue 4 §5): a mixed read/write load at SOAK_CONNECTIONS (default
 * 256) keep-alive connections for SOAK_SECONDS (default 60) against a server
 * process; reports per window (SOAK_WINDOW seconds, default 10) requests,
 * 5xx, socket errors, p50/p99 latency and the server's RSS. `npm run soak`
 * fails when a 5xx or a socket error happened, or RSS rose more than 10 %
 * above its level at the end of the warm-up (SOAK_WARMUP seconds, default
 * 20). test/reliability/soak.test.ts runs a short form (5 s, 64
 * connections) that asserts the counts, never timings.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, spawnServer } from '../support/process.js';
import { rssKiB } from './raw.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `Category: compute; scheme="${INFRA}"; class="kind"`;

export interface SoakOptions {
  seconds: number;
  connections: number;
  windowSeconds: number;
  /** Windows ending before this many seconds are warm-up: left out of the RSS spread. */
  warmupSeconds?: number;
  log?: (line: string) => void;
}

export interface SoakWindow {
  /** Seconds since the start at the window's end. */
  at: number;
  requests: number;
  status5xx: number;
  socketErrors: number;
  p50: number;
  p99: number;
  rssKiB: number;
}

export interface SoakResult {
  windows: SoakWindow[];
  requests: number;
  status5xx: number;
  socketErrors: number;
  /** Other unexpected statuses (e.g. 404 on one's own entity), with counts. */
  unexpected: Record<string, number>;
  /** Largest relative RSS difference among the windows after the warm-up. */
  rssSpread: number;
  /** How far RSS rose above its level at the end of the warm-up (negative: it fell). */
  rssGrowth: number;
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-soak-'));
  const server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  const url = new URL(server.base);
  const windows: SoakWindow[] = [];
  const unexpected: Record<string, number> = {};
  let current = { requests: 0, status5xx: 0, socketErrors: 0, latencies: [] as number[] };
  const started = Date.now();
  const deadline = started + opts.seconds * 1_000;

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

  const ticker = setInterval(async () => {
    const w = current;
    current = { requests: 0, status5xx: 0, socketErrors: 0, latencies: [] };
    const sorted = w.latencies.sort((a, b) => a - b);
    const pct = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
    const window: SoakWindow = {
      at: Math.round((Date.now() - started) / 1000), requests: w.requests, status5xx: w.status5xx, socketErrors: w.socketErrors,
      p50: Math.round(pct(0.5) * 10) / 10, p99: Math.round(pct(0.99) * 10) / 10, rssKiB: await rssKiB(server.child.pid!),
    };
    windows.push(window);
    log(`${String(window.at).padStart(4)} s  ${String(window.requests).padStart(7)} req  ${(window.requests / opts.windowSeconds).toFixed(0).padStart(6)} req/s  ` +
      `5xx ${window.status5xx}  socket errors ${window.socketErrors}  p50 ${window.p50} ms  p99 ${window.p99} ms  RSS ${(window.rssKiB / 1024).toFixed(1)} MiB`);
  }, opts.windowSeconds * 1_000);

  try {
    await Promise.all(Array.from({ length: opts.connections }, (_, c) => client(c)));
  } finally {
    clearInterval(ticker);
    agent.destroy();
    server.child.kill('SIGTERM');
    await exited(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const sum = (k: 'requests' | 'status5xx' | 'socketErrors') => windows.reduce((a, w) => a + w[k], 0) + current[k];
  const warm = windows.filter((w) => w.at > (opts.warmupSeconds ?? opts.windowSeconds));
  const rss = warm.map((w) => w.rssKiB);
  const rssSpread = rss.length < 2 ? 0 : (Math.max(...rss) - Math.min(...rss)) / Math.min(...rss);
  const rssGrowth = rss.length < 2 ? 0 : (Math.max(...rss.slice(1)) - rss[0]) / rss[0];
  return { windows, requests: sum('requests'), status5xx: sum('status5xx'), socketErrors: sum('socketErrors'), unexpected, rssSpread, rssGrowth };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.env.SOAK_SECONDS ?? 60);
  const connections = Number(process.env.SOAK_CONNECTIONS ?? 256);
  const windowSeconds = Number(process.env.SOAK_WINDOW ?? 10);
  const warmupSeconds = Number(process.env.SOAK_WARMUP ?? 20);
  console.log(`soak: ${connections} connections, ${seconds} s, windows of ${windowSeconds} s, warm-up ${warmupSeconds} s`);
  const r = await runSoak({ seconds, connections, windowSeconds, warmupSeconds, log: (l) => console.log(l) });
  const p99s = r.windows.filter((w) => w.at > warmupSeconds).map((w) => w.p99);
  console.log(`\nsoak: ${r.requests} requests, ${r.status5xx} 5xx, ${r.socketErrors} socket errors, ` +
    `p99 after warm-up ${Math.min(...p99s)}–${Math.max(...p99s)} ms, RSS after warm-up ${(Math.min(...r.windows.filter((w) => w.at > warmupSeconds).map((w) => w.rssKiB)) / 1024).toFixed(0)}–` +
    `${(Math.max(...r.windows.filter((w) => w.at > warmupSeconds).map((w) => w.rssKiB)) / 1024).toFixed(0)} MiB ` +
    `(spread ${(r.rssSpread * 100).toFixed(1)} %, growth above the first window after warm-up ${(r.rssGrowth * 100).toFixed(1)} %)` +
    (Object.keys(r.unexpected).length ? `, unexpected: ${JSON.stringify(r.unexpected)}` : ''));
  const failed = r.status5xx > 0 || r.socketErrors > 0 || r.rssGrowth > 0.1 || Object.keys(r.unexpected).length > 0;
  console.log(failed ? 'FAIL' : 'PASS: zero 5xx, zero socket errors, RSS never more than 10 % above its level after warm-up');
  process.exitCode = failed ? 1 : 0;
}
