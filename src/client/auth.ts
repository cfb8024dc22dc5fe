import { HttpError, UsageError } from './errors.js';
import type { HttpResponse, TlsOptions, Transport } from './transport.js';

/**
 * How the client proves who it is. `basic` and `bearer` are headers;
 * `token` is a Keystone token in `X-Auth-Token` (rOCCI-cli's `--auth
 * token`); `keystone` gets such a token itself, from a user name and
 * password, at the Keystone the server names in `WWW-Authenticate: Keystone
 * uri="…"` (or `url`); `x509` is a TLS client certificate, an RFC 3820 proxy
 * chain included.
 */
export type Auth =
  | { readonly type: 'none' }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'token'; readonly token: string }
  | {
    readonly type: 'keystone';
    readonly token?: string;
    readonly username?: string;
    readonly password?: string;
    /** Project to scope the token to (name or id); without it the user's default project, else the first one that works. */
    readonly project?: string;
    /** Domain of the user and project names (default `Default`). */
    readonly domain?: string;
    /** Keystone's URL, when the server does not say it. */
    readonly url?: string;
  }
  | { readonly type: 'x509'; readonly cert: string; readonly key: string; readonly passphrase?: string };

/** The TLS part of an Auth (x509: the certificate chain and key). */
export function tlsOf(auth: Auth): Pick<TlsOptions, 'cert' | 'key' | 'passphrase'> {
  return auth.type === 'x509' ? { cert: auth.cert, key: auth.key, ...(auth.passphrase ? { passphrase: auth.passphrase } : {}) } : {};
}

/**
 * Splits a PEM credential file (rOCCI-cli's `--user-cred`: certificate and
 * key in one file, as a VOMS proxy is) into the certificate chain, in file
 * order, and the private key.
 */
export function splitPem(text: string): { cert: string; key: string | undefined } {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g)];
  const cert = blocks.filter((b) => b[1] === 'CERTIFICATE').map((b) => `${b[0]}\n`).join('');
  const key = blocks.find((b) => /PRIVATE KEY$/.test(b[1]))?.[0];
  return { cert, key: key === undefined ? undefined : `${key}\n` };
}

/** Keystone's challenge in a 401 (`Keystone uri="…"`; `snf-auth` is Synnefo's name for it). */
export function keystoneUri(res: HttpResponse): string | undefined {
  for (const [name, value] of res.rawHeaders) {
    if (name.toLowerCase() !== 'www-authenticate') continue;
    const m = /(?:Keystone|snf-auth)\s+uri\s*=\s*["']([^"']+)["']/i.exec(value);
    if (m) return m[1];
  }
  return undefined;
}

/** Holds the credentials of one client and renews a Keystone token when the server asks for one. */
export class Credentials {
  readonly #auth: Auth;
  readonly #transport: Transport;
  readonly #userAgent: string;
  #token: string | undefined;
  #keystone: string | undefined;

  constructor(auth: Auth, transport: Transport, userAgent: string) {
    this.#auth = auth;
    this.#transport = transport;
    this.#userAgent = userAgent;
    if (auth.type === 'keystone') {
      this.#token = auth.token;
      this.#keystone = auth.url;
    }
    if (auth.type === 'keystone' && auth.token === undefined && (auth.username === undefined || auth.password === undefined)) {
      throw new UsageError('keystone authentication needs a token, or a user name and a password');
    }
  }

  /** Gets a Keystone token before the first request when Keystone's URL is known already. */
  async prepare(): Promise<void> {
    if (this.#auth.type === 'keystone' && this.#token === undefined && this.#keystone !== undefined) {
      this.#token = await this.#login(this.#keystone);
    }
  }

