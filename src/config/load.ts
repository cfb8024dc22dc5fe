import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { AUTH_SCHEMES, DEFAULTS, KEYS, SECRET_KEYS, type Config, type Sections } from './schema.js';

/** A configuration problem, with a message naming the key and what is wrong. */
export class ConfigError extends Error {}

export interface Loaded {
  readonly config: Config;
  readonly help: boolean;
  readonly printConfig: boolean;
  /** `--version`: print the version and exit. */
  readonly version: boolean;
}

const CORE_USAGE = `usage: occi-server [options]

  --listen ADDR          address to listen on (OCCI_LISTEN; default 127.0.0.1)
  --port N               TCP port, 0 for a free one (OCCI_PORT; default 8787)
  --config FILE          YAML configuration file (OCCI_CONFIG)
  --public-url URL       absolute URL clients use, e.g. https://cloud.example.org/occi (OCCI_PUBLIC_URL)
  --backend NAME         backend (OCCI_BACKEND; default embedded)
  --backend-timeout MS   time a request may wait for the backend, then 504 (OCCI_BACKEND_TIMEOUT; default 30000)
  --max-page-size N      largest page a client may ask for (OCCI_MAX_PAGE_SIZE; default 1000)
  --max-body-size N      largest request body in bytes (OCCI_MAX_BODY_SIZE; default 1048576)
  --max-header-size N    largest request head in bytes (OCCI_MAX_HEADER_SIZE; default 65536)
  --max-items-per-request N  entities, inline links, locations or mixins in one request, 413 beyond (OCCI_MAX_ITEMS_PER_REQUEST; default 100)
  --max-entities-per-user N  entities one owner may hold, embedded backend, 403 beyond (OCCI_MAX_ENTITIES_PER_USER; default 100000)
  --max-user-mixins N    user mixins one owner may define, 403 beyond (OCCI_MAX_USER_MIXINS; default 1000)
  --max-links-per-resource N  links of one resource, embedded backend, 403 beyond (OCCI_MAX_LINKS_PER_RESOURCE; default 100)
Authentication and isolation:
  --auth LIST            schemes, comma-separated: none,basic,oidc,x509,keystone (OCCI_AUTH; default none)
  --allow-anonymous      allow auth none on an address other than loopback (OCCI_ALLOW_ANONYMOUS)
  --htpasswd FILE        Apache htpasswd file, bcrypt or {SHA} (basic; OCCI_HTPASSWD)
  --oidc-issuer URL      expected token issuer (oidc; OCCI_OIDC_ISSUER)
  --oidc-audience AUD    expected token audience (oidc; OCCI_OIDC_AUDIENCE)
  --oidc-jwks URL|FILE   signing keys; default from the issuer's discovery document (OCCI_OIDC_JWKS)
  --oidc-user-claim C    claim naming the user (OCCI_OIDC_USER_CLAIM; default sub)
  --oidc-groups-claim C  claim listing groups (OCCI_OIDC_GROUPS_CLAIM; default groups)
  --x509-header NAME     client DN header set by a trusted TLS proxy, e.g. SSL_CLIENT_S_DN (OCCI_X509_HEADER)
  --voms-allow LIST      VOMS VOs admitted; empty admits any (OCCI_VOMS_ALLOW)
  --voms-deny LIST       VOMS VOs refused with 403 (OCCI_VOMS_DENY)
  --voms-certs FILE      PEM certificates of trusted VOMS servers (OCCI_VOMS_CERTS)
  --keystone-url URL     Keystone v3 URL validating X-Auth-Token and basic credentials (keystone; OCCI_KEYSTONE_URL)
  --keystone-project P   project basic credentials are scoped to; default: the user's default project (OCCI_KEYSTONE_PROJECT)
  --keystone-domain D    domain of user and project names in basic credentials (OCCI_KEYSTONE_DOMAIN; default Default)
  --tenancy user|group   owner of what a user creates (OCCI_TENANCY; default user)
  --admin-users LIST     users who see everything, scheme:name (a bare name with one scheme) (OCCI_ADMIN_USERS)
  --admin-groups LIST    groups whose members see everything, scheme:group (OCCI_ADMIN_GROUPS)
  --identity-map LIST    scheme:name=scheme:name pairs: the left identity acts as the right one (OCCI_IDENTITY_MAP)
Deployment and operations:
  --tls-cert FILE        PEM certificate: serve HTTPS (OCCI_TLS_CERT)
  --tls-key FILE         PEM private key (OCCI_TLS_KEY)
  --tls-ca FILE          PEM CAs for client certificates (x509; OCCI_TLS_CA)
  --trusted-proxies LIST proxy addresses/CIDRs whose forwarded headers count (OCCI_TRUSTED_PROXIES)
  --trust-proxy          build URLs from X-Forwarded-Proto/-Host, Forwarded (OCCI_TRUST_PROXY)
  --workers N|auto       worker processes; 0 = single process (OCCI_WORKERS; default 0)
  --admin-port N         admin listener: /healthz /readyz /metrics (OCCI_ADMIN_PORT)
  --admin-listen ADDR    admin listener address (OCCI_ADMIN_LISTEN; default 127.0.0.1)
  --rate-limit N/S       requests per user per S seconds, 429 beyond (OCCI_RATE_LIMIT)
  --rate-limit-ip N/S    requests per client address per S seconds (OCCI_RATE_LIMIT_IP)
  --rate-limit-auth-failures N/S  failed authentications per client address, then 429 (OCCI_RATE_LIMIT_AUTH_FAILURES; default 30/60)
  --cors-origins LIST    CORS origins, * for any; off when empty (OCCI_CORS_ORIGINS)
  --headers-timeout MS   time to receive a request head (OCCI_HEADERS_TIMEOUT; default 20000)
  --request-timeout MS   time to receive a whole request (OCCI_REQUEST_TIMEOUT; default 60000)
  --log-level LEVEL      pino level, or silent (OCCI_LOG_LEVEL; default info)
  --print-config         print the effective configuration and exit
  -V, --version          print the version and exit
  -h, --help             this text`;

