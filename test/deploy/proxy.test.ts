/**
 * Behind a simulated TLS-terminating proxy (an HTTPS server on loopback that
 * forwards to the occi-server over plain HTTP from 127.0.0.2, like Apache
 * mod_ssl + mod_proxy): rendered URLs are https:// on the proxy's host, the
 * client DN header authenticates, and the same headers from anyone else count
 * for nothing.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { sendTls, type TlsReply } from '../support/https.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makePki, type Pki } from '../../src/auth/pki.testing.js';

const COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';

describe('behind a TLS-terminating proxy (trust-proxy, x509-header)', () => {
  let pki: Pki;
  let backend: TestServer;
  let proxy: Server;
  let proxyBase: string;

  before(async () => {
    pki = makePki();
    backend = await startTestServer({ auth: ['x509'], x509Header: 'SSL_CLIENT_S_DN', trustedProxies: ['127.0.0.2'], trustProxy: true });
    const target = new URL(backend.base);
    proxy = createServer({ cert: pki.pem('server.pem'), key: pki.pem('server.key'), ca: pki.pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const headers = { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host ?? '' } as Record<string, string | string[] | undefined>;
      // What mod_ssl sets (RFC 2253 order), never what the client sent.
      delete headers.ssl_client_s_dn;
      if (peer?.subject) headers.SSL_CLIENT_S_DN = `CN=${peer.subject.CN},O=${peer.subject.O},C=${peer.subject.C}`;
      const up = httpRequest({ host: target.hostname, port: target.port, localAddress: '127.0.0.2', method: req.method, path: req.url, headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyBase = `https://localhost:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await backend.stop();
    pki.close();
  });

  function viaProxy(method: string, path: string, headers: Record<string, string>, body = ''): Promise<TlsReply> {
    const url = new URL(path, proxyBase);
    return sendTls(`https://127.0.0.1:${url.port}`, method, url.pathname, { ca: pki.pem('ca.pem'), cert: pki.pem('alice.pem'), key: pki.pem('alice.key') }, { ...headers, Host: url.host }, body);
  }


  it('renders https:// URLs of the public host and authenticates by the forwarded DN', async () => {
    const created = await viaProxy('POST', '/compute/', { 'Content-Type': 'text/plain', Accept: 'text/plain' }, COMPUTE);
    assert.equal(created.status, 201, created.body);
    assert.match(String(created.headers.location), new RegExp(`^${proxyBase}/compute/`));
    const listing = await viaProxy('GET', '/compute/', { Accept: 'text/uri-list' });
    assert.equal(listing.body.trim(), created.headers.location);
    const json = await viaProxy('GET', '/compute/', { Accept: 'text/plain' });
    assert.match(json.body, new RegExp(`^X-OCCI-Location: ${proxyBase}/compute/`, 'm'));
  });

  it('ignores forwarded headers and the DN header from an untrusted peer', async () => {
    const forged = await send(backend.base, 'GET', '/compute/', { Accept: 'text/plain', SSL_CLIENT_S_DN: '/C=DE/O=Test Grid/CN=Alice', 'X-Forwarded-Proto': 'https' });
    assert.equal(forged.status, 401);
    const r = await send(backend.base, 'GET', '/compute/', { Accept: 'text/plain', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example.org' });
    assert.doesNotMatch(r.body, /evil\.example\.org|https:/);
  });
});
