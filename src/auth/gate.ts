import type { RequestContext } from '../context.js';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface GateOptions {
  readonly authenticators: readonly Authenticator[];
  /** `user`: each user owns their entities; `group`: a user's first group owns them (shared within it). */
  readonly tenancy: 'user' | 'group';
  /** Users who see and touch everything. */
  readonly adminUsers: readonly string[];
  /** Groups whose members see and touch everything. */
  readonly adminGroups: readonly string[];
}

/**
 * The enabled schemes in order: the first that proves a user wins; wrong
 * credentials for any scheme are a 401 (never a silent fall-back to
 * anonymous); no credentials at all are a 401 unless `none` is enabled.
 * Every 401 carries the challenge of each enabled scheme.
 */
export class AuthGate {
  readonly #options: GateOptions;
  readonly challenges: readonly string[];

  constructor(options: GateOptions) {
    this.#options = options;
    this.challenges = options.authenticators.map((a) => a.challenge).filter((c) => c !== '');
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
    throw new AuthenticationError(`authentication required (${this.schemes.join(', ')})`, this.challenges);
  }

  /** The backend's view of an identity: owner by tenancy, admin by list. */
  contextFor(who: Identity): RequestContext {
    const { tenancy, adminUsers, adminGroups } = this.#options;
    const owner = tenancy === 'group' && who.groups.length > 0 ? `group:${who.groups[0]}` : who.user;
    const admin = adminUsers.includes(who.user) || who.groups.some((g) => adminGroups.includes(g));
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
