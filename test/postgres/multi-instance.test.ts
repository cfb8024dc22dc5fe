import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { header, send } from '../support/http.js';
import { testCluster, type PostgresCluster } from '../support/postgres.js';
import { exited, spawnServer, type ServerProcess } from '../support/process.js';

/**
 * Two occi-server processes on different ports over one PostgreSQL
 * database: concurrent creates, actions, user-mixin changes and deletes
 * through both; both see the same state, the state machine is never
 * violated, and kill -9 of one loses no acknowledged write.
 */
const TEXT = { 'Content-Type': 'text/plain', Accept: 'text/plain' };
const COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';
const action = (term: string) => `Category: ${term}; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"\r\n`;
const TAG = (term: string) => `Category: ${term}; scheme="http://example.org/multi#"; class="mixin"; location="/tags/${term}/"\r\n`;

let cluster: PostgresCluster;
let url: string;
let dir: string;
const servers: ServerProcess[] = [];

async function instance(): Promise<ServerProcess> {
  const s = await spawnServer(['--listen', '127.0.0.1', '--port', '0', '--store', 'postgres', '--database-url', url, '--data-dir', dir, '--log-level', 'warn']);
  servers.push(s);
  return s;
}

async function create(base: string, title: string, extra = ''): Promise<string> {
  const res = await send(base, 'POST', '/compute/', TEXT, `${COMPUTE}${extra}X-OCCI-Attribute: occi.core.title="${title}"\r\n`);
  assert.equal(res.status, 201, res.body);
  return new URL(header(res, 'location')!).pathname;
}

async function locations(base: string, path = '/compute/'): Promise<string[]> {
  const res = await send(base, 'GET', path, { Accept: 'text/uri-list' });
  assert.equal(res.status, 200, res.body);
  return res.body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => new URL(l, base).pathname).sort();
}

async function state(base: string, location: string): Promise<string> {
  const res = await send(base, 'GET', location, { Accept: 'application/occi+json' });
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body).attributes['occi.compute.state'];
}

async function knows(base: string, term: string): Promise<boolean> {
  const res = await send(base, 'GET', '/-/', { Accept: 'text/plain' });
  return res.body.includes(`Category: ${term}; scheme="http://example.org/multi#"`);
}

/** Polls `check` every millisecond until true; the milliseconds it took. */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - t0;
}

describe('two instances on one PostgreSQL database', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    cluster = await testCluster();
    url = await cluster.createDatabase('multi');
    dir = mkdtempSync(join(tmpdir(), 'occi-multi-'));
    a = await instance();
    b = await instance();
  });
  after(async () => {
    for (const s of servers) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await exited(s.child);
      }
    }
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent creates through both are seen by both', async () => {
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => create(i % 2 ? a.base : b.base, `vm${i}`)));
    assert.equal(new Set(made).size, 40);
    assert.deepEqual(await locations(a.base), [...made].sort());
    assert.deepEqual(await locations(b.base), [...made].sort());
  });

  it('concurrent actions on the same computes through both: exactly one start and one stop wins each, never an invalid move', async () => {
    const vms = await locations(a.base);
    for (const [term, to] of [['start', 'active'], ['stop', 'inactive']] as const) {
      const answers = await Promise.all(vms.flatMap((vm) => [a.base, b.base].map((base) => send(base, 'POST', `${vm}?action=${term}`, TEXT, action(term)))));
      for (let i = 0; i < vms.length; i++) {
        const statuses = [answers[2 * i].status, answers[2 * i + 1].status].sort();
        assert.deepEqual(statuses, [200, 409], `${term} on ${vms[i]}: one wins, the other finds it ${to} already`);
      }
      for (const vm of vms) {
        assert.equal(await state(a.base, vm), to);
        assert.equal(await state(b.base, vm), to);
      }
    }
  });

  it('a user mixin defined on one instance reaches the other (LISTEN/NOTIFY), and its removal too', async () => {
    const defined: number[] = [];
    const removed: number[] = [];
    for (let i = 0; i < 10; i++) {
      const term = `t${i}`;
      const [from, to] = i % 2 ? [a, b] : [b, a];
      assert.equal((await send(from.base, 'POST', '/-/', TEXT, TAG(term))).status, 200);
      defined.push(await until(() => knows(to.base, term)));
      // The other instance's model has it: a compute created there carries it.
      const vm = await create(to.base, `tagged-${term}`, TAG(term).replace(/; location="[^"]*"/, ''));
      assert.deepEqual(await locations(from.base, `/tags/${term}/`), [vm]);
      assert.equal((await send(to.base, 'DELETE', '/-/', TEXT, TAG(term).replace(/; location="[^"]*"/, ''))).status, 200);
      removed.push(await until(async () => !(await knows(from.base, term))));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `model change propagation between instances (define ack on one to visible on the other, 1 ms polling): ` +
        `define median ${median(defined).toFixed(1)} ms, max ${Math.max(...defined).toFixed(1)} ms; ` +
        `remove median ${median(removed).toFixed(1)} ms, max ${Math.max(...removed).toFixed(1)} ms`,
    );
  });

  it('concurrent deletes through both leave the same rest on both', async () => {
    const vms = await locations(a.base);
    const going = vms.slice(0, 20);
    const answers = await Promise.all(going.map((vm, i) => send(i % 2 ? a.base : b.base, 'DELETE', vm, TEXT)));
    for (const res of answers) assert.equal(res.status, 200, res.body);
    const rest = vms.slice(20);
    assert.deepEqual(await locations(a.base), rest);
    assert.deepEqual(await locations(b.base), rest);
  });

  it('kill -9 of one instance loses no acknowledged write', async () => {
    const before = new Set(await locations(b.base));
    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          acknowledged.push(await create(a.base, `crash-${w}-${i}`));
        } catch {
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 400));
    a.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await exited(a.child);
    assert.ok(acknowledged.length > 0, 'some creates were acknowledged before the kill');
    const seen = new Set(await locations(b.base));
    for (const l of acknowledged) assert.ok(seen.has(l), `${l} was acknowledged by the killed instance`);
    for (const l of before) assert.ok(seen.has(l));
    console.log(`kill -9: ${acknowledged.length} creates acknowledged by the killed instance, all present on the other`);
  });
});
