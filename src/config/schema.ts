/** The server's configuration: one key per flag, `OCCI_*` variable and YAML key. */
export interface Config {
  /** Address to listen on. */
  listen: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Absolute URL clients reach the server at (behind a proxy); default: http://<Host header>. */
  publicUrl: string | undefined;
  /** Backend name (see src/backends/registry.ts). */
  backend: string;
  /**
   * Each backend's own settings, by backend name, as given (flags, variables,
   * the file's `backends.<name>` section); the backend fills in its defaults.
   */
  backends: Record<string, Record<string, unknown>>;
  /** Milliseconds a request may wait for the backend before it is 504. */
  backendTimeout: number;
  /** Largest page (`number`) a client may ask for. */
  maxPageSize: number;
  /** Largest request body, bytes. */
  maxBodySize: number;
  /** Largest request head, bytes (text/occi carries renderings in headers). */
  maxHeaderSize: number;
  /** Most items one request may carry: entities and their inline links, listed locations, mixin definitions (413 beyond). */
  maxItemsPerRequest: number;
  /** Most entities (resources and links) one owner may hold in the embedded backend (403 beyond). */
  maxEntitiesPerUser: number;
  /** Most user mixins (and saved templates) one owner may define (403 beyond). */
  maxUserMixins: number;
  /** Most links one resource may have in the embedded backend (403 beyond). */
  maxLinksPerResource: number;