/** `--help`: the server's options, then each backend's (file keys under `backends.<name>`). */
export function usage(sections: Sections = {}): string {
  const parts = [CORE_USAGE];
  for (const [name, settings] of Object.entries(sections)) {
    parts.push(`Backend ${name} (file: backends.${name}.*):`);
    for (const s of Object.values(settings)) {
      const head = s.flag ? `--${s.flag} ${s.kind === 'bool' ? '' : s.kind.toUpperCase()}`.trimEnd() : `(file) ${Object.keys(settings).find((k) => settings[k] === s)}`;
      const def = s.default !== undefined && typeof s.default !== 'object' ? `; default ${String(s.default)}` : '';
      parts.push(`  ${head.padEnd(22)} ${s.help}${s.env ? ` (${s.env}${def})` : def ? ` (${def.slice(2)})` : ''}`);
    }
  }
  parts.push('Precedence: flags > environment > configuration file > defaults.');
  return parts.join('\n');
}

/** `--help` without backend sections (kept for callers that have none). */
export const USAGE = usage();

/**
 * The only reader of flags, environment and configuration files. `sections`
 * are the backends' own settings (src/backends/registry.ts `backendSettings()`),
 * read into `config.backends.<name>`.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, sections: Sections = {}): Loaded {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, 'print-config': { type: 'boolean' }, version: { type: 'boolean', short: 'V' },
  };
  for (const k of Object.values(KEYS)) if (k.flag) options[k.flag] = { type: k.kind === 'bool' ? 'boolean' : 'string' };
  for (const settings of Object.values(sections)) {
    for (const s of Object.values(settings)) if (s.flag) options[s.flag] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage(sections)}`);
  }
  const config: Config = { ...DEFAULTS, backends: {} };
  const file = (values.config as string | undefined) ?? env.OCCI_CONFIG;
  if (file) applyFile(config, file, sections);
  for (const [key, spec] of Object.entries(KEYS) as Array<[keyof Config, (typeof KEYS)[keyof Config]]>) {
    if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') set(config, key, env[spec.env]!, spec.env);
    const flag = spec.flag ? values[spec.flag] : undefined;
    if (typeof flag === 'string') set(config, key, flag, `--${spec.flag}`);
    if (typeof flag === 'boolean') set(config, key, String(flag), `--${spec.flag}`);
  }
  for (const [name, settings] of Object.entries(sections)) {
    for (const [key, s] of Object.entries(settings)) {
      const section = () => (config.backends[name] ??= {});
      if (s.env && env[s.env] !== undefined && env[s.env] !== '') section()[key] = parseValue(s.kind, env[s.env]!, s.env, s.values);
      const flag = s.flag ? values[s.flag] : undefined;
      if (flag !== undefined) section()[key] = parseValue(s.kind, String(flag), `--${s.flag}`, s.values);
    }
  }
  return { config, help: values.help === true, printConfig: values['print-config'] === true, version: values.version === true };
}

function applyFile(config: Config, file: string, sections: Sections): void {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: expected a mapping of keys`);
  const byFlag = new Map(Object.entries(KEYS).map(([key, spec]) => [spec.flag || key, key as keyof Config]));
  let store: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const key = byFlag.get(name);
    if (!key && name === 'store') {
      store = readStore(value, `${file}: store`, sections);
      continue;
    }
    if (!key) {
      const owner = Object.entries(sections).find(([, settings]) => Object.entries(settings).some(([k, s]) => (s.flag || k) === name));
      if (owner) throw new ConfigError(`${file}: "${name}" belongs to the ${owner[0]} backend: write it under backends: { ${owner[0]}: { ${name}: … } }`);
      throw new ConfigError(`${file}: unknown key "${name}"; known: ${[...byFlag.keys()].join(', ')}`);
    }
    if (key === 'backends') readSections(config, value, `${file}: backends`, sections);
    else if (value !== null && value !== undefined) set(config, key, String(value), `${file}: ${name}`);
  }
  // The top-level `store:` section is every backend's store, unless its own section names one.
  for (const [name, settings] of Object.entries(sections)) {
    for (const [key, v] of Object.entries(store ?? {})) {
      if (!Object.hasOwn(settings, key)) continue;
      const section = (config.backends[name] ??= {});
      section[key] ??= v;
    }
  }
}

/**
 * `store: { type: sqlite|postgres, database-url: … }`: the `--store` and
 * `--database-url` settings the backends declare (as `store` and
 * `databaseUrl`), written once for all of them.
 */
