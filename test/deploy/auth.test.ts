/**
 * Several schemes at once on a real listener (basic, oidc, keystone against
 * an issuer and a Keystone the test serves on loopback), rate limits, CORS,
 * and the start-up checks of the command line.
 */
import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startIssuer, startKeystone } from '../../src/auth/fakes.testing.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEXT = { Accept: 'text/plain', 'Content-Type': 'text/plain' };
const COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';

describe('basic, oidc and keystone together', () => {
  let dir: string;
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startIssuer>>;
  let ks: Awaited<ReturnType<typeof startKeystone>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-auth-'));
    writeFileSync(join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('secret', 4).replace(/^\$2b\$/, '$2y$')}\n`);
    idp = await startIssuer();
    ks = await startKeystone({ 'tok-carol': { user: 'carol', project: 'demo', roles: ['member'] } });
    server = await startTestServer({
      auth: ['basic', 'oidc', 'keystone'], htpasswd: join(dir, 'htpasswd'), oidcIssuer: idp.issuer, oidcAudience: 'occi', keystoneUrl: ks.url,
      rateLimit: '30/60', corsOrigins: ['https://dashboard.example.org'],
    });
  });
  after(async () => {
    await server.stop();
    await idp.close();
    await ks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 with one WWW-Authenticate per scheme, Keystone naming its URL', async () => {
    const res = await send(server.base, 'GET', '/compute/', TEXT);
    assert.equal(res.status, 401);
    assert.deepEqual(res.headers['www-authenticate']?.map((c) => c.split(' ')[0]), ['Basic', 'Bearer', 'Keystone']);
    assert.ok(res.headers['www-authenticate']?.includes(`Keystone uri="${ks.url}"`));
  });

  it('admits each scheme with its user, each seeing only their own entities', async () => {
    const who = {
      alice: { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` },
      dave: { Authorization: `Bearer ${await idp.sign({ sub: 'dave' })}` },
      carol: { 'X-Auth-Token': 'tok-carol' },
    };
    const mine: Record<string, string> = {};
    for (const [user, h] of Object.entries(who)) {
      const res = await send(server.base, 'POST', '/compute/', { ...TEXT, ...h }, COMPUTE);
      assert.equal(res.status, 201, `${user}: ${res.body}`);
      mine[user] = res.headers.location![0];
    }
    for (const [user, h] of Object.entries(who)) {
      const list = await send(server.base, 'GET', '/compute/', { Accept: 'text/uri-list', ...h });
      assert.deepEqual(list.body.trim().split('\n'), [mine[user]], user);
    }
    const wrong: Array<Record<string, string>> = [
      { Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
      { Authorization: `Bearer ${await idp.sign({ sub: 'dave' }, { aud: 'other' })}` },
      { 'X-Auth-Token': 'tok-unknown' },
    ];
    for (const h of wrong) assert.equal((await send(server.base, 'GET', '/compute/', { ...TEXT, ...h })).status, 401, JSON.stringify(h));
  });

  it('answers 429 with Retry-After past --rate-limit', async () => {
    const h = { ...TEXT, 'X-Auth-Token': 'tok-carol' };
    let last = await send(server.base, 'GET', '/-/', h);
    for (let i = 0; i < 40 && last.status !== 429; i++) last = await send(server.base, 'GET', '/-/', h);
    assert.equal(last.status, 429);
    assert.match(last.headers['retry-after']?.[0] ?? '', /^\d+$/);
    const alice = await send(server.base, 'GET', '/-/', { ...TEXT, Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` });
    assert.equal(alice.status, 200, 'the limit is per user');
  });

  it('answers a CORS preflight from an allowed origin without credentials, and no other origin', async () => {
    const pre = await send(server.base, 'OPTIONS', '/compute/', {
      Origin: 'https://dashboard.example.org', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin']?.[0], 'https://dashboard.example.org');
    assert.equal(pre.headers['access-control-allow-headers']?.[0], 'authorization, content-type');
    const other = await send(server.base, 'GET', '/compute/', { ...TEXT, Origin: 'https://evil.example.org' });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const ok = await send(server.base, 'GET', '/compute/', { ...TEXT, Origin: 'https://dashboard.example.org' });
    assert.equal(ok.status, 401);
    assert.match(ok.headers['access-control-expose-headers']?.[0] ?? '', /WWW-Authenticate/);
  });
});

describe('occi-server start-up checks', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });

  it('refuses auth none on a non-loopback address without --allow-anonymous, saying why', () => {
    const r = run(['--listen', '0.0.0.0', '--port', '0', '--data-dir', join(tmpdir(), 'never-created')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /auth: "none" admits anyone.*--allow-anonymous/);
  });

  it('--print-config shows the effective configuration with credentials masked', () => {
    const r = run(['--print-config', '--auth', 'keystone', '--keystone-url', 'https://occi:s3cret@keystone.example.org/v3']);
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(printed.auth, ['keystone']);
    assert.equal(printed['keystone-url'], 'https://********@keystone.example.org/v3');
    assert.doesNotMatch(r.stdout, /s3cret/);
  });
});
