/**
 * The client's credentials against occi-server's schemes on loopback: basic,
 * bearer (OIDC), a Keystone token, Keystone user and password found through
 * the server's `WWW-Authenticate: Keystone uri=…`, and X.509 client
 * certificates over HTTPS; credentials never shown by --verbose.
 */
import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startIssuer, startKeystone } from '../../src/auth/fakes.testing.js';
import { makePki, type Pki } from '../../src/auth/pki.testing.js';
import { EXIT } from '../../src/client/cli/exit.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { fakeServer, occi, type Reply } from './support.js';

describe('occi with credentials', () => {
  let dir: string;
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startIssuer>>;
  let ks: Awaited<ReturnType<typeof startKeystone>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-client-auth-'));
    writeFileSync(join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('secret', 4).replace(/^\$2b\$/, '$2y$')}\n`);
    idp = await startIssuer();
    ks = await startKeystone({ 'tok-carol': { user: 'carol', project: 'demo', roles: ['member'] } }, { dave: { password: 'dave-pw', project: 'demo' } });
    server = await startTestServer({ auth: ['basic', 'oidc', 'keystone'], htpasswd: join(dir, 'htpasswd'), oidcIssuer: idp.issuer, oidcAudience: 'occi', keystoneUrl: ks.url });
  });
  after(async () => {
    await server.stop();
    await idp.close();
    await ks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (argv: string[]) => occi(argv, { env: { OCCI_ENDPOINT: server.base } });

  it('without credentials: exit 4, naming the schemes the server asks for', async () => {
    const r = await as(['list', 'compute']);
    assert.equal(r.code, EXIT.AUTH);
    assert.match(r.stderr, /401 Unauthorized.*\n {2}the server asks for credentials \(Basic, Bearer, Keystone\): give --auth/);
  });

  it('basic: works with the right password, exit 4 with the wrong one, masked in --verbose', async () => {
    const ok = await as(['--auth', 'basic', '--username', 'alice', '--password', 'secret', '-V', 'create', 'compute', '--title', 'a']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /> Authorization: Basic \*\*\*\n/);
    assert.ok(!ok.stderr.includes(Buffer.from('alice:secret').toString('base64')));
    assert.equal((await as(['--auth', 'basic', '--username', 'alice', '--password', 'nope', 'list', 'compute'])).code, EXIT.AUTH);
    const noPassword = await as(['--auth', 'basic', '--username', 'alice', 'list', 'compute']);
    assert.deepEqual([noPassword.code, noPassword.stderr], [EXIT.USAGE, 'occi: --auth basic needs --password (or OCCI_PASSWORD)\n']);
    const fromEnv = await occi(['list', 'compute'], { env: { OCCI_ENDPOINT: server.base, OCCI_AUTH: 'basic', OCCI_USERNAME: 'alice', OCCI_PASSWORD: 'secret' } });
    assert.equal(fromEnv.stdout.split('\n').filter(Boolean).length, 1);
  });

  it('bearer: an OIDC access token', async () => {
    const token = await idp.sign({ sub: 'erin' });
    const r = await as(['--auth', 'bearer', '--token', token, 'list', 'compute']);
    assert.deepEqual([r.code, r.stdout], [0, '']);
  });

  it('token: a Keystone token in X-Auth-Token (rOCCI-cli\'s --auth token)', async () => {
    const r = await as(['--auth', 'token', '--token', 'tok-carol', '-V', 'create', 'storage', '--title', 'c', '--attribute', 'occi.storage.size=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /> X-Auth-Token: \*\*\*\n/);
  });

  it('keystone: user name and password exchanged for a token at the Keystone the server names', async () => {
    const r = await as(['--auth', 'keystone', '--username', 'dave', '--password', 'dave-pw', '-V', 'list', 'compute']);
    assert.equal(r.code, 0, r.stderr);
    const trace = r.stderr;
    assert.match(trace, new RegExp(`< 401 Unauthorized[\\s\\S]*< WWW-Authenticate: Keystone uri="${ks.url}"[\\s\\S]*> POST ${ks.url}/auth/tokens[\\s\\S]*"password":"\\*\\*\\*"[\\s\\S]*< 201 Created[\\s\\S]*> X-Auth-Token: \\*\\*\\*[\\s\\S]*< 200 OK`));
    assert.ok(!trace.includes('dave-pw'));
    const wrong = await as(['--auth', 'keystone', '--username', 'dave', '--password', 'nope', 'list', 'compute']);
    assert.equal(wrong.code, EXIT.AUTH);
    assert.match(wrong.stderr, /Keystone at http:\/\/127\.0\.0\.1:\d+ refuses these credentials/);
  });

  it('basic credentials go to the Keystone a server names when it takes no Basic (rOCCI-cli\'s fallback; OCCI-OS)', async () => {
    const fake = await fakeServer((req): Reply => {
      if (!String(req.headers['x-auth-token'] ?? '').startsWith('tok-dave')) return { status: 401, headers: { 'WWW-Authenticate': `Keystone uri="${ks.url}"` } };
      return { headers: { 'Content-Type': 'text/plain' }, body: 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"; rel="http://schemas.ogf.org/occi/core#resource"; location="/compute/"\n' };
    });
    try {
      const r = await occi(['--endpoint', fake.base, '--auth', 'basic', '--username', 'dave', '--password', 'dave-pw', '--action', 'discover', '--entity-type', 'resource']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\[\[ http:\/\/schemas\.ogf\.org\/occi\/infrastructure#compute \]\]/);
    } finally {
      await fake.close();
    }
  });

  it('rOCCI-cli\'s --auth x509 without a credential file is a usage error naming the file', async () => {
    const r = await occi(['--endpoint', server.base, '--auth', 'x509', '--user-cred', join(dir, 'missing.pem'), '--action', 'list', '--resource', 'compute']);
    assert.equal(r.code, EXIT.USAGE);
    assert.match(r.stderr, /--user-cred: cannot read .*missing\.pem: no such file/);
  });
});

describe('occi over HTTPS with an X.509 certificate', () => {
  let pki: Pki;
  let server: TestServer;
  before(async () => {
    pki = makePki();
    server = await startTestServer({ auth: ['x509'], tlsCert: pki.path('server.pem'), tlsKey: pki.path('server.key'), tlsCa: pki.path('ca.pem') });
  });
  after(async () => {
    await server.stop();
    pki.close();
  });

  it('a user certificate with its key apart, the server trusted through --ca-file', async () => {
    const r = await occi(['--endpoint', server.base, '--auth', 'x509', '--user-cred', pki.path('alice.pem'), '--key', pki.path('alice.key'), '--ca-file', pki.path('ca.pem'), 'create', 'compute', '--title', 'tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^https:\/\/127\.0\.0\.1:\d+\/compute\//);
  });

  it('an RFC 3820 proxy chain (proxy, user certificate, key in one file) is the same user', async () => {
    const proxy = join(pki.dir, 'x509up');
    writeFileSync(proxy, pki.pem('proxy-chain.pem') + pki.pem('proxy.key'));
    const r = await occi(['--endpoint', server.base, '--auth', 'x509', '--user-cred', proxy, '--voms', '--ca-file', pki.path('ca.pem'), 'list', 'compute']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
  });

  it('an untrusted server certificate is a connection failure (exit 7) unless --insecure', async () => {
    const argv = ['--endpoint', server.base, '--auth', 'x509', '--user-cred', pki.path('alice.pem'), '--key', pki.path('alice.key'), 'list', 'compute'];
    const refused = await occi(argv);
    assert.equal(refused.code, EXIT.CONNECTION);
    assert.match(refused.stderr, /TLS: the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/);
    assert.equal((await occi([...argv, '--insecure'])).code, 0);
  });
});