function readStore(value: unknown, where: string, sections: Sections): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: expected a mapping with type, database-url`);
  const declared = Object.values(sections).find((settings) => Object.hasOwn(settings, 'store') && Object.hasOwn(settings, 'databaseUrl'));
  if (!declared) throw new ConfigError(`${where}: no backend keeps a store of its own`);
  const keys: Record<string, string> = { type: 'store', 'database-url': 'databaseUrl' };
  const out: Record<string, unknown> = {};
  for (const [fileKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = keys[fileKey];
    if (!key) throw new ConfigError(`${where}: unknown key "${fileKey}"; known: ${Object.keys(keys).join(', ')}`);
    if (v === null || v === undefined) continue;
    const s = declared[key];
    out[key] = parseValue(s.kind, String(v), `${where}.${fileKey}`, s.values);
  }
  return out;
}

/** `backends: { <name>: { <key>: value } }`: every name and key must be one a backend declares. */
function readSections(config: Config, value: unknown, where: string, sections: Sections): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: expected a mapping of backend names`);
  for (const [name, body] of Object.entries(value as Record<string, unknown>)) {
    const settings = sections[name];
    if (!settings) throw new ConfigError(`${where}: unknown backend "${name}"; known: ${Object.keys(sections).join(', ')}`);
    if (body === null || body === undefined) continue;
    if (typeof body !== 'object' || Array.isArray(body)) throw new ConfigError(`${where}.${name}: expected a mapping of settings`);
    const byKey = new Map(Object.entries(settings).map(([k, s]) => [s.flag || k, [k, s] as const]));
    for (const [fileKey, v] of Object.entries(body as Record<string, unknown>)) {
      const found = byKey.get(fileKey);
      if (!found) throw new ConfigError(`${where}.${name}: unknown key "${fileKey}"; known: ${[...byKey.keys()].join(', ')}`);
      if (v === null || v === undefined) continue;
      const [key, s] = found;
      const section = (config.backends[name] ??= {});
      if (s.kind === 'object') {
        try {
          section[key] = s.read ? s.read(v) : v;
        } catch (err) {
          throw new ConfigError(`${where}.${name}.${(err as Error).message}`);
        }
      } else {
        section[key] = parseValue(s.kind, Array.isArray(v) ? v.join(',') : String(v), `${where}.${name}.${fileKey}`, s.values);
      }
    }
  }
}

function set(config: Config, key: keyof Config, text: string, where: string): void {
  const kind = KEYS[key].kind;
  const bad = (why: string) => new ConfigError(`${where}: ${why}, got "${text}"`);
  switch (kind) {
    case 'auth': {
      const list = splitList(text);
      const unknown = list.find((s) => !(AUTH_SCHEMES as readonly string[]).includes(s));
      if (list.length === 0 || unknown !== undefined) throw bad(`must list schemes among ${AUTH_SCHEMES.join(', ')}`);
      config.auth = [...new Set(list)];
      return;
    }
    case 'tenancy':
      if (text !== 'user' && text !== 'group') throw bad('must be user or group');
      config.tenancy = text;
      return;
    case 'workers':
      if (text === 'auto') config.workers = 'auto';
      else if (/^\d{1,3}$/.test(text)) config.workers = Number(text);
      else throw bad('must be a number of workers or auto');
      return;
    case 'rate':
      if (!/^[1-9]\d{0,8}\/[1-9]\d{0,5}$/.test(text)) throw bad('must be REQUESTS/SECONDS, e.g. 100/60');
      (config[key] as string) = text;
      return;
    case 'level':
      if (!/^(fatal|error|warn|info|debug|trace|silent)$/.test(text)) throw bad('must be fatal, error, warn, info, debug, trace or silent');
      config.logLevel = text;
      return;
    case 'object':
      throw bad('can only be set in the configuration file');
    default: {
      const v = parseValue(kind, text, where);
      (config as unknown as Record<string, unknown>)[key] = key === 'oidcIssuer' ? text : v;
    }
  }
}

