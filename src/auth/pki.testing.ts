/**
 * Test PKI made with the openssl CLI in a temporary directory: a CA, a server
 * certificate for 127.0.0.1, a user (Alice), RFC 3820 proxies of Alice (with
 * and without a VOMS attribute certificate), a rogue CA and its user,
 * malformed "proxies", and certificates TLS client authentication must
 * refuse (a server certificate, no digitalSignature, path lengths exceeded). The VOMS AC is built here in DER (RFC 5755 layout, as
 * VOMS writes it) and signed by a test VOMS server key.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateIssuerSerial } from './_der.js';

export interface Pki {
  readonly dir: string;
  /** Path of a PEM file in the directory. */
  path(name: string): string;
  pem(name: string): string;
  /** DER certificates of a PEM file, in file order. */
  ders(name: string): Buffer[];
  close(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'occi-pki-'));
  const p = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ext = (name: string, text: string) => {
    writeFileSync(p(name), text);
    return p(name);
  };
  const ca = (name: string, subj: string) => ssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subj);
  const issue = (name: string, subj: string, issuer: string, extfile: string, serial: string) => {
    ssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', serial, '-days', '1', '-out', `${name}.pem`, '-extfile', extfile);
  };
  const eec = ext('eec.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  const proxyExt = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nproxyCertInfo=critical,language:id-ppl-inheritAll\n';
  ca('ca', '/C=DE/O=Test Grid/CN=Test CA');
  ca('rogue-ca', '/C=DE/O=Test Grid/CN=Test CA');
  ca('voms', '/C=DE/O=Test Grid/CN=voms.example.org');
  issue('server', '/CN=127.0.0.1', 'ca', ext('server.ext', 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'), '10');
  issue('alice', '/C=DE/O=Test Grid/CN=Alice', 'ca', eec, '11');
  issue('bob', '/C=DE/O=Test Grid/CN=Bob', 'ca', eec, '12');
  issue('mallory', '/C=DE/O=Test Grid/CN=Alice', 'rogue-ca', eec, '13');
  issue('proxy', '/C=DE/O=Test Grid/CN=Alice/CN=1234567', 'alice', ext('proxy.ext', proxyExt), '1234567');
  const vomsKey = readFileSync(p('voms.key'), 'utf8');
  const alice = certificateIssuerSerial(pemDer(readFileSync(p('alice.pem'), 'utf8')));
  const bob = certificateIssuerSerial(pemDer(readFileSync(p('bob.pem'), 'utf8')));
  const acs = [['proxy-vo', 'testvo', vomsKey, alice], ['proxy-badvo', 'evilvo', vomsKey, alice], ['proxy-forged', 'testvo', readFileSync(p('alice.key'), 'utf8'), alice], ['proxy-stolen', 'testvo', vomsKey, bob]] as const;
  for (const [name, vo, key, holder] of acs) {
    const hex = vomsExtension(vo, key, holder).toString('hex');
    issue(name, `/C=DE/O=Test Grid/CN=Alice/CN=${name.length}99`, 'alice', ext(`${name}.ext`, `${proxyExt}1.3.6.1.4.1.8005.100.100.5=DER:${hex}\n`), '77');
  }
  // Not proxies: a certificate signed by Alice without proxyCertInfo, and a proxy with a foreign name.
  issue('fake-proxy', '/C=DE/O=Test Grid/CN=Alice/CN=42', 'alice', eec, '42');
  issue('misnamed-proxy', '/C=DE/O=Test Grid/CN=Bob/CN=43', 'alice', ext('proxy2.ext', proxyExt), '43');
  for (const n of ['proxy', 'proxy-vo', 'proxy-badvo', 'proxy-forged', 'proxy-stolen', 'fake-proxy', 'misnamed-proxy']) {
    writeFileSync(p(`${n}-chain.pem`), readFileSync(p(`${n}.pem`), 'utf8') + readFileSync(p('alice.pem'), 'utf8'));
  }
  // What TLS client authentication refuses (RFC 5280 §4.2.1.3, §4.2.1.9, §4.2.1.12; RFC 3820 §3.8), beside what it accepts.
  issue('server-as-client', '/C=DE/O=Test Grid/CN=Server', 'ca', ext('sac.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n'), '20');
  issue('no-signature', '/C=DE/O=Test Grid/CN=Carol', 'ca', ext('nosig.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\n'), '21');
  issue('client-auth', '/C=DE/O=Test Grid/CN=Dave', 'ca', ext('cli.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\n'), '22');
  issue('sub-ca', '/C=DE/O=Test Grid/CN=Sub CA', 'ca', ext('sub.ext', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'), '30');
  issue('sub-user', '/C=DE/O=Test Grid/CN=Erin', 'sub-ca', eec, '31');
  issue('sub-sub-ca', '/C=DE/O=Test Grid/CN=Sub Sub CA', 'sub-ca', ext('subsub.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n'), '32');
  issue('deep-user', '/C=DE/O=Test Grid/CN=Frank', 'sub-sub-ca', eec, '33');
  issue('proxy-pathlen0', '/C=DE/O=Test Grid/CN=Alice/CN=500', 'alice', ext('pl0.ext', proxyExt.replace('inheritAll', 'inheritAll,pathlen:0')), '500');
  issue('proxy-of-proxy', '/C=DE/O=Test Grid/CN=Alice/CN=500/CN=501', 'proxy-pathlen0', ext('pp.ext', proxyExt), '501');
  const cat = (out: string, ...names: string[]) => writeFileSync(p(out), names.map((n) => readFileSync(p(`${n}.pem`), 'utf8')).join(''));
  cat('sub-user-chain.pem', 'sub-user', 'sub-ca');
  cat('deep-user-chain.pem', 'deep-user', 'sub-sub-ca', 'sub-ca');
  cat('proxy-of-proxy-chain.pem', 'proxy-of-proxy', 'proxy-pathlen0', 'alice');
  return {
    dir,
    path: p,
    pem: (n) => readFileSync(p(n), 'utf8'),
    ders: (n) => [...readFileSync(p(n), 'utf8').matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64')),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// --- a minimal DER writer for the VOMS attribute certificate ---

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
function oid(s: string): Buffer {
  const [a, b, ...rest] = s.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}
const time = (d: Date) => tlv(0x18, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'));

function pemDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64');
}

/** The proxy extension value: SEQUENCE OF SEQUENCE OF AttributeCertificate, one AC for `holder` naming `/vo/Role=NULL`. */
export function vomsExtension(vo: string, signerPem: string, holder: { issuer: Buffer; serial: Buffer }): Buffer {
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const fqan = tlv(0x04, Buffer.from(`/${vo}/Role=NULL/Capability=NULL`));
  const policyAuthority = tlv(0xa0, tlv(0x86, Buffer.from(`${vo}://voms.example.org:15000`)));
  const attribute = seq(oid('1.3.6.1.4.1.8005.100.100.4'), tlv(0x31, seq(policyAuthority, seq(fqan))));
  const now = Date.now();
  const acinfo = seq(
    tlv(0x02, Buffer.from([1])), seq(tlv(0xa0, seq(tlv(0xa4, holder.issuer)), tlv(0x02, holder.serial))), tlv(0xa0, seq()), alg, tlv(0x02, Buffer.from([7])),
    seq(time(new Date(now - 3_600_000)), time(new Date(now + 3_600_000))), seq(attribute),
  );
  const signature = sign('sha256', acinfo, createPrivateKey(signerPem));
  return seq(seq(seq(acinfo, alg, tlv(0x03, Buffer.from([0]), signature))));
}
