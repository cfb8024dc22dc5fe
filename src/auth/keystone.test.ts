import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeystoneCredentials } from '../context.js';
import { AuthenticationError, BackendUnavailableError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { KeystoneAuthenticator } from './keystone.js';
import { startKeystone } from './fakes.testing.js';

describeAuthenticator('keystone (fake Keystone on loopback)', async () => {
  const ks = await startKeystone({ 'tok-alice': { user: 'alice', project: 'demo', roles: ['member'] } });
  return {
    authenticator: new KeystoneAuthenticator({ url: ks.url }),
    good: { headers: { 'x-auth-token': 'tok-alice' } },
    user: 'alice',
    groups: ['demo', 'role:member'],
    wrong: { 'unknown token': { headers: { 'x-auth-token': 'tok-nobody' } } },
    close: () => ks.close(),
  };
});

describe('KeystoneAuthenticator', () => {
  it('challenges with the Keystone URL, caches validated tokens, and says 503 when Keystone is down', async () => {
    const ks = await startKeystone({ t1: { user: 'bob', project: 'p', roles: [] } });
    const a = new KeystoneAuthenticator({ url: ks.url });
    assert.equal(a.challenge, `Keystone uri="${ks.url}"`);
    await a.authenticate({ headers: { 'x-auth-token': 't1' } });
    await a.authenticate({ headers: { 'x-auth-token': 't1' } });
    assert.equal(ks.calls(), 1);
    await ks.close();
    await assert.rejects(new KeystoneAuthenticator({ url: ks.url }).authenticate({ headers: { 'x-auth-token': 't1' } }), BackendUnavailableError);
  });

  it('passes the token and its catalog on as credentials, for the backend to call OpenStack as the user', async () => {
    const ks = await startKeystone({ t1: { user: 'bob', project: 'p', roles: [] } });
    try {
      const who = await new KeystoneAuthenticator({ url: ks.url }).authenticate({ headers: { 'x-auth-token': 't1' } });
      const creds = who!.credentials as KeystoneCredentials;
      assert.deepEqual([creds.scheme, creds.token, creds.projectId, creds.catalog[0].type], ['keystone', 't1', 'p-p', 'compute']);
      assert.ok(creds.expiresAt > Date.now() + 3_000_000);
    } finally {
      await ks.close();
    }
  });

  it('exchanges basic credentials of a Keystone user for a project-scoped token, once, and refuses a wrong password', async () => {
    const ks = await startKeystone({}, { carol: { password: 'pw', project: 'home' } });
    try {
      const a = new KeystoneAuthenticator({ url: ks.url, project: 'science' });
      const basic = (user: string, pw: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` } });
      const who = await a.authenticate(basic('carol', 'pw'));
      assert.deepEqual([who!.user, who!.groups[0]], ['carol', 'science']);
      assert.match((who!.credentials as KeystoneCredentials).token, /^tok-carol-/);
      await a.authenticate(basic('carol', 'pw'));
      assert.equal(ks.calls(), 1, 'the token is reused until shortly before it expires');
      await assert.rejects(a.authenticate(basic('carol', 'nope')), AuthenticationError);
      assert.equal(await a.authenticate({ headers: {} }), undefined);
    } finally {
      await ks.close();
    }
  });
});
