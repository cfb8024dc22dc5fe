/**
 * The abuse suite (issue 13): each way one tenant stalled, broke or probed
 * the server for everyone, replayed against a server with its default
 * limits, in this process on loopback. While an attack runs, a victim (another
 * user, from another address) keeps reading one of its own computes; the
 * victim's worst latency and the event loop's longest delay
 * (perf_hooks.monitorEventLoopDelay) are compared with the victim's idle
 * latency measured just before, in the same run: no wall-clock constant.
 * The victim sends a GET every 2 ms whatever happens (an open loop), each
 * latency counted from when it was due, so a blocked event loop shows in
 * every GET that fell due meanwhile; each attack runs back to back for 400
 * ms. The bound: the victim's 95th percentile under attack is at most 10
 * times its 95th percentile idle (the quieter of 400 ms before and after).
 * Percentiles rather than the worst GET: the garbage collector and the other
 * processes of a shared machine pause this one now and then, attack or not;
 * an attack that holds the loop does so in every round. Each case gets five
 * attempts; a regression fails them all. The figures go to docs/reliability.md §7.
 */
import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it, type TestContext } from 'node:test';
import { start, type Started } from '../../src/cli/start.js';
import { DEFAULTS } from '../../src/config/index.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const TAGS = 'http://example.org/tags#';
const TEXT = 'text/plain';
const JSON_TYPE = 'application/occi+json';
/** The bound: no attack may delay the victim more than this many times its idle latency. */
const RATIO = 10;
/** Attempts per case: a case passes when one attempt stays within the bound (the machine is shared; a regression fails them all). */
const ATTEMPTS = 5;

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

interface Figures {
  /** The victim's GET with nothing else running: 95th percentile, median, ms. */
  idle: number;
  idleMedian: number;
  /** The victim's GETs while the attack ran: 95th percentile, median, worst, count. */
  victim: number;
  victimMedian: number;
  victimMax: number;
  victimCount: number;
  /** The longest and the 99th percentile event-loop delay while the attack ran, ms. */
  loopMax: number;
  loopP99: number;
  /** One round of the attack, ms (the median of the rounds run in the window). */
  attack: number;
  rounds: number;
}

/** The victim sends a GET every PERIOD ms, whether the previous ones have come back or not (an open loop). */
const PERIOD = 2;
/** An attack is repeated back to back for at least this long, so that the victim samples it many times. */
const WINDOW = 400;

