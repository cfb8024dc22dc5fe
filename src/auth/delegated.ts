import { createHash } from 'node:crypto';
import type { BasicCredentials } from '../context.js';
import { AuthenticationError } from '../errors.js';
import { readBasic } from './_basic-header.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

/** Asks the cloud who basic credentials prove: undefined when it refuses them; throws when it cannot answer (503/504). */
export type CheckCredentials = (credentials: BasicCredentials, signal?: AbortSignal) => Promise<{ user: string; groups: string[] } | undefined>;

export interface DelegatedOptions {
  /** The scheme's config name (`opennebula`). */
  readonly scheme: string;
  /** Who checks the password: the backend's `authenticate` (src/cli/start.ts hands it over). */
  readonly check: CheckCredentials;
  /** Milliseconds a proven user:password pair is trusted without asking again (default 60 s). */
  readonly ttlMs?: number;
  /** Milliseconds to wait for the check (default 10 s). */
  readonly timeoutMs?: number;
  readonly realm?: string;
  /** Clock (tests). */
  readonly now?: () => number;
}

/**
 * HTTP Basic (RFC 7617) checked by the cloud itself, for a backend whose
 * users sign in with their cloud name and password (OpenNebula's oned checks
 * them with one.user.info). The credentials go on to the backend as
 * `BasicCredentials`, so it calls the cloud as that user. A success is
 * remembered for `ttlMs`, keyed by a SHA-256 digest of user and password:
 * the cache never holds a password, and a changed password is asked again.
 */
export class DelegatedAuthenticator implements Authenticator {
  readonly scheme: string;
  readonly challenge: string;
  readonly #options: DelegatedOptions;
  #proven = new Map<string, { user: string; groups: string[]; until: number }>();

  constructor(options: DelegatedOptions) {
    this.#options = options;
    this.scheme = options.scheme;
    this.challenge = `Basic realm="${options.realm ?? 'occi-server'}", charset="UTF-8"`;
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const basic = readBasic(req.headers.authorization);
    if (!basic) return undefined;
    const credentials: BasicCredentials = { scheme: 'basic', user: basic.user, password: basic.password };
    const key = createHash('sha256').update(basic.pair).digest('hex');
    const now = this.#options.now ?? Date.now;
    let hit = this.#proven.get(key);
    if (!hit || hit.until <= now()) {
      const who = await this.#options.check(credentials, AbortSignal.timeout(this.#options.timeoutMs ?? 10_000));
      if (!who) {
        this.#proven.delete(key);
        throw new AuthenticationError(`${this.scheme} does not accept this user name and password`);
      }
      if (this.#proven.size > 10_000) this.#proven.clear();
      hit = { user: who.user, groups: who.groups, until: now() + (this.#options.ttlMs ?? 60_000) };
      this.#proven.set(key, hit);
    }
    return { user: hit.user, groups: hit.groups, scheme: this.scheme, credentials };
  }
}
