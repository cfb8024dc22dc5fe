/**
 * The contract every authentication scheme passes: call
 * `describeAuthenticator()` from the scheme's test with a factory that sets up
 * the scheme against real components (files, a JWKS server, a fake Keystone).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import type { Authenticator, AuthRequest } from './authenticator.js';

export interface AuthFixture {
  readonly authenticator: Authenticator;
  /** A request that proves `user`. */
  readonly good: AuthRequest;
  readonly user: string;
  /** Groups `good` carries, when the scheme has groups. */
  readonly groups?: readonly string[];
  /** Requests with wrong credentials of this scheme: 401. */
  readonly wrong: Readonly<Record<string, AuthRequest>>;
  /** Requests of proven users this scheme refuses: 403. */
  readonly refused?: Readonly<Record<string, AuthRequest>>;
  /** Tears down servers and files. */
  close(): Promise<void>;
}

export function describeAuthenticator(name: string, setup: () => Promise<AuthFixture>): void {
  describe(`Authenticator contract: ${name}`, () => {
    let f: AuthFixture;
    before(async () => {
      f = await setup();
    });
    after(async () => {
      f.authenticator.close?.();
      await f.close();
    });

    it('names its scheme and, unless it is none, a WWW-Authenticate challenge', () => {
      assert.match(f.authenticator.scheme, /^(none|basic|oidc|x509|keystone|opennebula)$/);
      if (f.authenticator.scheme !== 'none') assert.match(f.authenticator.challenge, /^[A-Za-z0-9-]+( |$)/);
    });

    it('admits the right user with the right name and groups', async () => {
      const who = await f.authenticator.authenticate(f.good);
      assert.ok(who, 'an identity');
      assert.equal(who.user, f.user);
      assert.equal(who.scheme, f.authenticator.scheme);
      if (f.groups) assert.deepEqual([...who.groups].sort(), [...f.groups].sort());
    });

    it('admits the same user again (cached or not)', async () => {
      assert.equal((await f.authenticator.authenticate(f.good))?.user, f.user);
    });

    it('passes over a request without its credentials', async () => {
      if (f.authenticator.scheme === 'none') return;
      assert.equal(await f.authenticator.authenticate({ headers: {}, remoteAddress: '127.0.0.1' }), undefined);
    });

    it('refuses wrong credentials with AuthenticationError (401)', async () => {
      for (const [why, req] of Object.entries(f.wrong)) {
        await assert.rejects(f.authenticator.authenticate(req), AuthenticationError, why);
      }
    });

    it('refuses proven but unwelcome users with ForbiddenUserError (403)', async () => {
      for (const [why, req] of Object.entries(f.refused ?? {})) {
        await assert.rejects(f.authenticator.authenticate(req), ForbiddenUserError, why);
      }
    });
  });
}