  /** Enabled authentication schemes, tried in this order: none, basic, oidc, x509, keystone, opennebula. */
  auth: string[];
  /** Allows `none` on an address other than loopback. */
  allowAnonymous: boolean;
  /** Apache htpasswd file (basic). */
  htpasswd: string | undefined;
  /** Expected `iss` of bearer tokens (oidc). */
  oidcIssuer: string | undefined;
  /** Expected `aud` (oidc); any audience when unset. */
  oidcAudience: string | undefined;
  /** JWKS URL or file (oidc); default: the issuer's discovery document. */
  oidcJwks: string | undefined;
  /** Claim naming the user (oidc). */
  oidcUserClaim: string;
  /** Claim listing the user's groups (oidc). */
  oidcGroupsClaim: string;
  /** PEM certificate (chain) of the HTTPS listener. */
  tlsCert: string | undefined;
  /** PEM private key of the HTTPS listener. */
  tlsKey: string | undefined;
  /** PEM CA certificates client certificates must chain to (x509). */
  tlsCa: string | undefined;
  /** Header carrying the client DN from a TLS-terminating proxy (x509), e.g. SSL_CLIENT_S_DN. */
  x509Header: string | undefined;
  /** VOMS VOs admitted (x509 proxies); empty admits any. */
  vomsAllow: string[];
  /** VOMS VOs refused (403). */
  vomsDeny: string[];
  /** PEM certificates of the VOMS servers whose attribute certificates are believed. */
  vomsCerts: string | undefined;
  /** Keystone identity API base URL (keystone), e.g. http://keystone:5000/v3. */
  keystoneUrl: string | undefined;
  /** Project that basic credentials of Keystone users are scoped to; the user's default project when unset. */
  keystoneProject: string | undefined;
  /** Domain of the user and project names in basic credentials (keystone). */
  keystoneDomain: string;
  /** Addresses or CIDR ranges of proxies whose forwarded headers are believed. */
  trustedProxies: string[];
  /** Honour X-Forwarded-Proto/-Host and Forwarded from trusted proxies when building URLs. */
  trustProxy: boolean;
  /** Who owns what a user creates: the user, or the user's first group. */
  tenancy: 'user' | 'group';
  /** Users who see everything. */
  adminUsers: string[];
  /** Groups whose members see everything. */
  adminGroups: string[];
  /** `scheme:name=scheme:name` pairs: the identity on the left acts as the one on the right (owner, admin lists). */
  identityMap: string[];
  /** Worker processes (node:cluster); 0 = one process, `auto` = one per CPU. */
  workers: number | 'auto';
  /** Port of the admin listener (/healthz, /readyz, /metrics); none when unset. */
  adminPort: number | undefined;
  /** Address of the admin listener. */
  adminListen: string;
  /** Requests per user, as `N/SECONDS` (429 beyond). */
  rateLimit: string | undefined;
  /** Requests per client address, as `N/SECONDS`. */
  rateLimitIp: string | undefined;
  /** Failed authentications per client address, as `N/SECONDS`; beyond, 429 before any credential is checked. */
  rateLimitAuthFailures: string;
  /** Origins allowed by CORS (`*` for any); CORS off when empty. */
  corsOrigins: string[];
  /** Milliseconds to receive a request head. */
  headersTimeout: number;
  /** Milliseconds to receive a whole request. */
  requestTimeout: number;
  /** pino log level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
}

export const DEFAULTS: Config = {
  listen: '127.0.0.1',
  port: 8787,
  publicUrl: undefined,
  backend: 'embedded',
  backends: {},
  backendTimeout: 30_000,
  maxPageSize: 1000,
  // A body is parsed in one piece on the event loop: 1 MiB is a few milliseconds of JSON.parse, 8 MiB tens.
  maxBodySize: 1024 * 1024,
  maxHeaderSize: 64 * 1024,
  maxItemsPerRequest: 100,
  maxEntitiesPerUser: 100_000,
  maxUserMixins: 1000,
  maxLinksPerResource: 100,
  auth: ['none'],
  allowAnonymous: false,
  htpasswd: undefined,
  oidcIssuer: undefined,
  oidcAudience: undefined,
  oidcJwks: undefined,
  oidcUserClaim: 'sub',
  oidcGroupsClaim: 'groups',
  tlsCert: undefined,
  tlsKey: undefined,
  tlsCa: undefined,
  x509Header: undefined,
  vomsAllow: [],
  vomsDeny: [],
  vomsCerts: undefined,
  keystoneUrl: undefined,
  keystoneProject: undefined,
  keystoneDomain: 'Default',
  trustedProxies: [],
  trustProxy: false,
  tenancy: 'user',
  adminUsers: [],
  adminGroups: [],
  identityMap: [],
  workers: 0,
  adminPort: undefined,
  adminListen: '127.0.0.1',
  rateLimit: undefined,
  rateLimitIp: undefined,
  rateLimitAuthFailures: '30/60',
  corsOrigins: [],
  headersTimeout: 20_000,
  requestTimeout: 60_000,
  logLevel: 'info',
};

export type KeyKind = 'string' | 'port' | 'int' | 'url' | 'object' | 'bool' | 'list' | 'auth' | 'tenancy' | 'workers' | 'rate' | 'level';

/**
 * A setting a backend declares for its own section (the shape of
 * `BackendSetting` in src/backends/registry.ts, which the CLI hands to
 * `loadConfig`): a flag, a variable, and a key under `backends.<name>`.
 */
export interface SectionSetting {
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'int' | 'url' | 'bool' | 'list' | 'object';
  readonly values?: readonly string[];
  readonly default?: unknown;
  readonly help: string;
  readonly secret?: boolean;
  readonly read?: (value: unknown) => unknown;
  readonly write?: (value: unknown) => unknown;
}

/** Every backend's settings, by backend name and setting key. */
export type Sections = Readonly<Record<string, Readonly<Record<string, SectionSetting>>>>;

/** Keys whose values --print-config masks. */
export const SECRET_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>([]);

/** How each key is read from text (flags, env) and checked; the YAML file gives typed values. */
export const KEYS: Readonly<Record<keyof Config, { flag: string; env: string; kind: KeyKind }>> = {
  listen: { flag: 'listen', env: 'OCCI_LISTEN', kind: 'string' },
  port: { flag: 'port', env: 'OCCI_PORT', kind: 'port' },
  publicUrl: { flag: 'public-url', env: 'OCCI_PUBLIC_URL', kind: 'url' },
  backend: { flag: 'backend', env: 'OCCI_BACKEND', kind: 'string' },
  backends: { flag: '', env: '', kind: 'object' },
  backendTimeout: { flag: 'backend-timeout', env: 'OCCI_BACKEND_TIMEOUT', kind: 'int' },
  maxPageSize: { flag: 'max-page-size', env: 'OCCI_MAX_PAGE_SIZE', kind: 'int' },
  maxBodySize: { flag: 'max-body-size', env: 'OCCI_MAX_BODY_SIZE', kind: 'int' },
  maxHeaderSize: { flag: 'max-header-size', env: 'OCCI_MAX_HEADER_SIZE', kind: 'int' },
  maxItemsPerRequest: { flag: 'max-items-per-request', env: 'OCCI_MAX_ITEMS_PER_REQUEST', kind: 'int' },
  maxEntitiesPerUser: { flag: 'max-entities-per-user', env: 'OCCI_MAX_ENTITIES_PER_USER', kind: 'int' },
  maxUserMixins: { flag: 'max-user-mixins', env: 'OCCI_MAX_USER_MIXINS', kind: 'int' },
  maxLinksPerResource: { flag: 'max-links-per-resource', env: 'OCCI_MAX_LINKS_PER_RESOURCE', kind: 'int' },
  auth: { flag: 'auth', env: 'OCCI_AUTH', kind: 'auth' },
  allowAnonymous: { flag: 'allow-anonymous', env: 'OCCI_ALLOW_ANONYMOUS', kind: 'bool' },
  htpasswd: { flag: 'htpasswd', env: 'OCCI_HTPASSWD', kind: 'string' },
  oidcIssuer: { flag: 'oidc-issuer', env: 'OCCI_OIDC_ISSUER', kind: 'url' },
  oidcAudience: { flag: 'oidc-audience', env: 'OCCI_OIDC_AUDIENCE', kind: 'string' },
  oidcJwks: { flag: 'oidc-jwks', env: 'OCCI_OIDC_JWKS', kind: 'string' },
  oidcUserClaim: { flag: 'oidc-user-claim', env: 'OCCI_OIDC_USER_CLAIM', kind: 'string' },
  oidcGroupsClaim: { flag: 'oidc-groups-claim', env: 'OCCI_OIDC_GROUPS_CLAIM', kind: 'string' },
  tlsCert: { flag: 'tls-cert', env: 'OCCI_TLS_CERT', kind: 'string' },
  tlsKey: { flag: 'tls-key', env: 'OCCI_TLS_KEY', kind: 'string' },
  tlsCa: { flag: 'tls-ca', env: 'OCCI_TLS_CA', kind: 'string' },
  x509Header: { flag: 'x509-header', env: 'OCCI_X509_HEADER', kind: 'string' },
  vomsAllow: { flag: 'voms-allow', env: 'OCCI_VOMS_ALLOW', kind: 'list' },
  vomsDeny: { flag: 'voms-deny', env: 'OCCI_VOMS_DENY', kind: 'list' },
  vomsCerts: { flag: 'voms-certs', env: 'OCCI_VOMS_CERTS', kind: 'string' },
  keystoneUrl: { flag: 'keystone-url', env: 'OCCI_KEYSTONE_URL', kind: 'url' },
  keystoneProject: { flag: 'keystone-project', env: 'OCCI_KEYSTONE_PROJECT', kind: 'string' },
  keystoneDomain: { flag: 'keystone-domain', env: 'OCCI_KEYSTONE_DOMAIN', kind: 'string' },
  trustedProxies: { flag: 'trusted-proxies', env: 'OCCI_TRUSTED_PROXIES', kind: 'list' },
  trustProxy: { flag: 'trust-proxy', env: 'OCCI_TRUST_PROXY', kind: 'bool' },
  tenancy: { flag: 'tenancy', env: 'OCCI_TENANCY', kind: 'tenancy' },
  adminUsers: { flag: 'admin-users', env: 'OCCI_ADMIN_USERS', kind: 'list' },
  adminGroups: { flag: 'admin-groups', env: 'OCCI_ADMIN_GROUPS', kind: 'list' },
  identityMap: { flag: 'identity-map', env: 'OCCI_IDENTITY_MAP', kind: 'list' },
  workers: { flag: 'workers', env: 'OCCI_WORKERS', kind: 'workers' },
  adminPort: { flag: 'admin-port', env: 'OCCI_ADMIN_PORT', kind: 'port' },
  adminListen: { flag: 'admin-listen', env: 'OCCI_ADMIN_LISTEN', kind: 'string' },
  rateLimit: { flag: 'rate-limit', env: 'OCCI_RATE_LIMIT', kind: 'rate' },
  rateLimitIp: { flag: 'rate-limit-ip', env: 'OCCI_RATE_LIMIT_IP', kind: 'rate' },
  rateLimitAuthFailures: { flag: 'rate-limit-auth-failures', env: 'OCCI_RATE_LIMIT_AUTH_FAILURES', kind: 'rate' },
  corsOrigins: { flag: 'cors-origins', env: 'OCCI_CORS_ORIGINS', kind: 'list' },
  headersTimeout: { flag: 'headers-timeout', env: 'OCCI_HEADERS_TIMEOUT', kind: 'int' },
  requestTimeout: { flag: 'request-timeout', env: 'OCCI_REQUEST_TIMEOUT', kind: 'int' },
  logLevel: { flag: 'log-level', env: 'OCCI_LOG_LEVEL', kind: 'level' },
};

/** The schemes `auth` may name. */
export const AUTH_SCHEMES = ['none', 'basic', 'oidc', 'x509', 'keystone', 'opennebula'] as const;
