import { ANONYMOUS, type RequestContext } from '../context.js';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface GateOptions {
  readonly authenticators: readonly Authenticator[];
  /** `user`: each user owns their entities; `group`: a user's first group owns them (shared within it). */
  readonly tenancy: 'user' | 'group';
  /**
   * Users who see and touch everything: `scheme:name` (`oidc:root`), or a
   * bare name when one scheme (besides `none`) is enabled.
   */
  readonly adminUsers: readonly string[];
  /** Groups whose members see and touch everything, written as `adminUsers`. */
  readonly adminGroups: readonly string[];
  /**
   * `from=to` pairs of qualified identities (`oidc:alice=basic:alice`): what
   * `from` proves acts as `to` (owner and admin lists). Only where an operator says so.
   */
  readonly identityMap?: readonly string[];
}

/** Every scheme's config name: a prefix `scheme:` names the scheme that proves an identity. */
const SCHEMES = new Set(['none', 'basic', 'oidc', 'x509', 'keystone', 'opennebula']);

/**
 * The enabled schemes in order: the first that proves a user wins; wrong
 * credentials for any scheme are a 401 (never a silent fall-back to
 * anonymous); no credentials at all are a 401 unless `none` is enabled.
 * Every 401 carries the challenge of each enabled scheme.
 */
export class AuthGate {
  readonly #options: GateOptions;
  readonly challenges: readonly string[];

  readonly #map = new Map<string, string>();
  /** The one scheme besides `none`, when only one is enabled: bare names in the admin lists are its. */
  readonly #sole: string | undefined;

  constructor(options: GateOptions) {
    this.#options = options;
    this.challenges = options.authenticators.map((a) => a.challenge).filter((c) => c !== '');
    const real = [...new Set(options.authenticators.map((a) => a.scheme).filter((s) => s !== 'none'))];
    this.#sole = real.length === 1 ? real[0] : undefined;
    if (real.length > 1) {
      const bare = [...options.adminUsers, ...options.adminGroups].filter((e) => !qualified(e));
      if (bare.length > 0) {
        throw new Error(
          `admin-users/admin-groups: ${bare.map((e) => `"${e}"`).join(', ')} could be proved by ${real.join(' or ')}; ` +
            `name the scheme, e.g. ${real.map((r) => `${r}:${bare[0]}`).join(' or ')}`,
        );
      }
    }
    for (const pair of options.identityMap ?? []) {
      const eq = pair.indexOf('=');
      const [from, to] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (eq < 0 || !qualified(from) || !qualified(to)) throw new Error(`identity-map: "${pair}" must be scheme:name=scheme:name, e.g. oidc:alice=basic:alice`);
      this.#map.set(from, to);
    }
  }

  get schemes(): string[] {
    return this.#options.authenticators.map((a) => a.scheme);
  }

  async identify(req: AuthRequest): Promise<Identity> {
    let anonymous: Identity | undefined;
    for (const a of this.#options.authenticators) {
      let who: Identity | undefined;
      try {
        who = await a.authenticate(req);
      } catch (err) {
        if (err instanceof AuthenticationError) throw new AuthenticationError(`${a.scheme}: ${err.message}`, this.challenges);
        if (err instanceof ForbiddenUserError) throw err;
        throw err;
      }
      if (!who) continue;
      if (a.scheme === 'none') {
        anonymous = who;
        continue;
      }
      return who;
    }
    if (anonymous) return anonymous;
    throw new AuthenticationError(`authentication required (${this.schemes.join(', ')})`, this.challenges, { presented: false });
  }

  /**
   * The backend's view of an identity: owner by tenancy, admin by list. Both
   * are qualified by the scheme that proved the identity (`basic:alice`,
   * `group:oidc:ops`), so no scheme can name itself into another's user,
   * group or admin entry (an OIDC `sub` of "alice" is not basic alice); the
   * `none` scheme's user is `anonymous`, as without authentication.
   */
  contextFor(who: Identity): RequestContext {
    const { tenancy, adminUsers, adminGroups } = this.#options;
    const id = who.scheme === 'none' ? ANONYMOUS.owner : `${who.scheme}:${who.user}`;
    const acting = this.#map.get(id) ?? id;
    const scheme = acting === id ? who.scheme : acting.slice(0, acting.indexOf(':'));
    const groups = who.groups.map((g) => `${who.scheme}:${g}`);
    const owner = tenancy === 'group' && groups.length > 0 ? `group:${groups[0]}` : acting;
    const listed = (list: readonly string[], name: string, bare: string) =>
      list.includes(name) || (this.#sole === scheme && list.includes(bare));
    const admin = who.scheme !== 'none' && (listed(adminUsers, acting, acting.slice(scheme.length + 1)) || who.groups.some((g, i) => listed(adminGroups, groups[i], g)));
    return who.credentials ? { user: who.user, owner, admin, credentials: who.credentials } : { user: who.user, owner, admin };
  }

  async context(req: AuthRequest): Promise<{ ctx: RequestContext; identity: Identity }> {
    const identity = await this.identify(req);
    return { ctx: this.contextFor(identity), identity };
  }

  close(): void {
    for (const a of this.#options.authenticators) a.close?.();
  }
}

/** `basic:root`, `oidc:ops`: a name with the scheme that proves it. */
function qualified(entry: string): boolean {
  const colon = entry.indexOf(':');
  return colon > 0 && SCHEMES.has(entry.slice(0, colon));
}
