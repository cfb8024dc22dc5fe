import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, ForbiddenUserError } from '../errors.js';
import type { Authenticator, AuthRequest, Identity } from './authenticator.js';
import { AuthGate } from './gate.js';
import { NoneAuthenticator } from './none.js';

/** A scheme that admits `X-Who: <user>[;group,...]`, refuses `X-Who: bad`, forbids `X-Who: banned`. */
function fake(scheme: string, challenge: string): Authenticator {
  return {
    scheme,
    challenge,
    async authenticate(req: AuthRequest): Promise<Identity | undefined> {
      const who = req.headers[`x-${scheme}`];
      if (who === undefined) return undefined;
      if (who === 'bad') throw new AuthenticationError('bad');
      if (who === 'banned') throw new ForbiddenUserError('banned');
      const [user, groups = ''] = who.split(';');
      return { user, groups: groups.split(',').filter(Boolean), scheme };
    },
  };
}

const opts = { tenancy: 'user' as const, adminUsers: ['oidc:root'], adminGroups: ['oidc:ops'] };

describe('AuthGate', () => {
  const gate = new AuthGate({ ...opts, authenticators: [fake('basic', 'Basic realm="x"'), fake('oidc', 'Bearer realm="x"')] });

  it('identify() takes the first scheme that proves a user', async () => {
    assert.equal((await gate.identify({ headers: { 'x-oidc': 'carol' } })).scheme, 'oidc');
    assert.equal((await gate.identify({ headers: { 'x-basic': 'alice', 'x-oidc': 'carol' } })).user, 'alice');
  });

  it('identify() answers 401 with every challenge when no scheme proves a user, or credentials are wrong', async () => {
    for (const headers of [{}, { 'x-basic': 'bad' }, { 'x-oidc': 'bad' }]) {
      await assert.rejects(gate.identify({ headers }), (e: unknown) => {
        assert.ok(e instanceof AuthenticationError);
        assert.deepEqual(e.challenges, ['Basic realm="x"', 'Bearer realm="x"']);
        return true;
      });
    }
  });

  it('identify() lets a 403 through', async () => {
    await assert.rejects(gate.identify({ headers: { 'x-oidc': 'banned' } }), ForbiddenUserError);
  });

  it('identify() falls back to anonymous with none enabled, but never over wrong credentials', async () => {
    const open = new AuthGate({ ...opts, authenticators: [fake('basic', 'Basic realm="x"'), new NoneAuthenticator()] });
    assert.equal((await open.identify({ headers: {} })).user, 'anonymous');
    assert.equal((await open.identify({ headers: { 'x-basic': 'alice' } })).user, 'alice');
    await assert.rejects(open.identify({ headers: { 'x-basic': 'bad' } }), AuthenticationError);
    assert.deepEqual(open.challenges, ['Basic realm="x"']);
  });

  it('contextFor() makes the owner the user, or the first group under group tenancy, and admins from lists', () => {
    assert.deepEqual(gate.contextFor({ user: 'alice', groups: ['g1'], scheme: 'oidc' }), { user: 'alice', owner: 'oidc:alice', admin: false });
    assert.equal(gate.contextFor({ user: 'root', groups: [], scheme: 'oidc' }).admin, true);
    assert.equal(gate.contextFor({ user: 'dave', groups: ['ops'], scheme: 'oidc' }).admin, true);
    const grouped = new AuthGate({ ...opts, tenancy: 'group', authenticators: [] });
    assert.equal(grouped.contextFor({ user: 'alice', groups: ['g1', 'g2'], scheme: 'oidc' }).owner, 'group:oidc:g1');
    assert.equal(grouped.contextFor({ user: 'alice', groups: [], scheme: 'oidc' }).owner, 'oidc:alice');
  });

  it('contextFor() qualifies every identity by the scheme that proved it: no scheme names itself into another\'s user, group or admin entry (issue 13 §5)', () => {
    const both = new AuthGate({ tenancy: 'group', adminUsers: ['basic:root'], adminGroups: ['basic:ops'], authenticators: [fake('basic', 'B'), fake('oidc', 'O'), new NoneAuthenticator()] });
    const ctx = (user: string, scheme: string, groups: string[] = []) => both.contextFor({ user, groups, scheme });
    assert.notEqual(ctx('alice', 'oidc').owner, ctx('alice', 'basic').owner, 'OIDC alice is not basic alice');
    assert.notEqual(ctx('group:ops', 'oidc').owner, ctx('bob', 'oidc', ['ops']).owner, 'a sub of "group:ops" is not the ops group');
    assert.notEqual(ctx('group:ops', 'oidc').owner, ctx('bob', 'basic', ['ops']).owner);
    assert.equal(ctx('root', 'basic').admin, true);
    assert.equal(ctx('root', 'oidc').admin, false, 'an OIDC sub of "root" is not basic root');
    assert.equal(ctx('carol', 'oidc', ['ops']).admin, false, 'an OIDC group "ops" is not the basic group');
    assert.equal(ctx('anonymous', 'none').owner, 'anonymous');
    assert.notEqual(ctx('anonymous', 'basic').owner, 'anonymous', 'a basic user called anonymous is not the none scheme\'s');
    assert.throws(() => new AuthGate({ ...opts, adminUsers: ['root'], authenticators: [fake('basic', 'B'), fake('oidc', 'O')] }), /"root" could be proved by basic or oidc; name the scheme/);
    const one = new AuthGate({ ...opts, adminUsers: ['root'], adminGroups: ['ops'], authenticators: [fake('basic', 'B'), new NoneAuthenticator()] });
    assert.equal(one.contextFor({ user: 'root', groups: [], scheme: 'basic' }).admin, true, 'a bare name with one scheme is its');
    const mapped = new AuthGate({ ...opts, identityMap: ['oidc:alice=basic:alice'], authenticators: [fake('basic', 'B'), fake('oidc', 'O')] });
    assert.equal(mapped.contextFor({ user: 'alice', groups: [], scheme: 'oidc' }).owner, 'basic:alice', 'only where an operator says so');
    assert.equal(mapped.contextFor({ user: 'bob', groups: [], scheme: 'oidc' }).owner, 'oidc:bob');
    assert.throws(() => new AuthGate({ ...opts, identityMap: ['alice=bob'], authenticators: [] }), /identity-map/);
  });
});