describe('abuse suite: one tenant cannot stall the server for another (issue 13)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-abuse-'));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  // Attackers come from other loopback addresses than the victim (127.0.0.1): per-address limits tell them apart.
  const attackers = new Map<string, Agent>();
  const from = (address: string) => {
    if (!attackers.has(address)) attackers.set(address, new Agent({ keepAlive: true, maxSockets: 16, localAddress: address } as ConstructorParameters<typeof Agent>[0]));
    return attackers.get(address)!;
  };
  let server: Started;
  let base = '';
  let victimVm = '';
  const figures: Array<[string, Figures]> = [];

  const auth = (user: string, password = `${user}-pw`) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const send = (method: string, path: string, headers: Record<string, string> = {}, body = '', address = '127.0.0.2'): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, base);
      const req = request(
        { agent: address === '127.0.0.1' ? agent : from(address), host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const as = (user: string, extra: Record<string, string> = {}) => ({ Authorization: auth(user), ...extra });
  const victimGet = async () => {
    const t0 = performance.now();
    const res = await send('GET', victimVm, as('victim', { Accept: TEXT }), '', '127.0.0.1');
    if (res.status !== 200) throw new Error(`the victim's GET answered ${res.status}: ${res.body}`);
    return performance.now() - t0;
  };

  /**
   * The victim's GETs, one every PERIOD ms, for as long as `during` runs:
   * each latency is counted from when the GET was due, so a blocked event
   * loop shows in every GET that fell due while it was blocked (no
   * coordinated omission), not in one.
   */
  async function sample(during: () => Promise<void>): Promise<number[]> {
    const latencies: Array<Promise<number>> = [];
    const t0 = performance.now();
    let due = 0;
    const timer = setInterval(() => {
      for (const now = performance.now(); t0 + due * PERIOD <= now; due++) {
        const scheduled = t0 + due * PERIOD;
        latencies.push(victimGet().then(() => performance.now() - scheduled));
      }
    }, 1);
    try {
      await during();
    } finally {
      clearInterval(timer);
    }
    return (await Promise.all(latencies)).sort((a, b) => a - b);
  }

  /**
   * The victim's idle latency, then the attack (back to back for WINDOW ms)
   * with the victim reading all along, then idle again: of the two idle
   * windows the quieter counts, so that another process's burst during one
   * of them does not loosen the bound.
   */
  async function measure(attack: () => Promise<unknown>): Promise<Figures> {
    const quiet = () => sample(() => new Promise((resolve) => setTimeout(resolve, WINDOW)));
    const before = await quiet();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const rounds: number[] = [];
    loop.enable();
    const victim = await sample(async () => {
      const t0 = performance.now();
      do {
        const r0 = performance.now();
        await attack();
        rounds.push(performance.now() - r0);
      } while (performance.now() - t0 < WINDOW);
      // One more timer turn: a delay is recorded when the timer after it fires.
      await new Promise((resolve) => setTimeout(resolve, 3));
    });
    loop.disable();
    const after = await quiet();
    rounds.sort((a, b) => a - b);
    const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))];
    const idle = at(before, 0.95) <= at(after, 0.95) ? before : after;
    return {
      idle: at(idle, 0.95), idleMedian: at(idle, 0.5),
      victim: at(victim, 0.95), victimMedian: at(victim, 0.5), victimMax: victim[victim.length - 1], victimCount: victim.length,
      loopMax: loop.max / 1e6, loopP99: loop.percentile(99) / 1e6,
      attack: at(rounds, 0.5), rounds: rounds.length,
    };
  }

  /**
   * Runs `attack` until the victim's 95th percentile stays within RATIO
   * times its idle one, ATTEMPTS times at most, and records the best attempt.
   */
  async function bounded(t: TestContext, name: string, attack: () => Promise<unknown>, attempts = ATTEMPTS): Promise<Figures> {
    let best: Figures | undefined;
    for (let i = 0; i < attempts; i++) {
      const f = await measure(attack);
      if (!best || f.victim / f.idle < best.victim / best.idle) best = f;
      if (f.victim <= RATIO * f.idle) break;
    }
    const f = best!;
    figures.push([name, f]);
    t.diagnostic(
      `${name}: ${f.rounds} round(s) of ${f.attack.toFixed(1)} ms; victim idle p95 ${f.idle.toFixed(2)} ms (median ${f.idleMedian.toFixed(2)}), ` +
        `under attack p95 ${f.victim.toFixed(2)} ms (${(f.victim / f.idle).toFixed(1)}x; median ${f.victimMedian.toFixed(2)}, worst ${f.victimMax.toFixed(2)}, ${f.victimCount} GETs); ` +
        `event loop max ${f.loopMax.toFixed(1)} ms, p99 ${f.loopP99.toFixed(1)} ms`,
    );
    assert.ok(f.victim <= RATIO * f.idle, `${name}: the victim's p95 was ${f.victim.toFixed(2)} ms, ${(f.victim / f.idle).toFixed(1)} times its idle ${f.idle.toFixed(2)} ms`);
    return f;
  }

  const create = async (user: string, kind: string, extra: string[] = []) => {
    const res = await send('POST', `/${kind}/`, as(user, { 'Content-Type': TEXT, Accept: TEXT }), [`Category: ${kind}; scheme="${INFRA}"; class="kind"`, ...extra].join('\r\n'));
    assert.equal(res.status, 201, res.body);
    return new URL(String(res.headers.location)).pathname;
  };

  before(async () => {
    const htpasswd = join(dir, 'htpasswd');
    const users = ['victim', 'mallory', 'trudy', 'eve'].map((u) => `${u}:${bcrypt.hashSync(`${u}-pw`, 4)}`);
    // alice's hash has the cost of a careful site: ~0.3 s of CPU per check.
    writeFileSync(htpasswd, [...users, `alice:${bcrypt.hashSync('alice-pw', 12)}`].join('\n') + '\n');
    server = await start({
      ...DEFAULTS, port: 0, auth: ['basic'], htpasswd, backends: { embedded: { dataDir: join(dir, 'data') } },
    });
    base = `http://127.0.0.1:${server.server.address.port}`;
    const made = await send('POST', '/compute/', as('victim', { 'Content-Type': TEXT }), `Category: compute; scheme="${INFRA}"; class="kind"`, '127.0.0.1');
    victimVm = new URL(String(made.headers.location)).pathname;
    // Warm the code paths the attacks and the victim take.
    for (let i = 0; i < 200; i++) await victimGet();
  });
  after(async () => {
    agent.destroy();
    for (const a of attackers.values()) a.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (figures.length > 0) {
      console.log(['| case | one round | victim p95 idle | victim p95 under attack | ratio | victim worst | event loop max |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...figures.map(([n, f]) => `| ${n} | ${f.attack.toFixed(1)} ms | ${f.idle.toFixed(2)} ms | ${f.victim.toFixed(2)} ms | ${(f.victim / f.idle).toFixed(1)} | ${f.victimMax.toFixed(1)} ms | ${f.loopMax.toFixed(1)} ms |`)].join('\n'));
    }
  });

  it('control: another user\'s cheap GETs, back to back, stay far within the bound', async (t) => {
    await bounded(t, 'control: GET /-/ by another user', () => send('GET', '/-/', as('mallory', { Accept: TEXT })));
  });

  it('§1 inline links: 3,000 in one JSON creation are 413, 99 are created; 1,000 text/plain Link lines are 413', async (t) => {
    const net = await create('mallory', 'network');
    const link = { kind: `${INFRA}networkinterface`, target: { location: net, kind: `${INFRA}network` } };
    const json = (n: number) => JSON.stringify({ kind: `${INFRA}compute`, links: Array.from({ length: n }, () => link) });
    const huge = json(3_000);
    await bounded(t, '3,000 inline links (JSON, 300 KB)', async () => {
      const res = await send('POST', '/compute/', as('mallory', { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE }), huge);
      assert.equal(res.status, 413, res.body);
      assert.match(res.body, /--max-items-per-request/);
    });
    const most = json(99);
    await bounded(t, '99 inline links (JSON), created, then deleted', async () => {
      const res = await send('POST', '/compute/', as('mallory', { 'Content-Type': JSON_TYPE, Accept: 'text/uri-list' }), most);
      assert.equal(res.status, 201, res.body);
      assert.equal((await send('DELETE', new URL(res.body.trim()).pathname, as('mallory'))).status, 200);
    });
    const lines = [`Category: compute; scheme="${INFRA}"; class="kind"`, ...Array(1_000).fill(`Link: <${net}>; rel="${INFRA}network"; category="${INFRA}networkinterface"`)].join('\r\n');
    await bounded(t, '1,000 Link lines (text/plain)', async () => {
      const res = await send('POST', '/compute/', as('mallory', { 'Content-Type': TEXT, Accept: TEXT }), lines);
      assert.equal(res.status, 413, res.body);
    });
  });

  it('§2, §3 user mixins: defining 1,000 in batches, listing the unbound path above them, the os_tpl family and discovery', async (t) => {
    for (const user of ['mallory', 'trudy']) {
      const defs = Array.from({ length: 1_000 }, (_, i) => `Category: ${user}${i}; scheme="${TAGS}"; class="mixin"; rel="${INFRA}os_tpl"; location="/bm/${i % 3}/${user}${i}/"`);
      const tooMany = await send('POST', '/-/', as(user, { 'Content-Type': TEXT }), defs.join('\r\n'));
      assert.equal(tooMany.status, 413, 'a thousand definitions in one request are more items than allowed');
      // Measured: 100 definitions in one request and their removal (repeatable); then the rest, unmeasured.
      const remove = (list: string[]) => list.map((d) => d.replace(/; rel=.*$/, '')).join('\r\n');
      await bounded(t, `defining 100 user mixins in one request, then removing them (${user})`, async () => {
        assert.equal((await send('POST', '/-/', as(user, { 'Content-Type': TEXT }), defs.slice(0, 100).join('\r\n'))).status, 200);
        const res = await send('DELETE', '/-/', as(user, { 'Content-Type': TEXT }), remove(defs.slice(0, 100)));
        assert.equal(res.status, 200, res.body);
      });
      for (let batch = 0; batch < 10; batch++) {
        assert.equal((await send('POST', '/-/', as(user, { 'Content-Type': TEXT }), defs.slice(batch * 100, batch * 100 + 100).join('\r\n'))).status, 200);
      }
    }
    const over = await send('POST', '/-/', as('mallory', { 'Content-Type': TEXT, Accept: JSON_TYPE }), `Category: extra; scheme="${TAGS}"; class="mixin"; location="/bm/extra/"`);
    assert.equal(over.status, 403, 'the 1,001st mixin is over the quota');
    await create('mallory', 'compute', [`Category: mallory7; scheme="${TAGS}"; class="mixin"`]);
    for (const [name, path] of [['GET of the unbound path above 1,000 mixins', '/bm/'], ['GET /mixin/os_tpl/ (2,000 dependants)', '/mixin/os_tpl/'], ['GET /-/ (discovery with 1,000 own mixins)', '/-/']]) {
      await bounded(t, name, async () => {
        const res = await send('GET', path, as('mallory', { Accept: TEXT }));
        assert.equal(res.status, 200, res.body);
      });
    }
  });

  it('§4 wrong passwords in parallel for a cost-12 user; an unknown user takes as long', async (t) => {
    const wrong = () => send('GET', '/-/', { Authorization: auth('alice', 'guess') }, '', '127.0.0.3');
    await bounded(t, '4 wrong passwords in parallel (bcrypt cost 12)', async () => {
      const answers = await Promise.all(Array.from({ length: 4 }, wrong));
      assert.deepEqual(answers.map((a) => a.status), Array(4).fill(401));
    }, 3);
    const time = async (user: string) => {
      const t0 = performance.now();
      assert.equal((await send('GET', '/-/', { Authorization: auth(user, 'guess') }, '', '127.0.0.4')).status, 401);
      return performance.now() - t0;
    };
    const known = await time('alice');
    const unknown = await time('nobody');
    t.diagnostic(`refusal of a wrong password ${known.toFixed(0)} ms, of an unknown user ${unknown.toFixed(0)} ms`);
    assert.ok(unknown > known / 2 && unknown < known * 2, `unknown user ${unknown.toFixed(0)} ms, wrong password ${known.toFixed(0)} ms`);
  });

  it('§6 a 70 KB text/plain value in continuation lines is 413; 10,000 listed locations to dissociate are 413, 100 are served', async (t) => {
    const continued = `Category: compute; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="a${'\r\n bbbbbb'.repeat(10_000)}"`;
    await bounded(t, '70 KB value in 10,000 continuation lines', async () => {
      const res = await send('POST', '/compute/', as('eve', { 'Content-Type': TEXT }), continued);
      assert.equal(res.status, 413, res.body);
    });
    const made = await send('POST', '/compute/', as('eve', { 'Content-Type': JSON_TYPE, Accept: 'text/uri-list' }),
      JSON.stringify({ resources: Array.from({ length: 100 }, () => ({ kind: `${INFRA}compute` })) }));
    assert.equal(made.status, 201, made.body);
    const vms = made.body.split('\r\n').filter(Boolean);
    assert.equal((await send('POST', '/-/', as('eve', { 'Content-Type': TEXT }), `Category: many; scheme="${TAGS}"; class="mixin"; location="/many/"`)).status, 200);
    const list = vms.join('\n');
    const tenThousand = Array.from({ length: 10_000 }, (_, i) => vms[i % vms.length]).join('\n');
    await bounded(t, '10,000 locations to dissociate', async () => {
      const res = await send('DELETE', '/many/', as('eve', { 'Content-Type': 'text/uri-list' }), tenThousand);
      assert.equal(res.status, 413, res.body);
    });
    await bounded(t, '100 locations associated, then dissociated', async () => {
      assert.equal((await send('POST', '/many/', as('eve', { 'Content-Type': 'text/uri-list', Accept: 'text/uri-list' }), list)).status, 200);
      const res = await send('DELETE', '/many/', as('eve', { 'Content-Type': 'text/uri-list', Accept: 'text/uri-list' }), list);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.body, '');
    });
  });

  it('§10 with --port 0, an unusable Host gives URLs with the port really listened on', async () => {
    const res = await send('POST', '/compute/', as('trudy', { 'Content-Type': TEXT, Host: 'not a host' }), `Category: compute; scheme="${INFRA}"; class="kind"`);
    assert.equal(res.status, 201, res.body);
    assert.match(String(res.headers.location), new RegExp(`^http://127\\.0\\.0\\.1:${server.server.address.port}/compute/`));
  });

  it('§10 a text/occi GET of an entity with 99 links answers in the body, not megabytes of headers', async (t) => {
    const net = await create('trudy', 'network');
    const vm = await create('trudy', 'compute', Array(99).fill(`Link: <${net}>; rel="${INFRA}network"; category="${INFRA}networkinterface"`));
    await bounded(t, 'text/occi GET of a compute with 99 links', async () => {
      const res = await send('GET', vm, as('trudy', { Accept: 'text/occi' }));
      assert.equal(res.status, 200);
      assert.ok(JSON.stringify(res.headers).length < 64 * 1024);
    });
  });

  it('§4 an address that keeps failing to authenticate is refused (429) before its passwords are checked; others are served', async (t) => {
    let answers: number[] | undefined;
    await bounded(t, '40 wrong passwords in a row from one address, then more', async () => {
      const round: number[] = [];
      for (let i = 0; i < 40; i++) round.push((await send('GET', '/-/', { Authorization: auth('mallory', `guess${i}`) }, '', '127.0.0.5')).status);
      answers ??= round;
    }, 1);
    assert.ok(answers);
    assert.deepEqual([answers.filter((s) => s === 401).length, answers.filter((s) => s === 429).length], [30, 10], '30 failures per minute (--rate-limit-auth-failures 30/60)');
    const right = await send('GET', '/-/', as('mallory'), '', '127.0.0.5');
    assert.equal(right.status, 429, 'even the right password waits: the address is refused before any check');
    assert.equal((await send('GET', '/-/', as('mallory'))).status, 200, 'another address is served');
  });
});
