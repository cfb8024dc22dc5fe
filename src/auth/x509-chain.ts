import { X509Certificate } from 'node:crypto';
import { KEY_USAGE, certificateExtensions, extendedKeyUsages, keyUsageHas, pathLength } from './_der.js';

/** RFC 3820 §3.8 proxyCertInfo. */
export const PROXY_CERT_INFO = '1.3.6.1.5.5.7.1.14';
/** The VOMS attribute certificate extension of a proxy (VOMS AC format, OGF GFD.182 §3). */
export const VOMS_AC_EXTENSION = '1.3.6.1.4.1.8005.100.100.5';
/** RFC 5280 §4.2.1: key usage, extended key usage, basic constraints. */
const KEY_USAGE_EXT = '2.5.29.15';
const EXT_KEY_USAGE = '2.5.29.37';
const BASIC_CONSTRAINTS = '2.5.29.19';
/** RFC 5280 §4.2.1.12: TLS WWW client authentication, and "any purpose". */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

export interface VerifiedChain {
  /** The end-entity certificate's subject in the grid's slash form, e.g. `/C=DE/O=Example/CN=Alice`. */
  readonly dn: string;
  /** How many RFC 3820 proxies lie between the end-entity certificate and the peer. */
  readonly proxies: number;
  /** Raw VOMS AC extensions found in the proxies, nearest to the end entity first. */
  readonly voms: readonly Buffer[];
  /** The end-entity certificate (DER), which a VOMS AC must name as its holder. */
  readonly eec: Buffer;
}

/**
 * Validates a client's chain ourselves, because OpenSSL behind node:tls
 * refuses RFC 3820 proxies (no X509_V_FLAG_ALLOW_PROXY_CERTS in Node): every
 * certificate signed by the next (`checkIssued` + `verify`), the last by a
 * trust anchor, all within validity; then the path rules: CAs, then exactly
 * one end-entity certificate, then only proxies, each with a critical
 * proxyCertInfo, not a CA, named after its issuer plus one `CN` (RFC 3820 §3.4, §4.1);
 * and what TLS client authentication requires of them (`usages`).
 * Throws an Error saying what is wrong.
 */
export function verifyChain(ders: readonly Buffer[], anchors: readonly X509Certificate[], now = new Date()): VerifiedChain {
  if (ders.length === 0) throw new Error('no client certificate');
  if (ders.length > 12) throw new Error('certificate chain too long');
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint256));
  const pool = ders.map((d) => new X509Certificate(d)).filter((c, i) => i === 0 || !anchorPrints.has(c.fingerprint256));
  const path: X509Certificate[] = [pool[0]];
  let anchor: X509Certificate | undefined;
  for (;;) {
    const cur = path[path.length - 1];
    anchor = anchors.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
    if (anchor) break;
    const next = pool.find((c) => !path.includes(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!next) throw new Error(`${slashDn(cur.subject)} does not chain to a trusted CA`);
    path.push(next);
  }
  for (const c of [...path, anchor]) {
    if (now < new Date(c.validFrom) || now > new Date(c.validTo)) throw new Error(`${slashDn(c.subject)} is not valid now (${c.validFrom} – ${c.validTo})`);
  }
  const down = [...path].reverse(); // from the anchor's child to the peer
  let i = 0;
  while (i < down.length && down[i].ca) i++;
  const eec = down[i];
  if (!eec) throw new Error('the chain has no end-entity certificate');
  const extensions = down.map((c) => certificateExtensions(Buffer.from(c.raw)));
  if (extensions[i].has(PROXY_CERT_INFO)) throw new Error(`${slashDn(eec.subject)}: a proxy certificate issued by a CA`);
  usages(down, extensions, i, anchor);
  const voms: Buffer[] = [];
  for (let j = i + 1; j < down.length; j++) {
    const proxy = down[j];
    const issuer = down[j - 1];
    const info = extensions[j].get(PROXY_CERT_INFO);
    if (!info?.critical) throw new Error(`${slashDn(proxy.subject)} is signed by a non-CA certificate but is no RFC 3820 proxy`);
    if (proxy.ca) throw new Error(`${slashDn(proxy.subject)}: a proxy certificate cannot be a CA`);
    const lines = proxy.subject.split('\n');
    if (lines.slice(0, -1).join('\n') !== issuer.subject || !/^CN=/.test(lines[lines.length - 1])) {
      throw new Error(`${slashDn(proxy.subject)}: a proxy is named after its issuer plus one CN (RFC 3820 §3.4)`);
    }
    const ac = extensions[j].get(VOMS_AC_EXTENSION);
    if (ac) voms.push(ac.value);
  }
  return { dn: slashDn(eec.subject), proxies: down.length - 1 - i, voms, eec: Buffer.from(eec.raw) };
}

