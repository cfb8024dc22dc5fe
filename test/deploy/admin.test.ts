/** One process: the admin listener, request metrics and the JSON request log. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { start, type Started } from '../../src/cli/start.js';
import { DEFAULTS } from '../../src/config/index.js';
import { createLogger } from '../../src/ops/index.js';
import { send } from '../support/http.js';

describe('admin listener and request log (single process)', () => {
  let dir: string;
  let running: Started;
  let base: string;
  let admin: string;
  const lines: Array<Record<string, unknown>> = [];
  let logger: ReturnType<typeof createLogger>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-admin-'));
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    logger = createLogger('info', sink);
    running = await start({ ...DEFAULTS, port: 0, backends: { embedded: { dataDir: dir } }, adminPort: 0 }, { logger });
    base = `http://127.0.0.1:${running.server.address.port}`;
    admin = `http://127.0.0.1:${running.admin!.address.port}`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves /healthz, /readyz and Prometheus /metrics with request and backend figures', async () => {
    await send(base, 'GET', '/compute/', { Accept: 'text/plain' });
    await send(base, 'GET', '/nothing/here', { Accept: 'text/plain' });
    assert.equal((await send(admin, 'GET', '/healthz')).status, 200);
    assert.equal((await send(admin, 'GET', '/readyz')).status, 200);
    const m = await send(admin, 'GET', '/metrics');
    assert.match(m.headers['content-type']?.[0] ?? '', /^text\/plain/);
    assert.match(m.body, /occi_http_requests_total\{method="GET",route="kind:compute",status="200"\} 1/);
    assert.match(m.body, /occi_http_requests_total\{method="GET",route="none",status="404"\} 1/);
    assert.match(m.body, /occi_backend_call_duration_seconds_count\{operation="list",outcome="ok"\} 1/);
    assert.equal((await send(admin, 'GET', '/other')).status, 404);
  });

  it('logs each request as one JSON line with id, user, method, path, status and latency', async () => {
    await send(base, 'GET', '/compute/?page=1&number=5', { Accept: 'text/plain', 'X-Request-Id': 'abc-123' });
    // Lines are gathered (src/ops/logger.ts LineBatch) until 16 KiB, 200 ms or a flush.
    logger.flush();
    const line = lines.find((l) => l.reqId === 'abc-123');
    assert.ok(line);
    assert.deepEqual(
      { level: line.level, user: line.user, method: line.method, path: line.path, status: line.status, msg: line.msg },
      { level: 'info', user: 'anonymous', method: 'GET', path: '/compute/', status: 200, msg: 'request' },
    );
    assert.equal(typeof line.ms, 'number');
    assert.equal(typeof line.time, 'string');
  });

  it('closes the admin listener on stop', async () => {
    const stopping = running.stop();
    await stopping;
    await assert.rejects(send(admin, 'GET', '/readyz'));
  });
});
