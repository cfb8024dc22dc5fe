/**
 * Just enough DER (X.690) to read certificate extensions and VOMS attribute
 * certificates: Node 20's X509Certificate cannot list extensions.
 */
export interface Tlv {
  readonly tag: number;
  /** The whole element, header included. */
  readonly raw: Buffer;
  /** The contents. */
  readonly value: Buffer;
}

/** The element at `offset` of `buf`. Throws on truncated or indefinite-length input. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[offset];
  let len = buf[offset + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    head += n;
  }
  if (offset + head + len > buf.length) throw new Error('DER: truncated');
  return { tag, raw: buf.subarray(offset, offset + head + len), value: buf.subarray(offset + head, offset + head + len) };
}

/** The elements inside a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < tlv.value.length; ) {
    const c = readTlv(tlv.value, off);
    out.push(c);
    off += c.raw.length;
  }
  return out;
}

export function oidToString(value: Buffer): string {
  const parts = [Math.floor(value[0] / 40), value[0] % 40];
  let n = 0;
  for (const b of value.subarray(1)) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

/** The extensions of a DER certificate by OID (RFC 5280 §4.1: tbsCertificate [3] Extensions). */
export function certificateExtensions(der: Buffer): Map<string, { critical: boolean; value: Buffer }> {
  const out = new Map<string, { critical: boolean; value: Buffer }>();
  const tbs = children(readTlv(der))[0];
  const explicit = children(tbs).find((t) => t.tag === 0xa3);
  if (!explicit) return out;
  for (const ext of children(children(explicit)[0])) {
    const parts = children(ext);
    const critical = parts.length === 3 && parts[1].tag === 0x01 && parts[1].value[0] !== 0;
    out.set(oidToString(parts[0].value), { critical, value: parts[parts.length - 1].value });
  }
  return out;
}

/** The DER of a certificate's serialNumber (contents) and issuer Name (whole element): what an AC holder names. */
export function certificateIssuerSerial(der: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = children(readTlv(der))[0];
  const parts = children(tbs);
  const i = parts[0].tag === 0xa0 ? 1 : 0;
  return { serial: parts[i].value, issuer: parts[i + 2].raw };
}

/** Key usage bits (RFC 5280 §4.2.1.3), as numbered there. */
export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5 } as const;

/** Whether the keyUsage extension's value (a BIT STRING) asserts bit `n`. */
export function keyUsageHas(value: Buffer, n: number): boolean {
  const bits = readTlv(value);
  if (bits.tag !== 0x03) throw new Error('DER: keyUsage is not a BIT STRING');
  const byte = bits.value[1 + (n >> 3)];
  return byte !== undefined && (byte & (0x80 >> (n & 7))) !== 0;
}

/** The OIDs of an extendedKeyUsage extension's value (SEQUENCE OF OBJECT IDENTIFIER, RFC 5280 §4.2.1.12). */
export function extendedKeyUsages(value: Buffer): string[] {
  return children(readTlv(value)).map((t) => oidToString(t.value));
}

/**
 * The path length constraint of a basicConstraints value (RFC 5280 §4.2.1.9:
 * SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL })
 * or of an RFC 3820 proxyCertInfo (SEQUENCE { pCPathLenConstraint INTEGER
 * OPTIONAL, proxyPolicy }): the first INTEGER of the sequence; undefined when there is none.
 */
export function pathLength(value: Buffer): number | undefined {
  const int = children(readTlv(value)).find((t) => t.tag === 0x02);
  if (!int) return undefined;
  if (int.value.length > 4 || (int.value[0] & 0x80) !== 0) throw new Error('DER: path length out of range');
  let n = 0;
  for (const b of int.value) n = n * 256 + b;
  return n;
}
