/**
 * Hostile input over HTTP, end to end on loopback against a real server
 * process (issue 4 §2): each case of the catalog gets its precise 4xx or a
 * closed connection, the server keeps serving, and its memory returns near
 * its baseline. Then slowloris against a server with short timeouts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listen, type RunningServer } from '../../src/http/index.js';
import { send } from '../support/http.js';
import { exited, spawnServer, type LineWatch, type ServerProcess } from '../support/process.js';
import { CATALOG, LIMITS } from './hostile-catalog.js';
import { rawHttp, rawRequest, rssKiB } from './raw.js';

/** RSS after the catalog may exceed the warm baseline by at most this much (KiB): see docs/reliability.md. */
const RSS_SLACK_KIB = 96 * 1024;

describe('hostile input over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-hostile-'));
  let server: ServerProcess;
  /** Log lines of the 500 path (an internal error, or a request answered 5xx other than 501). */
  let errors500: LineWatch;
  before(async () => {
    server = await spawnServer([
      '--port', '0', '--data-dir', dataDir, '--max-body-size', String(LIMITS.maxBodySize), '--max-header-size', String(LIMITS.maxHeaderSize),
    ]);
    errors500 = server.watch(/internal error|"status":5(?!01)\d\d/i);
  });
  after(async () => {
    server.child.kill('SIGKILL');
    await exited(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every case of the catalog as documented, keeps serving, and memory returns near baseline', async (t) => {
    const pid = server.child.pid!;
    // Warm up: the first requests load code paths and fill caches.
    for (let i = 0; i < 50; i++) assert.equal((await send(server.base, 'GET', '/-/')).status, 200);
    const baseline = await rssKiB(pid);
    const failures: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const c of CATALOG) {
        const answer = await rawRequest(server.base, c.chunks, { end: c.end, waitMs: 3_000 });
        const problems: string[] = [];
        if (answer.status !== c.status) problems.push(`status ${answer.status}, expected ${c.status}`);
        if (c.code && !answer.body.includes(c.code) && !answer.head.includes(c.code)) {
          // text/plain errors carry the reason only; ask again in JSON for the code.
          problems.push(`no ${c.code} in ${JSON.stringify(answer.body.slice(0, 200))}`);
        }
        if (c.closes && !answer.closed) problems.push('connection left open');
        if (answer.status >= 500 && answer.status !== 501) problems.push('a 5xx');
        const extra = c.check?.(answer.head, answer.body);
        if (extra) problems.push(extra);
        if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`);
      }
      if (failures.length > 0) break;
    }
    assert.deepEqual(failures, []);
    assert.equal((await send(server.base, 'GET', '/-/')).status, 200, 'still serving after the catalog');
    await new Promise((r) => setTimeout(r, 1_000));
    const settled = await rssKiB(pid);
    t.diagnostic(`${CATALOG.length} cases x 2 rounds; RSS ${(baseline / 1024).toFixed(1)} MiB warm, ${(settled / 1024).toFixed(1)} MiB 1 s after the catalog`);
    assert.ok(settled - baseline < RSS_SLACK_KIB, `RSS ${baseline} KiB before, ${settled} KiB after the catalog`);
    assert.equal(errors500.count, 0, `no case reached the 500 path:\n${errors500.lines.join('\n')}`);
  });
});

describe('slow clients (slowloris)', () => {
  let running: RunningServer;
  before(async () => {
    running = await listen({
      handle: async () => ({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'OK\r\n' }),
      maxBodySize: 1024, maxHeaderSize: 16 * 1024, headersTimeout: 2_000, requestTimeout: 3_000,
    }, '127.0.0.1', 0);
  });
  after(() => running.close());

  it('closes connections that trickle their head or body past the timeouts, and serves others meanwhile', async () => {
    const base = `http://127.0.0.1:${running.address.port}`;
    // 20 attackers: one header byte every 200 ms, forever (head never completes).
    const head = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    const heads = Array.from({ length: 20 }, () => rawRequest(base, [...head].map((ch) => ch), { pauseMs: 200, waitMs: 6_000 }));
    // 5 attackers: a complete head, then a body trickled one byte every 300 ms.
    const bodyHead = rawHttp('POST', '/', [['Content-Length', '500']]);
    const bodies = Array.from({ length: 5 }, () => rawRequest(base, [bodyHead, ...Array(40).fill('a')], { pauseMs: 300, waitMs: 6_000 }));
    // Meanwhile, honest clients are served, while every attacker still holds its connection.
    await new Promise((r) => setTimeout(r, 300));
    let attackersClosed = 0;
    const attacks = [...heads, ...bodies].map((p) => p.then((a) => {
      attackersClosed++;
      return a;
    }));
    for (let i = 0; i < 10; i++) assert.equal((await send(base, 'GET', '/')).status, 200);
    assert.equal(attackersClosed, 0, 'honest clients were served before the attackers were cut off');
    for (const a of await Promise.all(attacks)) {
      assert.ok(a.closed, 'the server closed the slow connection');
      assert.ok(a.status === 0 || a.status === 408, `slow client got ${a.status}`);
    }
  });
});
