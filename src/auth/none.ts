import type { Authenticator, Identity } from './authenticator.js';

const ANONYMOUS_IDENTITY: Identity = Object.freeze({ user: 'anonymous', groups: [], scheme: 'none' });

/**
 * No authentication: every request is the one user `anonymous`. Enabled with
 * other schemes it admits whoever brings no credentials (wrong credentials are
 * still refused by their scheme).
 */
export class NoneAuthenticator implements Authenticator {
  readonly scheme = 'none';
  readonly challenge = '';
  async authenticate(): Promise<Identity> {
    return ANONYMOUS_IDENTITY;
  }
}
