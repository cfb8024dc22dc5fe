import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makePki, type Pki } from './pki.testing.js';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { certificateIssuerSerial } from './_der.js';
import { readVoms } from './voms.js';
import { X509Authenticator, readPemCertificates } from './x509.js';
import { normaliseDn, verifyChain } from './x509-chain.js';

const ALICE = '/C=DE/O=Test Grid/CN=Alice';

describeAuthenticator('x509 (client certificates, RFC 3820 proxies, VOMS)', async () => {
  const pki = makePki();
  const peer = (name: string) => ({ headers: {}, remoteAddress: '127.0.0.1', peerCertificates: pki.ders(name) });
  return {
    authenticator: new X509Authenticator({
      cas: readPemCertificates(pki.pem('ca.pem')), vomsIssuers: readPemCertificates(pki.pem('voms.pem')), vomsDeny: ['evilvo'],
    }),
    good: peer('proxy-chain.pem'),
    user: ALICE,
    groups: [],
    wrong: {
      'user certificate of a rogue CA with the same name': peer('mallory.pem'),
      'proxy without its end-entity certificate': peer('proxy.pem'),
      'certificate signed by a user, without proxyCertInfo': peer('fake-proxy-chain.pem'),
      'proxy not named after its issuer': peer('misnamed-proxy-chain.pem'),
      'the CA itself': peer('ca.pem'),
      'a server certificate (extended key usage serverAuth only)': peer('server-as-client.pem'),
      'a certificate whose key usage lacks digitalSignature': peer('no-signature.pem'),
      'a user below more CAs than a pathlen allows': peer('deep-user-chain.pem'),
      'a proxy below a proxy whose pCPathLenConstraint is 0': peer('proxy-of-proxy-chain.pem'),
    },
    refused: { 'proxy of a denied VO': peer('proxy-badvo-chain.pem') },
    close: async () => pki.close(),
  };
});

describe('x509 chains, VOMS and proxy headers', () => {
  let pki: Pki;
  let cas: X509Certificate[];
  let voms: X509Certificate[];
  before(() => {
    pki = makePki();
    cas = readPemCertificates(pki.pem('ca.pem'));
    voms = readPemCertificates(pki.pem('voms.pem'));
  });
  after(() => pki.close());

  it('verifyChain() gives the end-entity DN for a plain certificate and for a proxy chain', () => {
    const plain = verifyChain(pki.ders('alice.pem'), cas);
    assert.deepEqual({ ...plain, eec: undefined }, { dn: ALICE, proxies: 0, voms: [], eec: undefined });
    assert.equal(verifyChain(pki.ders('proxy-chain.pem'), cas).proxies, 1);
    assert.equal(verifyChain(pki.ders('proxy-vo-chain.pem'), cas).voms.length, 1);
  });

  it('verifyChain() checks what TLS client authentication requires: extended key usage, key usage, path lengths, proxy rules', () => {
    assert.throws(() => verifyChain(pki.ders('server-as-client.pem'), cas), /extended key usage does not include clientAuth/);
    assert.throws(() => verifyChain(pki.ders('no-signature.pem'), cas), /does not include digitalSignature/);
    assert.throws(() => verifyChain(pki.ders('deep-user-chain.pem'), cas), /Sub CA allows 0 CAs below it, the chain has 1/);
    assert.throws(() => verifyChain(pki.ders('proxy-of-proxy-chain.pem'), cas), /CN=500 allows 0 proxies below it, the chain has 1/);
    assert.equal(verifyChain(pki.ders('client-auth.pem'), cas).dn, '/C=DE/O=Test Grid/CN=Dave', 'clientAuth among other purposes');
    assert.equal(verifyChain(pki.ders('sub-user-chain.pem'), cas).dn, '/C=DE/O=Test Grid/CN=Erin', 'a user right below a pathlen:0 CA');
    assert.equal(verifyChain(pki.ders('proxy-pathlen0.pem').concat(pki.ders('alice.pem')), cas).proxies, 1, 'a pathlen:0 proxy itself');
  });

  it('verifyChain() refuses certificates outside their validity', () => {
    assert.throws(() => verifyChain(pki.ders('alice.pem'), cas, new Date(Date.now() + 30 * 86_400_000)), /not valid now/);
  });

  it('readVoms() reads the VO of an AC signed by a trusted VOMS server, and ignores a forged one', () => {
    const [ext] = verifyChain(pki.ders('proxy-vo-chain.pem'), cas).voms;
    assert.deepEqual(readVoms(ext, voms), { vo: 'testvo', fqans: ['/testvo/Role=NULL/Capability=NULL'] });
    assert.equal(readVoms(ext, cas), undefined, 'an AC is believed only with its signer');
    const [forged] = verifyChain(pki.ders('proxy-forged-chain.pem'), cas).voms;
    assert.equal(readVoms(forged, voms), undefined, 'signed by the user, not by the VOMS server');
    const stolen = verifyChain(pki.ders('proxy-stolen-chain.pem'), cas);
    assert.equal(readVoms(stolen.voms[0], voms)?.vo, 'testvo', 'a genuine AC...');
    assert.equal(readVoms(stolen.voms[0], voms, certificateIssuerSerial(stolen.eec)), undefined, '...issued to Bob is worthless in Alice\'s proxy');
  });

  it('admits allowed VOs and refuses others with 403', async () => {
    const a = new X509Authenticator({ cas, vomsIssuers: voms, vomsAllow: ['testvo'] });
    const who = await a.authenticate({ headers: {}, peerCertificates: pki.ders('proxy-vo-chain.pem') });
    assert.deepEqual(who, { user: ALICE, groups: ['testvo'], scheme: 'x509', vo: 'testvo' });
    for (const n of ['proxy-chain.pem', 'proxy-badvo-chain.pem', 'proxy-forged-chain.pem', 'proxy-stolen-chain.pem', 'alice.pem']) {
      await assert.rejects(a.authenticate({ headers: {}, peerCertificates: pki.ders(n) }), ForbiddenUserError, n);
    }
  });

  it('believes the DN header only from trusted proxies, in either DN spelling', async () => {
    const a = new X509Authenticator({ header: 'ssl_client_s_dn', isTrustedProxy: (ip) => ip === '127.0.0.2' });
    const req = (dn: string, ip: string) => ({ headers: { ssl_client_s_dn: dn }, remoteAddress: ip });
    assert.equal((await a.authenticate(req('CN=Alice,O=Test Grid,C=DE', '127.0.0.2')))?.user, ALICE);
    assert.equal((await a.authenticate(req(ALICE, '127.0.0.2')))?.user, ALICE);
    assert.equal(await a.authenticate(req(ALICE, '127.0.0.1')), undefined);
    assert.equal(await a.authenticate(req('(null)', '127.0.0.2')), undefined);
    assert.equal(normaliseDn('CN=A\\, B,O=X'), '/O=X/CN=A, B');
    await assert.rejects(new X509Authenticator({ cas }).authenticate({ headers: {}, peerCertificates: pki.ders('mallory.pem') }), AuthenticationError);
  });
});
