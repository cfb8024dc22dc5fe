import { X509Certificate } from 'node:crypto';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import { certificateIssuerSerial } from './_der.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';
import { readVoms } from './voms.js';
import { normaliseDn, verifyChain } from './x509-chain.js';

export interface X509Options {
  /** Trust anchors for client certificates on our own TLS listener; none: direct certificates are not accepted. */
  readonly cas?: readonly X509Certificate[];
  /** Header carrying the client DN from a TLS-terminating proxy (lower-case), e.g. `ssl_client_s_dn`. */
  readonly header?: string;
  /** Peers whose header is believed. */
  readonly isTrustedProxy?: (address: string | undefined) => boolean;
  /** VOMS servers whose attribute certificates are believed. */
  readonly vomsIssuers?: readonly X509Certificate[];
  /** VOs admitted; any when empty. A user without a (verified) VO is refused when this is set. */
  readonly vomsAllow?: readonly string[];
  /** VOs refused. */
  readonly vomsDeny?: readonly string[];
}

/**
 * X.509 client certificates: the chain the client presented on our TLS
 * listener, including RFC 3820 proxy chains (identity = the end-entity
 * certificate's DN), or the DN a trusted TLS-terminating proxy forwards in a
 * header (from anyone else the header is ignored). The user is the DN in
 * slash form; a verified VOMS VO becomes the user's group.
 */
export class X509Authenticator implements Authenticator {
  readonly scheme = 'x509';
  readonly challenge = 'X509 realm="occi-server"';
  readonly #options: X509Options;

  constructor(options: X509Options) {
    this.#options = options;
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const { cas, header, isTrustedProxy } = this.#options;
    if (cas && req.peerCertificates && req.peerCertificates.length > 0) {
      let chain;
      try {
        chain = verifyChain(req.peerCertificates, cas);
      } catch (err) {
        throw new AuthenticationError(`client certificate refused: ${(err as Error).message}`);
      }
      let vo: string | undefined;
      const holder = certificateIssuerSerial(chain.eec);
      for (const ext of chain.voms) {
        vo = readVoms(ext, this.#options.vomsIssuers ?? [], holder)?.vo;
        if (vo) break;
      }
      this.#checkVo(chain.dn, vo);
      return { user: chain.dn, groups: vo ? [vo] : [], scheme: 'x509', ...(vo ? { vo } : {}) };
    }
    const dn = header ? req.headers[header] : undefined;
    if (dn === undefined || dn.trim() === '' || dn === '(null)') return undefined;
    // A header anyone can send proves nothing unless our own proxy set it.
    if (!isTrustedProxy?.(req.remoteAddress)) return undefined;
    this.#checkVo(normaliseDn(dn), undefined);
    return { user: normaliseDn(dn), groups: [], scheme: 'x509' };
  }

  #checkVo(dn: string, vo: string | undefined): void {
    const allow = this.#options.vomsAllow ?? [];
    const deny = this.#options.vomsDeny ?? [];
    if (vo !== undefined && deny.includes(vo)) throw new ForbiddenUserError(`${dn}: VO ${vo} is not admitted here`);
    if (allow.length > 0 && (vo === undefined || !allow.includes(vo))) {
      throw new ForbiddenUserError(`${dn}: only members of ${allow.join(', ')} are admitted${vo ? `, not of ${vo}` : ' (no verified VOMS attributes)'}`);
    }
  }
}

/** The certificates of a PEM file (a CA bundle). */
export function readPemCertificates(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}
