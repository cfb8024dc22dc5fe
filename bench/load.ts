/**
 * Load generators: wrk (bench/wrk.lua) when it is installed, else a small
 * keep-alive HTTP client in Node. Both run the same request plans, so a
 * scenario means the same thing whichever one drives it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildOutput } from '../test/support/child-output.js';
import { BENCH_DIR } from './paths.js';

/** What one connection sends, request after request. */
export type Plan =
  | { readonly mode: 'get'; readonly path: string; readonly accept: string }
  | { readonly mode: 'post'; readonly path: string; readonly accept: string; readonly contentType: string; readonly body: string }
  /** `?action=start` then `?action=stop` on each path in turn. */
  | { readonly mode: 'action'; readonly paths: readonly string[]; readonly accept: string }
  /** 9 GETs of `path`, then one POST of `body` to `post`. */
  | { readonly mode: 'mixed'; readonly path: string; readonly post: string; readonly accept: string; readonly contentType: string; readonly body: string };

export interface LoadOptions {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly plan: Plan;
  readonly connections: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly opsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors, timeouts and responses with a status of 400 or more. */
  readonly errors: number;
}

export interface LoadGenerator {
  readonly name: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** wrk with one thread (the server has the other core), the plan in bench/wrk.lua. */
export const wrkGenerator: LoadGenerator = {
  name: 'wrk',
  async run({ base, plan, connections, seconds }) {
    const dir = mkdtempSync(join(tmpdir(), 'occi-bench-wrk-'));
    try {
      const lines: string[] = [`mode\t${plan.mode}`, `accept\t${plan.accept}`];
      if (plan.mode === 'get') lines.push(`path\t${plan.path}`);
      if (plan.mode === 'post' || plan.mode === 'mixed') {
        writeFileSync(join(dir, 'body'), plan.body);
        lines.push(`path\t${plan.path}`, `ctype\t${plan.contentType}`, `body\t${join(dir, 'body')}`);
      }
      if (plan.mode === 'mixed') lines.push(`post\t${plan.post}`);
      if (plan.mode === 'action') {
        writeFileSync(join(dir, 'paths'), plan.paths.join('\n') + '\n');
        lines.push(`paths\t${join(dir, 'paths')}`);
      }
      writeFileSync(join(dir, 'plan'), lines.join('\n') + '\n');
      const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '20s', '-s', join(BENCH_DIR, 'wrk.lua'), `${base}/`];
      const line = await run('wrk', args, { ...process.env, BENCH_PLAN: join(dir, 'plan') });
      if (!line) throw new Error('wrk printed no BENCH_JSON line');
      const r = JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>;
      return {
        requests: r.requests,
        opsPerS: r.requests / (r.duration_us / 1e6),
        p50Ms: r.p50_us / 1000,
        p99Ms: r.p99_us / 1000,
        errors: r.connect + r.read + r.write + r.status + r.timeout,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Runs a command to its end; resolves with its `BENCH_JSON` line, read as it comes (only a bounded tail of the rest is kept). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new ChildOutput([child.stdout, child.stderr]);
    const result = out.watch(/^BENCH_JSON \{.*\}$/);
    child.on('error', reject);
    child.on('close', (code) => {
      result.stop();
      if (code === 0) resolve(result.lines[0]);
      else reject(new Error(`${cmd} exited with ${code}; its output ended with:\n${out.tail()}`));
    });
  });
}

/** One answered request, for the Node generator and for samples. */
export interface Answer {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

export function send(
  base: string, method: string, path: string, headers: Record<string, string>, body = '', agent?: Agent,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const payload = Buffer.from(body);
    const req = request(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, agent, headers: body === '' ? headers : { ...headers, 'Content-Length': String(payload.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = res.rawHeaders;
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
          resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The requests of a plan as a generator of (method, path, headers, body), one per connection. */
function* requests(plan: Plan): Generator<[string, string, Record<string, string>, string]> {
  const accept = { Accept: plan.accept };
  switch (plan.mode) {
    case 'get':
      for (;;) yield ['GET', plan.path, accept, ''];
    case 'post':
      for (;;) yield ['POST', plan.path, { ...accept, 'Content-Type': plan.contentType }, plan.body];
    case 'action':
      for (;;) {
        for (const p of plan.paths) yield ['POST', `${p}?action=start`, accept, ''];
        for (const p of plan.paths) yield ['POST', `${p}?action=stop`, accept, ''];
      }
    case 'mixed':
      for (;;) {
        for (let i = 0; i < 9; i++) yield ['GET', plan.path, accept, ''];
        yield ['POST', plan.post, { ...accept, 'Content-Type': plan.contentType }, plan.body];
      }
  }
}

/**
 * The fall-back generator: `connections` keep-alive loops in this process.
 * It shares a core with the server, so its numbers are lower than wrk's;
 * ratios stay meaningful because the baseline gets the same treatment.
 */
export const nodeGenerator: LoadGenerator = {
  name: 'node',
  async run({ base, plan, connections, seconds }) {
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const latencies: number[] = [];
    let errors = 0;
    // The action plan needs each compute's start and stop in order: one shared sequence.
    const shared = requests(plan);
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const loop = async () => {
      while (performance.now() < deadline) {
        const [method, path, headers, body] = shared.next().value as [string, string, Record<string, string>, string];
        const t0 = performance.now();
        try {
          const answer = await send(base, method, path, headers, body, agent);
          if (answer.status >= 400) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
    const elapsed = (performance.now() - started) / 1000;
    agent.destroy();
    const sorted = Float64Array.from(latencies).sort();
    const pct = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
    return { requests: latencies.length, opsPerS: latencies.length / elapsed, p50Ms: pct(50), p99Ms: pct(99), errors };
  },
};
