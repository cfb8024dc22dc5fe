/**
 * THE seam for authentication: one `Authenticator` per scheme (none, basic,
 * oidc, x509, keystone), several enabled at once. Each looks only for its own
 * credentials in a request:
 * - none of its credentials there: `undefined` (the next scheme is asked);
 * - credentials that prove a user: an `Identity`;
 * - credentials that are wrong (bad password, expired token, broken chain):
 *   throws `AuthenticationError` (401);
 * - a proven user this scheme refuses (a denied VO): throws `ForbiddenUserError` (403).
 * Every implementation passes `authenticator.contract.ts`.
 *
 * @example
 * const basic = new BasicAuthenticator({ htpasswd: '/etc/occi/htpasswd' });
 * const who = await basic.authenticate({ headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
 * // → { user: 'alice', groups: [], scheme: 'basic' }
 */
export interface Authenticator {
  /** The scheme's config name: `none`, `basic`, `oidc`, `x509`, `keystone`. */
  readonly scheme: string;
  /** The WWW-Authenticate value a 401 carries for this scheme (RFC 9110 §11.6.1). */
  readonly challenge: string;
  authenticate(req: AuthRequest): Promise<Identity | undefined>;
  /** Stops timers and watchers. */
  close?(): void;
}

/** What an authenticator may look at: the head of the request and the TLS peer. */
export interface AuthRequest {
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly remoteAddress?: string;
  /** The client's certificate chain as DER, end of the chain first, when it came over our TLS listener. */
  readonly peerCertificates?: readonly Buffer[];
}

import type { Credentials } from '../context.js';

/** Who a request comes from. */
export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
  /** The scheme that proved it. */
  readonly scheme: string;
  /** VOMS virtual organisation, when a proxy certificate carried one. */
  readonly vo?: string;
  /** What a backend needs to act as this user in its cloud (a Keystone token), passed on opaque. */
  readonly credentials?: Credentials;
}
