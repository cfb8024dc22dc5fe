/**
 * Two cluster workers on one database: user mixins defined on one worker are
 * known to the other, concurrent updates of one entity lose nothing, the
 * admin listener shows every worker's requests, logs carry the request id,
 * and SIGTERM lets a request in flight finish.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { header, send } from '../support/http.js';
import { exited, spawnServer, type ServerProcess } from '../support/process.js';
import { freePort } from '../support/free-port.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const COMPUTE = `Category: compute; scheme="${INFRA}"; class="kind"\r\n`;
const TEXT = { 'Content-Type': 'text/plain', Accept: 'text/plain', Connection: 'close' };


describe('two cluster workers sharing the embedded database', () => {
  let dir: string;
  let server: ServerProcess;
  let admin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-workers-'));
    const adminPort = await freePort();
    admin = `http://127.0.0.1:${adminPort}`;
    server = await spawnServer(['--port', '0', '--data-dir', dir, '--workers', '2', '--admin-port', String(adminPort)]);
  });
  after(async () => {
    if (server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('knows a user mixin on every worker as soon as it is defined', async () => {
    const def = await send(server.base, 'POST', '/-/', TEXT, 'Category: prod; scheme="http://example.org/tags#"; class="mixin"; location="/tags/prod/"\r\n');
    assert.equal(def.status, 200, def.body);
    for (let i = 0; i < 8; i++) {
      const res = await send(server.base, 'GET', '/tags/prod/', TEXT);
      assert.equal(res.status, 200, `request ${i}: ${res.body}`);
    }
  });

  it('loses no update when requests on both workers change one entity at once', async () => {
    const created = await send(server.base, 'POST', '/compute/', TEXT, COMPUTE);
    const vm = new URL(header(created, 'location')!).pathname;
    const tags = Array.from({ length: 12 }, (_, i) => `t${i}`);
    for (const t of tags) {
      assert.equal((await send(server.base, 'POST', '/-/', TEXT, `Category: ${t}; scheme="http://example.org/race#"; class="mixin"; location="/race/${t}/"\r\n`)).status, 200);
    }
    const results = await Promise.all(tags.map((t) => send(server.base, 'POST', vm, TEXT, `Category: ${t}; scheme="http://example.org/race#"; class="mixin"\r\n`)));
    const ok = tags.filter((_, i) => results[i].status === 200);
    for (const r of results) assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.body}`);
    assert.ok(ok.length > 0);
    const final = await send(server.base, 'GET', vm, TEXT);
    const has = tags.filter((t) => final.body.includes(`Category: ${t}; scheme="http://example.org/race#"`));
    assert.deepEqual(has, ok, 'exactly the acknowledged updates are there');
  });

  it('echoes X-Request-Id, logs it as JSON, and counts requests of all workers in /metrics', async () => {
    const logged = server.watch(/"reqId":"trace-42"/);
    const res = await send(server.base, 'GET', '/-/', { ...TEXT, 'X-Request-Id': 'trace-42' });
    assert.equal(header(res, 'x-request-id'), 'trace-42');
    assert.match(header(await send(server.base, 'GET', '/-/', TEXT), 'x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    // Log lines are written within 200 ms (LOG_BUFFER); a loaded machine gets some slack.
    for (let waited = 0; logged.count === 0 && waited < 3_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    logged.stop();
    const line = logged.lines[0];
    assert.ok(line, 'a log line for the request');
    const log = JSON.parse(line) as Record<string, unknown>;
    assert.equal(log.method, 'GET');
    assert.equal(log.path, '/-/');
    assert.equal(log.status, 200);
    assert.equal(log.user, 'anonymous');
    assert.equal(typeof log.ms, 'number');
    assert.equal((await send(admin, 'GET', '/healthz')).status, 200);
    assert.equal((await send(admin, 'GET', '/readyz')).status, 200);
    const metrics = await send(admin, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /occi_http_requests_total\{method="GET",route="query",status="200"\} \d+/);
    assert.match(metrics.body, /occi_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="entity:compute",status="200"\}/);
    assert.match(metrics.body, /occi_backend_call_duration_seconds_count\{operation="update",outcome="ok"\} \d+/);
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const url = new URL('/compute/', server.base);
    const pending = new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/compute/', headers: { ...TEXT, 'Content-Length': Buffer.byteLength(COMPUTE) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(COMPUTE.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(COMPUTE.slice(10)), 300);
      }, 200);
    });
    assert.equal(await pending, 201);
    assert.equal(await exited(server.child), 0);
  });
});
