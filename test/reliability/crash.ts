/**
 * Crash safety (issue 4 §3): 16 concurrent writers create (PUT at a chosen
 * path), update, act on and delete computes while the server is killed with
 * SIGKILL at a random moment; then the database must pass an integrity
 * check and, after a restart on the same data, every acknowledged operation
 * must be there and every operation in flight either fully there or fully
 * absent (an update sets title and summary together: a half-applied one
 * would show them differing).
 *
 * `npm run test:crash` runs CRASH_ITERATIONS (default 20) kills on one data
 * directory and prints the figures; test/reliability/crash.test.ts runs two.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { send, header } from '../support/http.js';
import { exited, spawnServer, type ServerProcess } from '../support/process.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `Category: compute; scheme="${INFRA}"; class="kind"`;
const TEXT = { 'Content-Type': 'text/plain', Accept: 'application/occi+json' };

/** What a compute looks like from outside; null: absent. */
type Known = { title: string; state: 'active' | 'inactive' } | null;

export interface CrashOptions {
  iterations: number;
  writers?: number;
  /** Kill between these many ms after the writers start. */
  killAfterMs?: [number, number];
  dataDir?: string;
  log?: (line: string) => void;
}

export interface CrashFigures {
  iterations: number;
  acknowledged: { create: number; update: number; delete: number; action: number };
  inFlightAtKill: number;
  inFlightApplied: number;
  entitiesChecked: number;
}

interface Pending {
  location: string;
  before: Known;
  after: Known;
}