/**
 * What a certificate path must allow for TLS client authentication
 * (`down`: from the anchor's child to the peer; `i`: the end-entity
 * certificate's index):
 * - each CA, the trust anchor included, may sign certificates (keyUsage
 *   keyCertSign, when present) and has no more CAs below it than its
 *   pathLenConstraint (RFC 5280 §4.2.1.3, §4.2.1.9, §6.1.4);
 * - the end-entity certificate and every proxy may sign (keyUsage
 *   digitalSignature, when present) and, when they name extended key usages,
 *   name clientAuth or anyExtendedKeyUsage (RFC 5280 §4.2.1.12): a server
 *   certificate is no client certificate;
 * - a proxy neither signs certificates nor claims non-repudiation (RFC 3820
 *   §3.7), and no proxy has more proxies below it than its
 *   pCPathLenConstraint (RFC 3820 §3.8, §4.1.3).
 */
function usages(down: readonly X509Certificate[], extensions: ReadonlyArray<Map<string, { critical: boolean; value: Buffer }>>, i: number, anchor: X509Certificate): void {
  const cas: Array<[X509Certificate, Map<string, { critical: boolean; value: Buffer }>, number]> = [
    [anchor, certificateExtensions(Buffer.from(anchor.raw)), i],
    ...down.slice(0, i).map((c, k) => [c, extensions[k], i - 1 - k] as [X509Certificate, Map<string, { critical: boolean; value: Buffer }>, number]),
  ];
  for (const [ca, ext, below] of cas) {
    const ku = ext.get(KEY_USAGE_EXT);
    if (ku && !keyUsageHas(ku.value, KEY_USAGE.keyCertSign)) throw new Error(`${slashDn(ca.subject)} is a CA whose key usage does not allow signing certificates`);
    const bc = ext.get(BASIC_CONSTRAINTS);
    const max = bc ? pathLength(bc.value) : undefined;
    if (max !== undefined && below > max) throw new Error(`${slashDn(ca.subject)} allows ${max} CA${max === 1 ? '' : 's'} below it, the chain has ${below}`);
  }
  for (let j = i; j < down.length; j++) {
    const name = slashDn(down[j].subject);
    const ku = extensions[j].get(KEY_USAGE_EXT);
    if (ku && !keyUsageHas(ku.value, KEY_USAGE.digitalSignature)) throw new Error(`${name}: its key usage does not include digitalSignature, which TLS client authentication needs`);
    const eku = extensions[j].get(EXT_KEY_USAGE);
    if (eku) {
      const purposes = extendedKeyUsages(eku.value);
      if (!purposes.includes(CLIENT_AUTH) && !purposes.includes(ANY_EXTENDED_KEY_USAGE)) {
        throw new Error(`${name}: its extended key usage does not include clientAuth (it is not a client certificate)`);
      }
    }
    if (j === i) continue;
    if (ku && (keyUsageHas(ku.value, KEY_USAGE.keyCertSign) || keyUsageHas(ku.value, KEY_USAGE.nonRepudiation))) {
      throw new Error(`${name}: a proxy may neither sign certificates nor claim non-repudiation (RFC 3820 §3.7)`);
    }
    const info = extensions[j].get(PROXY_CERT_INFO);
    const max = info ? pathLength(info.value) : undefined;
    const below = down.length - 1 - j;
    if (max !== undefined && below > max) throw new Error(`${name} allows ${max} prox${max === 1 ? 'y' : 'ies'} below it, the chain has ${below}`);
  }
}

/** Node's multi-line subject (`C=DE\nO=Example\nCN=Alice`) as `/C=DE/O=Example/CN=Alice`. */
export function slashDn(subject: string): string {
  return '/' + subject.split('\n').join('/');
}

/**
 * A DN from a proxy header in either spelling: the slash form as it is, or
 * RFC 2253/4514 (`CN=Alice,O=Example,C=DE`, what Apache mod_ssl and nginx
 * send) reversed into the slash form.
 */
export function normaliseDn(dn: string): string {
  const t = dn.trim();
  if (t.startsWith('/')) return t;
  const parts: string[] = [];
  let cur = '';
  for (let k = 0; k < t.length; k++) {
    if (t[k] === '\\' && k + 1 < t.length) {
      cur += t[++k];
    } else if (t[k] === ',') {
      parts.push(cur.trim());
      cur = '';
    } else cur += t[k];
  }
  parts.push(cur.trim());
  return '/' + parts.filter(Boolean).reverse().join('/');
}
