import { AuthenticationError, BackendUnavailableError } from '../errors.js';
import type { KeystoneCredentials } from '../context.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface KeystoneOptions {
  /** Identity API v3 base, e.g. `http://keystone:5000/v3`. */
  readonly url: string;
  /** Milliseconds a validated token is trusted before asking again (never past its expiry). */
  readonly cacheMs?: number;
}

interface TokenBody {
  token?: {
    user?: { id?: string; name?: string; domain?: { name?: string } };
    project?: { id?: string; name?: string };
    roles?: Array<{ name?: string }>;
    expires_at?: string;
  };
}

/**
 * OpenStack Keystone tokens: `X-Auth-Token` validated by Keystone itself
 * (`GET /v3/auth/tokens` with the token as both `X-Auth-Token` and
 * `X-Subject-Token`, which Keystone's default policy allows for a token's own
 * subject). The user is the Keystone user name, groups are the project (the
 * owner under --tenancy group) and the roles. A 401 tells clients where to
 * get a token: `WWW-Authenticate: Keystone uri="..."` (what rOCCI and
 * OpenStack's OCCI clients look for).
 */
export class KeystoneAuthenticator implements Authenticator {
  readonly scheme = 'keystone';
  readonly challenge: string;
  readonly #options: KeystoneOptions;
  #cache = new Map<string, { identity: Identity; until: number }>();

  constructor(options: KeystoneOptions) {
    this.#options = options;
    this.challenge = `Keystone uri="${options.url}"`;
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const token = req.headers['x-auth-token']?.trim();
    if (token === undefined || token === '') return undefined;
    const hit = this.#cache.get(token);
    if (hit && hit.until > Date.now()) return hit.identity;
    let res: Response;
    try {
      res = await fetch(`${this.#options.url.replace(/\/$/, '')}/auth/tokens`, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new BackendUnavailableError(`Keystone at ${this.#options.url} did not answer: ${(err as Error).message}`);
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) throw new AuthenticationError('Keystone does not accept this token');
    if (!res.ok) throw new BackendUnavailableError(`Keystone answered ${res.status} validating a token`);
    const body = (await res.json()) as TokenBody;
    const user = body.token?.user?.name ?? body.token?.user?.id;
    if (!user) throw new AuthenticationError('Keystone token without a user');
    const project = body.token?.project?.name ?? body.token?.project?.id;
    const roles = (body.token?.roles ?? []).map((r) => r.name).filter((r): r is string => typeof r === 'string');
    const expires = body.token?.expires_at ? Date.parse(body.token.expires_at) : Number.POSITIVE_INFINITY;
    // The token itself goes on to the backend, which calls OpenStack as this user.
    const credentials: KeystoneCredentials = { scheme: 'keystone', token, expiresAt: expires, projectId: body.token?.project?.id };
    const identity: Identity = { user, groups: [...(project ? [project] : []), ...roles.map((r) => `role:${r}`)], scheme: 'keystone', credentials };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(token, { identity, until: Math.min(expires, Date.now() + (this.#options.cacheMs ?? 60_000)) });
    return identity;
  }
}
