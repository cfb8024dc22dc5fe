import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError } from '../errors.js';
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
});
