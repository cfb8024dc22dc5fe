import { X509Certificate, verify as verifySignature } from 'node:crypto';
import { children, oidToString, readTlv, type Tlv } from './_der.js';

/** The VOMS FQAN attribute inside an AC (OGF GFD.182 §3.2). */
const VOMS_ATTRIBUTE = '1.3.6.1.4.1.8005.100.100.4';
const HASHES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384',
};

export interface VomsAttributes {
  /** The VO: first component of the first FQAN (`/atlas/Role=NULL` → `atlas`). */
  readonly vo: string;
  readonly fqans: readonly string[];
}

/**
 * Reads the VO from a proxy's VOMS extension, believing only an attribute
 * certificate (RFC 5755) whose signature verifies with one of `issuers` (the
 * VOMS servers' certificates) and whose validity period holds: the proxy is
 * signed by the user, so an unsigned claim proves nothing. Undefined when no
 * AC qualifies. Not checked (yet): the AC holder against the end-entity
 * certificate, the LSC chain of the VOMS server, AC extensions.
 */
export function readVoms(
  extension: Buffer, issuers: readonly X509Certificate[], holder?: { issuer: Buffer; serial: Buffer }, now = new Date(),
): VomsAttributes | undefined {
  for (const ac of findAttributeCertificates(readTlv(extension))) {
    const [acinfo, algorithm, signature] = children(ac);
    if (holder && !holds(acinfo, holder)) continue;
    const hash = HASHES[oidToString(children(algorithm)[0].value)];
    if (!hash) continue;
    const sig = signature.value.subarray(1); // BIT STRING: skip the unused-bits byte
    if (!issuers.some((i) => safeVerify(hash, acinfo.raw, i, sig))) continue;
    const info = children(acinfo);
    const validity = info.find((t, k) => k >= 4 && t.tag === 0x30 && children(t).every((c) => c.tag === 0x18));
    if (validity) {
      const [from, to] = children(validity).map((t) => generalizedTime(t.value.toString('latin1')));
      if (now < from || now > to) continue;
    }
    const fqans = fqansIn(acinfo);
    const vo = fqans[0]?.split('/')[1];
    if (vo) return { vo, fqans };
  }
  return undefined;
}

/** RFC 5755 §4.2.2: Holder ::= SEQUENCE { baseCertificateID [0] IssuerSerial { issuer GeneralNames, serial } ... }. */
function holds(acinfo: Tlv, holder: { issuer: Buffer; serial: Buffer }): boolean {
  try {
    const base = children(children(acinfo)[1]).find((t) => t.tag === 0xa0);
    if (!base) return false;
    const [names, serial] = children(base);
    const directory = children(names).find((t) => t.tag === 0xa4);
    const strip = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);
    return directory !== undefined && children(directory)[0].raw.equals(holder.issuer) && strip(serial.value).equals(strip(holder.serial));
  } catch {
    return false;
  }
}

function safeVerify(hash: string, data: Buffer, issuer: X509Certificate, sig: Buffer): boolean {
  try {
    return verifySignature(hash, data, issuer.publicKey, sig);
  } catch {
    return false;
  }
}

/** SEQUENCE { acinfo SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING }, at any depth. */
function findAttributeCertificates(t: Tlv): Tlv[] {
  if (t.tag !== 0x30) return [];
  const c = children(t);
  if (c.length === 3 && c[0].tag === 0x30 && c[1].tag === 0x30 && c[2].tag === 0x03) return [t];
  return c.flatMap(findAttributeCertificates);
}

/** The OCTET STRING values of the VOMS attribute (IetfAttrSyntax) inside acinfo. */
function fqansIn(acinfo: Tlv): string[] {
  const out: string[] = [];
  const visit = (t: Tlv) => {
    if ((t.tag & 0x20) === 0) return;
    const c = children(t);
    if (t.tag === 0x30 && c[0]?.tag === 0x06 && oidToString(c[0].value) === VOMS_ATTRIBUTE) {
      const octets = (x: Tlv): void => {
        if (x.tag === 0x04) out.push(x.value.toString('utf8'));
        else if (x.tag & 0x20) children(x).forEach(octets);
      };
      c.slice(1).forEach(octets);
      return;
    }
    c.forEach(visit);
  };
  visit(acinfo);
  return out.filter((f) => f.startsWith('/'));
}

/** `YYYYMMDDHHMMSSZ` */
function generalizedTime(s: string): Date {
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}Z`);
}
