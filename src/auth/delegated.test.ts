import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BasicCredentials } from '../context.js';
import { AuthenticationError, BackendUnavailableError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { DelegatedAuthenticator, type CheckCredentials } from './delegated.js';
import { createAuth } from './registry.js';

const header = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });

/** A cloud that knows alice's password and counts how often it is asked. */
function cloud(): { check: CheckCredentials; asked: BasicCredentials[] } {
  const asked: BasicCredentials[] = [];
  return {
    asked,
    check: async (c) => {
      asked.push(c);
      return c.user === 'alice' && c.password === 'alice-pw' ? { user: 'alice', groups: ['users'] } : undefined;
    },
  };
}

describeAuthenticator('opennebula (delegated to a fake cloud)', async () => ({
  authenticator: new DelegatedAuthenticator({ scheme: 'opennebula', check: cloud().check }),
  good: header('alice', 'alice-pw'),
  user: 'alice',
  groups: ['users'],
  wrong: {
    'wrong password': header('alice', 'nope'),
    'unknown user': header('mallory', 'alice-pw'),
    'no colon': { headers: { authorization: `Basic ${Buffer.from('alice').toString('base64')}` } },
  },
  close: async () => {},
}));

describe('DelegatedAuthenticator', () => {
  it('hands the credentials on to the backend and asks the cloud once per TTL, keyed by a digest', async () => {
    const c = cloud();
    let now = 1_000;
    const a = new DelegatedAuthenticator({ scheme: 'opennebula', check: c.check, ttlMs: 50, now: () => now });
    const who = await a.authenticate(header('alice', 'alice-pw'));
    assert.deepEqual(who?.credentials, { scheme: 'basic', user: 'alice', password: 'alice-pw' });
    assert.equal(who?.scheme, 'opennebula');
    await a.authenticate(header('alice', 'alice-pw'));
    assert.equal(c.asked.length, 1, 'the second request is served from the cache');
    await assert.rejects(a.authenticate(header('alice', 'changed')), AuthenticationError);
    assert.equal(c.asked.length, 2, 'another password is asked again');
    now += 49;
    await a.authenticate(header('alice', 'alice-pw'));
    assert.equal(c.asked.length, 2, 'still trusted just before the TTL ends');
    now += 1;
    await a.authenticate(header('alice', 'alice-pw'));
    assert.equal(c.asked.length, 3, 'asked again once the TTL has passed');
  });

  it('never keeps a password in its cache', async () => {
    const a = new DelegatedAuthenticator({ scheme: 'opennebula', check: cloud().check });
    await a.authenticate(header('alice', 'alice-pw'));
    const inside = JSON.stringify([...Object.values(a)]) + JSON.stringify(a);
    assert.doesNotMatch(inside, /alice-pw/);
  });

  it('lets a cloud that cannot answer fail the request (503), and passes over requests without Basic', async () => {
    const a = new DelegatedAuthenticator({ scheme: 'opennebula', check: async () => { throw new BackendUnavailableError('oned is unreachable'); } });
    await assert.rejects(a.authenticate(header('alice', 'alice-pw')), BackendUnavailableError);
    assert.equal(await a.authenticate({ headers: { authorization: 'Bearer x' } }), undefined);
  });

  it('is enabled by createAuth only with a delegate (the backend that checks passwords)', async () => {
    const settings = {
      auth: ['opennebula'], oidcUserClaim: 'sub', oidcGroupsClaim: 'groups', trustedProxies: [], vomsAllow: [], vomsDeny: [],
      keystoneDomain: 'Default', tenancy: 'user' as const, adminUsers: [], adminGroups: [],
    };
    await assert.rejects(createAuth(settings), /opennebula needs --backend opennebula/);
    const gate = await createAuth({ ...settings, delegate: cloud().check });
    assert.deepEqual(gate.schemes, ['opennebula']);
    gate.close();
  });
});