/** A value of one of the common kinds, checked; `where` names the flag, variable or file key. */
function parseValue(kind: 'string' | 'port' | 'int' | 'url' | 'bool' | 'list' | 'object', text: string, where: string, values?: readonly string[]): unknown {
  const bad = (why: string) => new ConfigError(`${where}: ${why}, got "${text}"`);
  switch (kind) {
    case 'string':
      if (text.trim() === '') throw bad('must not be empty');
      if (values && !values.includes(text)) throw bad(`must be ${values.join(' or ')}`);
      return text;
    case 'port':
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw bad('must be a port number 0-65535');
      return Number(text);
    case 'int':
      if (!/^[1-9]\d{0,9}$/.test(text)) throw bad('must be a positive integer');
      return Number(text);
    case 'url': {
      let u: URL;
      try {
        u = new URL(text);
      } catch {
        throw bad('must be an absolute http(s) URL');
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('must be an absolute http(s) URL');
      return text.replace(/\/+$/, '');
    }
    case 'bool':
      if (!/^(true|false|1|0|yes|no)$/i.test(text)) throw bad('must be true or false');
      return /^(true|1|yes)$/i.test(text);
    case 'list':
      return splitList(text);
    case 'object':
      throw bad('can only be set in the configuration file');
  }
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Checks that belong to several keys together, run at start: a scheme
 * without what it needs, TLS halves, anonymous access off loopback.
 */
export function checkConfig(config: Config): void {
  const need = (ok: unknown, message: string) => {
    if (!ok) throw new ConfigError(message);
  };
  const on = (s: string) => config.auth.includes(s);
  need(!on('basic') || config.htpasswd, 'auth: basic needs --htpasswd FILE (OCCI_HTPASSWD, key htpasswd)');
  need(!on('oidc') || config.oidcIssuer, 'auth: oidc needs --oidc-issuer URL (OCCI_OIDC_ISSUER, key oidc-issuer)');
  need(!on('keystone') || config.keystoneUrl, 'auth: keystone needs --keystone-url URL (OCCI_KEYSTONE_URL, key keystone-url)');
  need(!on('x509') || (config.tlsCa && config.tlsCert) || config.x509Header, 'auth: x509 needs --tls-cert, --tls-key and --tls-ca (client certificates), or --x509-header with --trusted-proxies');
  need(!config.x509Header || config.trustedProxies.length > 0, 'x509-header: honoured only from --trusted-proxies; list them');
  need(!config.trustProxy || config.trustedProxies.length > 0, 'trust-proxy: needs --trusted-proxies, the addresses whose forwarded headers count');
  need(!config.tlsCert === !config.tlsKey, 'tls-cert and tls-key go together');
  need(!config.tlsCa || config.tlsCert, 'tls-ca: client certificates need the HTTPS listener (--tls-cert, --tls-key)');
  need(config.vomsAllow.length + config.vomsDeny.length === 0 || config.vomsCerts, 'voms-allow/voms-deny: VOs are read only from attribute certificates signed by --voms-certs; list the VOMS servers\' certificates');
  if (on('none') && !config.allowAnonymous && !isLoopback(config.listen)) {
    throw new ConfigError(
      `auth: "none" admits anyone as one anonymous user, and listen is ${config.listen}, not loopback; ` +
        'enable a real scheme with --auth basic|oidc|x509|keystone, or accept it with --allow-anonymous',
    );
  }
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address) || /^::ffff:127\./.test(address);
}

/**
 * The configuration as --print-config shows it, under the file's key names
 * (so it can be fed back with --config): secrets masked, credentials in URLs
 * masked, each backend's section with its defaults filled in.
 */
export function printableConfig(config: Config, sections: Sections = {}): Record<string, unknown> {
  const mask = (v: unknown, secret: boolean | undefined, url: boolean) =>
    secret && v !== undefined ? '********' : url && typeof v === 'string' ? v.replace(/^(\w+:\/\/)[^/@]*@/, '$1********@') : v;
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(KEYS) as Array<[keyof Config, (typeof KEYS)[keyof Config]]>) {
    if (key === 'backends') continue;
    out[spec.flag || key] = mask(config[key], SECRET_KEYS.has(key), spec.kind === 'url') ?? null;
  }
  const backends: Record<string, Record<string, unknown>> = {};
  for (const [name, settings] of Object.entries(sections)) {
    const section: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(settings)) {
      const v = config.backends[name]?.[key] ?? s.default;
      section[s.flag || key] = mask(s.write && v !== undefined ? s.write(v) : v, s.secret, s.kind === 'url') ?? null;
    }
    backends[name] = section;
  }
  out.backends = backends;
  return out;
}

