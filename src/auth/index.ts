/** Authentication: the Authenticator seam, one file per scheme, and the gate that turns a request into a RequestContext. */
export type { Authenticator, AuthRequest, Identity } from './authenticator.js';
export { BasicAuthenticator, parseHtpasswd, verifyPassword } from './basic.js';
export { DelegatedAuthenticator, type CheckCredentials, type DelegatedOptions } from './delegated.js';
export { AuthGate, type GateOptions } from './gate.js';
export { KeystoneAuthenticator, type KeystoneOptions } from './keystone.js';
export { NoneAuthenticator } from './none.js';
export { OidcAuthenticator, type OidcOptions } from './oidc.js';
export { createAuth, type AuthSettings } from './registry.js';
export { trustedProxies } from './trusted-proxies.js';
export { X509Authenticator, readPemCertificates, type X509Options } from './x509.js';
export { normaliseDn, slashDn, verifyChain, type VerifiedChain } from './x509-chain.js';
export { readVoms, type VomsAttributes } from './voms.js';
