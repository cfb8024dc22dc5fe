import { createHash } from 'node:crypto';
import type { KeystoneCatalogEntry, KeystoneCredentials } from '../context.js';
import { AuthenticationError, BackendTimeoutError, BackendUnavailableError } from '../errors.js';
import { readBasic } from './_basic-header.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface KeystoneOptions {
  /** Identity API v3 base, e.g. `http://keystone:5000/v3`. */
  readonly url: string;
  /** Project basic credentials are scoped to; without it, the user's default project. */
  readonly project?: string;
  /** Domain of the user and project names in basic credentials (default `Default`). */
  readonly domain?: string;
  /** Milliseconds before a token's expiry when it stops being trusted from the cache. */
  readonly marginMs?: number;
  /** Milliseconds to wait for Keystone. */
  readonly timeoutMs?: number;
}

interface TokenBody {
  token?: {
    user?: { id?: string; name?: string; domain?: { name?: string } };
    project?: { id?: string; name?: string };
    roles?: Array<{ name?: string }>;
    expires_at?: string;
    catalog?: KeystoneCatalogEntry[];
  };
}

/**
 * OpenStack Keystone: `X-Auth-Token` validated by Keystone itself (`GET
 * /v3/auth/tokens` with the token as both `X-Auth-Token` and
 * `X-Subject-Token`, which Keystone's default policy allows for a token's own
 * subject), or HTTP basic credentials of a Keystone user exchanged for a
 * project-scoped token (`POST /v3/auth/tokens`). Either way the token and its
 * service catalog go on as the request's credentials, so a backend calls
 * OpenStack as this user. The user is the Keystone user name, groups are the
 * project (the owner under --tenancy group) and the roles. Tokens are trusted
 * from a cache until shortly before they expire: one Keystone round trip per
 * token, not per request. A 401 tells clients where to get a token:
 * `WWW-Authenticate: Keystone uri="..."` (what rOCCI and IM look for).
 */
export class KeystoneAuthenticator implements Authenticator {
  readonly scheme = 'keystone';
  readonly challenge: string;
  readonly #options: KeystoneOptions;
  readonly #base: string;
  #cache = new Map<string, { identity: Identity; until: number }>();

  constructor(options: KeystoneOptions) {
    this.#options = options;
    this.#base = options.url.replace(/\/$/, '');
    this.challenge = `Keystone uri="${options.url}"`;
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const token = req.headers['x-auth-token']?.trim();
    if (token !== undefined && token !== '') return this.#cached(`token:${token}`, () => this.#validate(token));
    const basic = readBasic(req.headers.authorization);
    if (!basic) return undefined;
    // Keyed by a digest: the cache never holds a password.
    const key = `basic:${createHash('sha256').update(basic.pair).digest('hex')}`;
    return this.#cached(key, () => this.#password(basic.user, basic.password));
  }

  async #cached(key: string, fetchIdentity: () => Promise<Identity>): Promise<Identity> {
    const hit = this.#cache.get(key);
    if (hit && hit.until > Date.now()) return hit.identity;
    const identity = await fetchIdentity();
    const expires = (identity.credentials as KeystoneCredentials).expiresAt;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { identity, until: expires - (this.#options.marginMs ?? 60_000) });
    return identity;
  }

  async #validate(token: string): Promise<Identity> {
    const res = await this.#call('GET', { 'X-Auth-Token': token, 'X-Subject-Token': token });
    if (res.status === 401 || res.status === 403 || res.status === 404) throw new AuthenticationError('Keystone does not accept this token');
    if (!res.ok) throw new BackendUnavailableError(`Keystone at ${this.#options.url} answered ${res.status} validating a token`);
    return identityOf(token, (await res.json()) as TokenBody);
  }

  async #password(user: string, password: string): Promise<Identity> {
    const domain = { name: this.#options.domain ?? 'Default' };
    const scope = this.#options.project ? { project: { name: this.#options.project, domain } } : undefined;
    const body = { auth: { identity: { methods: ['password'], password: { user: { name: user, domain, password } } }, ...(scope ? { scope } : {}) } };
    const res = await this.#call('POST', { 'Content-Type': 'application/json' }, JSON.stringify(body));
    if (res.status === 401 || res.status === 403 || res.status === 404) throw new AuthenticationError('Keystone refuses this user name and password');
    if (!res.ok) throw new BackendUnavailableError(`Keystone at ${this.#options.url} answered ${res.status} to a password login`);
    const token = res.headers.get('x-subject-token');
    if (!token) throw new BackendUnavailableError(`Keystone at ${this.#options.url} issued no token`);
    return identityOf(token, (await res.json()) as TokenBody);
  }

  async #call(method: string, headers: Record<string, string>, body?: string): Promise<Response> {
    try {
      return await fetch(`${this.#base}/auth/tokens`, {
        method, headers: { Accept: 'application/json', ...headers }, body, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new BackendTimeoutError(`Keystone at ${this.#options.url} did not answer in time`, { cause: err });
      throw new BackendUnavailableError(`Keystone at ${this.#options.url} did not answer: ${(err as Error).message}`, { cause: err });
    }
  }
}

function identityOf(token: string, body: TokenBody): Identity {
  const user = body.token?.user?.name ?? body.token?.user?.id;
  if (!user) throw new AuthenticationError('Keystone token without a user');
  const project = body.token?.project?.name ?? body.token?.project?.id;
  const roles = (body.token?.roles ?? []).map((r) => r.name).filter((r): r is string => typeof r === 'string');
  const expiresAt = body.token?.expires_at ? Date.parse(body.token.expires_at) : Date.now() + 3_600_000;
  // The token itself goes on to the backend, which calls OpenStack as this user.
  const credentials: KeystoneCredentials = {
    scheme: 'keystone', token, expiresAt, projectId: body.token?.project?.id, userId: body.token?.user?.id, catalog: body.token?.catalog ?? [],
  };
  return { user, groups: [...(project ? [project] : []), ...roles.map((r) => `role:${r}`)], scheme: 'keystone', credentials };
}
