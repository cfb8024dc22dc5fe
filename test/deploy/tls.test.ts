/** The HTTPS listener with X.509 client certificates and RFC 3820 proxies, over loopback. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendTls } from '../support/https.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makePki, type Pki } from '../../src/auth/pki.testing.js';


const COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';

describe('HTTPS listener with x509 authentication', () => {
  let pki: Pki;
  let server: TestServer;
  let ca: string;
  const as = (name: string, key: string) => ({ cert: pki.pem(name), key: pki.pem(key), ca });

  before(async () => {
    pki = makePki();
    ca = pki.pem('ca.pem');
    server = await startTestServer({ auth: ['x509'], tlsCert: pki.path('server.pem'), tlsKey: pki.path('server.key'), tlsCa: pki.path('ca.pem') });
  });
  after(async () => {
    await server.stop();
    pki.close();
  });

  it('answers 401 with a challenge to a client without a certificate', async () => {
    const res = await sendTls(server.base, 'GET', '/compute/', { ca }, { Accept: 'text/plain' });
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^X509 /);
  });

  it('admits a user certificate and a proxy chain of the same user as one user, with https:// URLs', async () => {
    const created = await sendTls(server.base, 'POST', '/compute/', as('alice.pem', 'alice.key'), { 'Content-Type': 'text/plain' }, COMPUTE);
    assert.equal(created.status, 201, created.body);
    assert.match(String(created.headers.location), /^https:\/\/127\.0\.0\.1:\d+\/compute\//);
    const viaProxy = await sendTls(server.base, 'GET', '/compute/', as('proxy-chain.pem', 'proxy.key'), { Accept: 'text/uri-list' });
    assert.equal(viaProxy.status, 200);
    assert.equal(viaProxy.body.trim(), String(created.headers.location));
    const bob = await sendTls(server.base, 'GET', '/compute/', as('bob.pem', 'bob.key'), { Accept: 'text/uri-list' });
    assert.equal(bob.status, 200);
    assert.equal(bob.body.trim(), '', "Bob does not see Alice's compute");
  });

  it('refuses a rogue CA, a fake proxy and a misnamed proxy with 401', async () => {
    for (const [cert, key] of [['mallory.pem', 'mallory.key'], ['fake-proxy-chain.pem', 'fake-proxy.key'], ['misnamed-proxy-chain.pem', 'misnamed-proxy.key']]) {
      const res = await sendTls(server.base, 'GET', '/compute/', as(cert, key), { Accept: 'text/plain' });
      assert.equal(res.status, 401, cert);
    }
  });
});

describe('HTTPS listener with VOMS VO admission', () => {
  let pki: Pki;
  let server: TestServer;

  before(async () => {
    pki = makePki();
    server = await startTestServer({
      auth: ['x509'], tlsCert: pki.path('server.pem'), tlsKey: pki.path('server.key'), tlsCa: pki.path('ca.pem'),
      vomsCerts: pki.path('voms.pem'), vomsAllow: ['testvo'], tenancy: 'group',
    });
  });
  after(async () => {
    await server.stop();
    pki.close();
  });

  it('admits a proxy of an allowed VO and refuses others with 403', async () => {
    const tls = (cert: string, key: string) => ({ cert: pki.pem(cert), key: pki.pem(key), ca: pki.pem('ca.pem') });
    const ok = await sendTls(server.base, 'POST', '/compute/', tls('proxy-vo-chain.pem', 'proxy-vo.key'), { 'Content-Type': 'text/plain' }, COMPUTE);
    assert.equal(ok.status, 201, ok.body);
    for (const [cert, key] of [['proxy-chain.pem', 'proxy.key'], ['proxy-badvo-chain.pem', 'proxy-badvo.key'], ['proxy-stolen-chain.pem', 'proxy-stolen.key'], ['alice.pem', 'alice.key']]) {
      const res = await sendTls(server.base, 'GET', '/compute/', tls(cert, key), { Accept: 'text/plain' });
      assert.equal(res.status, 403, `${cert}: ${res.body}`);
    }
  });
});
