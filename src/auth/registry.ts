import { readFileSync } from 'node:fs';
import type { Authenticator } from './authenticator.js';
import { BasicAuthenticator } from './basic.js';
import { DelegatedAuthenticator, type CheckCredentials } from './delegated.js';
import { AuthGate } from './gate.js';
import { KeystoneAuthenticator } from './keystone.js';
import { NoneAuthenticator } from './none.js';
import { OidcAuthenticator } from './oidc.js';
import { trustedProxies } from './trusted-proxies.js';
import { X509Authenticator, readPemCertificates } from './x509.js';

/** What the schemes read from the configuration (the same names as `Config`). */
export interface AuthSettings {
  readonly auth: readonly string[];
  readonly htpasswd?: string;
  readonly oidcIssuer?: string;
  readonly oidcAudience?: string;
  readonly oidcJwks?: string;
  readonly oidcUserClaim: string;
  readonly oidcGroupsClaim: string;
  readonly tlsCa?: string;
  readonly x509Header?: string;
  readonly trustedProxies: readonly string[];
  readonly vomsCerts?: string;
  readonly vomsAllow: readonly string[];
  readonly vomsDeny: readonly string[];
  readonly keystoneUrl?: string;
  readonly keystoneProject?: string;
  readonly keystoneDomain: string;
  readonly tenancy: 'user' | 'group';
  readonly adminUsers: readonly string[];
  readonly adminGroups: readonly string[];
  readonly identityMap?: readonly string[];
  /** Who checks passwords for `opennebula`: the backend's `authenticate` (not a configuration key; src/cli/start.ts sets it). */
  readonly delegate?: CheckCredentials;
}

type Factory = (s: AuthSettings) => Promise<Authenticator>;

/** THE list of schemes, by config name, in the order they are tried. */
const SCHEMES: Readonly<Record<string, Factory>> = {
  none: async () => new NoneAuthenticator(),
  basic: async (s) => {
    const a = new BasicAuthenticator({ htpasswd: s.htpasswd! });
    await a.load().catch((err: Error) => {
      throw new Error(`htpasswd: cannot read ${s.htpasswd}: ${err.message}`);
    });
    return a;
  },
  oidc: async (s) =>
    new OidcAuthenticator({
      issuer: s.oidcIssuer!, audience: s.oidcAudience, jwks: s.oidcJwks, userClaim: s.oidcUserClaim, groupsClaim: s.oidcGroupsClaim,
    }),
  x509: async (s) =>
    new X509Authenticator({
      cas: s.tlsCa ? pemFile(s.tlsCa, 'tls-ca') : undefined,
      header: s.x509Header?.toLowerCase(),
      isTrustedProxy: trustedProxies(s.trustedProxies),
      vomsIssuers: s.vomsCerts ? pemFile(s.vomsCerts, 'voms-certs') : [],
      vomsAllow: s.vomsAllow,
      vomsDeny: s.vomsDeny,
    }),
  keystone: async (s) => new KeystoneAuthenticator({ url: s.keystoneUrl!, project: s.keystoneProject, domain: s.keystoneDomain }),
  opennebula: async (s) => {
    if (!s.delegate) throw new Error('auth: opennebula needs --backend opennebula, whose oned checks the passwords');
    return new DelegatedAuthenticator({ scheme: 'opennebula', check: s.delegate });
  },
};

function pemFile(file: string, key: string) {
  let certs;
  try {
    certs = readPemCertificates(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as Error).message}`);
  }
  if (certs.length === 0) throw new Error(`${key}: no certificate in ${file}`);
  return certs;
}

/** Builds the gate of the enabled schemes; fails when a scheme cannot start (file missing, bad URL). */
export async function createAuth(settings: AuthSettings): Promise<AuthGate> {
  const authenticators: Authenticator[] = [];
  // `none` last: it is the fall-back for requests without credentials.
  const order = [...settings.auth].sort((a, b) => Number(a === 'none') - Number(b === 'none'));
  for (const scheme of order) {
    const factory = SCHEMES[scheme];
    if (!factory) throw new Error(`auth: unknown scheme ${scheme}`);
    authenticators.push(await factory(settings));
  }
  return new AuthGate({
    authenticators, tenancy: settings.tenancy, adminUsers: settings.adminUsers, adminGroups: settings.adminGroups, identityMap: settings.identityMap,
  });
}
