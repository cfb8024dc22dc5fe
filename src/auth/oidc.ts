import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError, BackendUnavailableError } from '../errors.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';

export interface OidcOptions {
  /** Expected `iss`, exactly as the issuer writes it. */
  readonly issuer: string;
  /** Expected `aud`; any audience when unset. */
  readonly audience?: string;
  /** JWKS URL (http/https) or file; unset: the issuer's discovery document names it. */
  readonly jwks?: string;
  readonly userClaim?: string;
  readonly groupsClaim?: string;
  readonly realm?: string;
}

/**
 * OpenID Connect bearer tokens (RFC 6750): a JWT in `Authorization: Bearer`,
 * its signature checked against the issuer's JWKS (fetched and cached by
 * jose, re-fetched on an unknown `kid`; a file is re-read when it changes),
 * then `iss`, `aud`, `exp` and `nbf` (30 s of clock skew allowed).
 */
export class OidcAuthenticator implements Authenticator {
  readonly scheme = 'oidc';
  readonly challenge: string;
  readonly #options: OidcOptions;
  #keys: JWTVerifyGetKey | undefined;
  #fileStamp = '';

  constructor(options: OidcOptions) {
    this.#options = options;
    this.challenge = `Bearer realm="${options.realm ?? 'occi-server'}"`;
  }

  async authenticate(req: AuthRequest): Promise<Identity | undefined> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      if (/^Bearer\b/i.test(req.headers.authorization ?? '')) throw new AuthenticationError('malformed Bearer credentials');
      return undefined;
    }
    const keys = await this.#keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1], keys, {
        issuer: this.#options.issuer,
        ...(this.#options.audience ? { audience: this.#options.audience } : {}),
        clockTolerance: 30,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new AuthenticationError(`invalid token: ${describe(err)}`);
    }
    const claim = this.#options.userClaim ?? 'sub';
    const user = payload[claim];
    if (typeof user !== 'string' || user === '') throw new AuthenticationError(`the token has no ${claim} claim`);
    return { user, groups: groupsOf(payload[this.#options.groupsClaim ?? 'groups']), scheme: 'oidc' };
  }

  async #keySet(): Promise<JWTVerifyGetKey> {
    const source = this.#options.jwks;
    if (source !== undefined && !/^https?:\/\//.test(source)) {
      const s = await stat(source);
      const stamp = `${s.size}:${s.mtimeMs}`;
      if (!this.#keys || stamp !== this.#fileStamp) {
        this.#keys = createLocalJWKSet(JSON.parse(await readFile(source, 'utf8')));
        this.#fileStamp = stamp;
      }
      return this.#keys;
    }
    if (!this.#keys) this.#keys = createRemoteJWKSet(new URL(source ?? (await discoverJwks(this.#options.issuer))), { timeoutDuration: 5000 });
    return this.#keys;
  }
}

/** OpenID Connect Discovery 1.0 §4: the issuer's configuration names `jwks_uri`. */
async function discoverJwks(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (typeof doc.jwks_uri !== 'string') throw new Error('no jwks_uri');
    return doc.jwks_uri;
  } catch (err) {
    throw new BackendUnavailableError(`cannot read the OIDC issuer's configuration at ${url}: ${(err as Error).message}`);
  }
}

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  return err instanceof Error ? err.message : String(err);
}