export async function runCrash(opts: CrashOptions): Promise<CrashFigures> {
  const writers = opts.writers ?? 16;
  const [minKill, maxKill] = opts.killAfterMs ?? [300, 1_500];
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'occi-crash-'));
  const log = opts.log ?? (() => undefined);
  const expected = new Map<string, Known>();
  const figures: CrashFigures = {
    iterations: 0, acknowledged: { create: 0, update: 0, delete: 0, action: 0 }, inFlightAtKill: 0, inFlightApplied: 0, entitiesChecked: 0,
  };
  try {
    for (let it = 0; it < opts.iterations; it++) {
      const server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
      const pending = new Set<Pending>();
      let killed = false;
      const killAt = minKill + Math.random() * (maxKill - minKill);
      const writerRuns = Array.from({ length: writers }, (_, w) => write(server, w, expected, pending, figures, () => killed));
      await new Promise((r) => setTimeout(r, killAt));
      killed = true;
      server.child.kill('SIGKILL');
      await exited(server.child);
      await Promise.all(writerRuns);
      figures.inFlightAtKill += pending.size;

      // The database as the crash left it: integrity first (opening it replays the WAL, as a restart does).
      const db = new Database(join(dataDir, 'occi.sqlite'));
      const integrity = db.pragma('integrity_check', { simple: true });
      const fk = db.pragma('foreign_key_check') as unknown[];
      db.close();
      if (integrity !== 'ok') throw new Error(`iteration ${it}: integrity_check says ${String(integrity)}`);
      if (fk.length > 0) throw new Error(`iteration ${it}: foreign_key_check found ${fk.length} rows`);

      const again = await spawnServer(['--port', '0', '--data-dir', dataDir]);
      try {
        figures.entitiesChecked += await verify(again, expected, pending, figures, it);
      } finally {
        again.child.kill('SIGKILL');
        await exited(again.child);
      }
      figures.iterations++;
      log(`iteration ${it + 1}/${opts.iterations}: killed after ${Math.round(killAt)} ms with ${pending.size} in flight; ` +
        `${[...expected.values()].filter((k) => k !== null).length} computes live, all acknowledged writes present`);
    }
  } finally {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

/** One writer: its own computes, one operation at a time, until the server dies. */
async function write(
  server: ServerProcess, w: number, expected: Map<string, Known>, pending: Set<Pending>, figures: CrashFigures, killed: () => boolean,
): Promise<void> {
  const mine = () => [...expected.entries()].filter(([l, k]) => k !== null && l.includes(`/compute/${w.toString(16).padStart(2, '0')}`));
  while (!killed()) {
    const live = mine();
    const roll = Math.random();
    let op: 'create' | 'update' | 'delete' | 'action';
    if (live.length < 3 || roll < 0.25) op = 'create';
    else if (roll < 0.55) op = 'update';
    else if (roll < 0.8) op = 'action';
    else op = 'delete';
    const token = randomUUID().slice(0, 8);
    let location: string;
    let before: Known;
    let after: Known;
    let req: Promise<{ status: number }>;
    if (op === 'create') {
      // The writer's number leads the id, so each writer finds its own computes.
      location = `/compute/${w.toString(16).padStart(2, '0')}${randomUUID().slice(2)}`;
      before = null;
      after = { title: token, state: 'inactive' };
      req = send(server.base, 'PUT', location, TEXT, `${KIND}\r\nX-OCCI-Attribute: occi.core.title="${token}"\r\nX-OCCI-Attribute: occi.core.summary="${token}"`);
    } else {
      const [l, k] = live[Math.floor(Math.random() * live.length)];
      location = l;
      before = k;
      if (op === 'update') {
        after = { ...k!, title: token };
        req = send(server.base, 'POST', location, TEXT, `X-OCCI-Attribute: occi.core.title="${token}"\r\nX-OCCI-Attribute: occi.core.summary="${token}"`);
      } else if (op === 'action') {
        const action = k!.state === 'active' ? 'stop' : 'start';
        after = { ...k!, state: action === 'start' ? 'active' : 'inactive' };
        req = send(server.base, 'POST', `${location}?action=${action}`, TEXT, '');
      } else {
        after = null;
        req = send(server.base, 'DELETE', location, TEXT, '');
      }
    }
    const p: Pending = { location, before, after };
    pending.add(p);
    if (op === 'create') expected.set(location, null);
    let status: number;
    try {
      status = (await req).status;
    } catch {
      return; // the server died with this operation in flight: it stays pending
    }
    pending.delete(p);
    const ok = op === 'create' ? status === 201 : status === 200;
    if (!ok) throw new Error(`writer ${w}: ${op} ${location} answered ${status}`);
    expected.set(location, after);
    figures.acknowledged[op]++;
  }
}

async function verify(server: ServerProcess, expected: Map<string, Known>, pending: Set<Pending>, figures: CrashFigures, it: number): Promise<number> {
  const inFlight = new Map([...pending].map((p) => [p.location, p]));
  let checked = 0;
  for (const [location, want] of expected) {
    const res = await send(server.base, 'GET', location, { Accept: 'application/occi+json' });
    let actual: Known = null;
    if (res.status === 200) {
      const a = (JSON.parse(res.body) as { attributes: Record<string, string> }).attributes;
      if (a['occi.core.title'] !== a['occi.core.summary']) throw new Error(`iteration ${it}: ${location} is half updated: ${JSON.stringify(a)}`);
      actual = { title: a['occi.core.title'], state: a['occi.compute.state'] as 'active' | 'inactive' };
      if (header(res, 'etag') === undefined) throw new Error(`${location} has no ETag`);
    } else if (res.status !== 404) {
      throw new Error(`iteration ${it}: GET ${location} answered ${res.status}`);
    }
    const p = inFlight.get(location);
    const same = (x: Known, y: Known) => JSON.stringify(x) === JSON.stringify(y);
    if (p) {
      if (!same(actual, p.before) && !same(actual, p.after)) {
        throw new Error(`iteration ${it}: ${location} in flight is neither before ${JSON.stringify(p.before)} nor after ${JSON.stringify(p.after)}: ${JSON.stringify(actual)}`);
      }
      if (same(actual, p.after) && !same(p.before, p.after)) figures.inFlightApplied++;
      expected.set(location, actual);
    } else if (!same(actual, want)) {
      throw new Error(`iteration ${it}: acknowledged state of ${location} lost: want ${JSON.stringify(want)}, got ${JSON.stringify(actual)}`);
    }
    checked++;
  }
  // Nothing is there that no writer created.
  const listed = await send(server.base, 'GET', '/compute/', { Accept: 'text/uri-list' });
  for (const url of listed.body.split('\r\n').filter(Boolean)) {
    const path = new URL(url).pathname;
    if (!expected.has(path)) throw new Error(`iteration ${it}: ${path} exists but no writer created it`);
  }
  for (const [l, k] of expected) if (k === null) expected.delete(l);
  return checked;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const iterations = Number(process.env.CRASH_ITERATIONS ?? 20);
  const started = Date.now();
  const f = await runCrash({ iterations, log: (l) => console.log(l) });
  const acked = Object.values(f.acknowledged).reduce((a, b) => a + b, 0);
  console.log(`\ncrash: ${f.iterations} kill -9 survived, ${acked} acknowledged operations kept ` +
    `(create ${f.acknowledged.create}, update ${f.acknowledged.update}, action ${f.acknowledged.action}, delete ${f.acknowledged.delete}), ` +
    `${f.inFlightAtKill} in flight at a kill (${f.inFlightApplied} of them applied, the rest absent, none half), ` +
    `${f.entitiesChecked} entity checks, integrity_check ok every time, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
