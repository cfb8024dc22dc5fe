/**
 * The server as users run it: its own process, a data directory on disk,
 * `kill -9` between requests and a graceful SIGTERM. Nothing acknowledged may
 * be lost (issue: the core server, "State survives a restart and a kill -9").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { header, send } from '../support/http.js';
import { exited, spawnServer } from '../support/process.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const TEXT = { 'Content-Type': 'text/plain', Accept: 'text/plain' };

describe('occi-server as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-e2e-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the real port with --port 0 and keeps every acknowledged write across kill -9 and SIGTERM', async () => {
    let server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
    assert.match(server.base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.base, 'http://127.0.0.1:0');

    // Writes of every kind, each acknowledged before the crash.
    const made = await send(server.base, 'POST', '/compute/', TEXT, `Category: compute; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="durable"`);
    assert.equal(made.status, 201);
    const vm = new URL(header(made, 'location')!).pathname;
    assert.equal((await send(server.base, 'POST', `${vm}?action=start`, TEXT, '')).status, 200);
    assert.equal((await send(server.base, 'POST', vm, TEXT, 'X-OCCI-Attribute: occi.compute.memory=6.0')).status, 200);
    assert.equal((await send(server.base, 'POST', '/-/', TEXT, 'Category: keep; scheme="http://example.org/tags#"; class="mixin"; location="/tags/keep/"')).status, 200);
    assert.equal((await send(server.base, 'POST', '/tags/keep/', TEXT, `X-OCCI-Location: ${server.base}${vm}`)).status, 200);
    const gone = await send(server.base, 'POST', '/network/', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`);
    const net = new URL(header(gone, 'location')!).pathname;
    assert.equal((await send(server.base, 'DELETE', net)).status, 200);

    server.child.kill('SIGKILL');
    assert.equal(await exited(server.child), 'SIGKILL');

    server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
    const after1 = await send(server.base, 'GET', vm, { Accept: 'text/plain' });
    assert.equal(after1.status, 200);
    assert.match(after1.body, /occi\.core\.title="durable"/);
    assert.match(after1.body, /occi\.compute\.state="active"/);
    assert.match(after1.body, /occi\.compute\.memory=6\.0/);
    assert.match(after1.body, /Category: keep; scheme="http:\/\/example\.org\/tags#"; class="mixin"/);
    assert.equal((await send(server.base, 'GET', net)).status, 404);
    const tagged = await send(server.base, 'GET', '/tags/keep/', { Accept: 'text/uri-list' });
    assert.equal(tagged.body.trim(), server.base + vm);

    // A graceful stop, then a restart: still there.
    server.child.kill('SIGTERM');
    assert.equal(await exited(server.child), 0);
    assert.match(server.output(), /SIGTERM/);
    server = await spawnServer(['--port', '0'], { OCCI_DATA_DIR: dataDir });
    assert.equal((await send(server.base, 'GET', vm)).status, 200);
    server.child.kill('SIGKILL');
    await exited(server.child);
  });

  it('refuses a bad flag with a message and exit code 2', async () => {
    await assert.rejects(spawnServer(['--port', 'http']), /--port: must be a port number/);
  });
});