  headers(): Record<string, string> {
    const a = this.#auth;
    if (this.#token !== undefined) return { 'X-Auth-Token': this.#token };
    switch (a.type) {
      case 'basic':
        return { Authorization: `Basic ${Buffer.from(`${a.username}:${a.password}`, 'utf8').toString('base64')}` };
      case 'bearer':
        return { Authorization: `Bearer ${a.token}` };
      case 'token':
        return { 'X-Auth-Token': a.token };
      default:
        return {};
    }
  }

  /**
   * After a 401: true when new credentials were obtained and the request is
   * worth sending again. A server behind Keystone names it in its challenge;
   * user name and password (of `keystone`, or of `basic` as rOCCI-cli falls
   * back) are exchanged there for a token.
   */
  async recover(res: HttpResponse): Promise<boolean> {
    const a = this.#auth;
    const uri = keystoneUri(res);
    if (uri === undefined) return false;
    // Basic credentials go to Keystone only when the server does not take them itself (it would have asked for Basic).
    const basicOffered = res.rawHeaders.some(([n, v]) => n.toLowerCase() === 'www-authenticate' && /^\s*basic\b/i.test(v));
    const fresh = a.type === 'keystone' ? a.token === undefined : a.type === 'basic' && !basicOffered;
    if (!fresh || this.#keystone === uri) return false;
    this.#keystone = uri;
    this.#token = await this.#login(uri);
    return true;
  }

  /** Keystone v3: password → token, scoped to the project asked for, the default one, or the first that works. */
  async #login(uri: string): Promise<string> {
    const a = this.#auth;
    const user = a.type === 'keystone' || a.type === 'basic' ? a : undefined;
    if (!user?.username || !user.password) throw new UsageError(`the server sends clients to Keystone at ${uri}: give a user name and password (or --auth token)`);
    const base = await this.#v3(uri);
    const domain = { name: (a.type === 'keystone' ? a.domain : undefined) ?? 'Default' };
    const project = a.type === 'keystone' ? a.project : undefined;
    const scope = project === undefined ? undefined : { project: /^[0-9a-f]{32}$/.test(project) ? { id: project } : { name: project, domain } };
    const body = { auth: { identity: { methods: ['password'], password: { user: { name: user.username, domain, password: user.password } } }, ...(scope ? { scope } : {}) } };
    const issued = await this.#tokens(base, body);
    if (scope || issued.project) return issued.token;
    // Unscoped: the projects this user may use, the first one that gives a token (rOCCI-cli's way).
    const res = await this.#call('GET', new URL(`${base}/auth/projects`), { 'X-Auth-Token': issued.token });
    const projects = (parse(res) as { projects?: Array<{ id?: string }> }).projects ?? [];
    for (const p of projects) {
      if (p.id === undefined) continue;
      try {
        return (await this.#tokens(base, { auth: { identity: { methods: ['token'], token: { id: issued.token } }, scope: { project: { id: p.id } } } })).token;
      } catch {
        // Not allowed in this project: try the next.
      }
    }
    return issued.token;
  }

  async #tokens(base: string, body: unknown): Promise<{ token: string; project: boolean }> {
    const res = await this.#call('POST', new URL(`${base}/auth/tokens`), { 'Content-Type': 'application/json' }, JSON.stringify(body));
    const token = res.headers['x-subject-token'];
    if (!token) throw new HttpError({ status: res.status, statusText: res.statusText, reason: `Keystone at ${base} issued no token`, method: 'POST', url: `${base}/auth/tokens` });
    const parsed = parse(res) as { token?: { project?: unknown } };
    return { token, project: parsed.token?.project !== undefined };
  }

  /** The v3 API under a Keystone URL: itself when it ends in `/v3`, otherwise found in its version list. */
  async #v3(uri: string): Promise<string> {
    const trimmed = uri.replace(/\/+$/, '');
    if (/\/v3$/.test(trimmed)) return trimmed;
    try {
      const res = await this.#call('GET', new URL(trimmed), {}, undefined, [200, 300]);
      const doc = parse(res) as { version?: Version; versions?: { values?: Version[] } };
      for (const v of [...(doc.versions?.values ?? []), ...(doc.version ? [doc.version] : [])]) {
        const self = v.links?.find((l) => l.rel === 'self')?.href;
        if (v.id?.startsWith('v3') && self) return self.replace(/\/+$/, '');
      }
    } catch {
      // No version list: the usual place.
    }
    return `${trimmed}/v3`;
  }

  async #call(method: string, url: URL, headers: Record<string, string>, body?: string, ok: number[] = [200, 201]): Promise<HttpResponse> {
    const res = await this.#transport.send({ method, url, headers: { Accept: 'application/json', 'User-Agent': this.#userAgent, ...headers }, body });
    if (!ok.includes(res.status)) {
      const what = res.status === 401 ? 'refuses these credentials' : `answered ${res.status} ${res.statusText}`;
      throw new HttpError({ status: res.status, statusText: res.statusText, reason: `Keystone at ${url.origin} ${what}`, method, url: url.href });
    }
    return res;
  }
}

interface Version {
  id?: string;
  links?: Array<{ rel?: string; href?: string }>;
}

function parse(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return {};
  }
}
