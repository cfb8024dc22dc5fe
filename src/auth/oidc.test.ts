import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateKeyPair } from 'jose';
import { AuthenticationError } from '../errors.js';
import { describeAuthenticator } from './authenticator.contract.js';
import { OidcAuthenticator } from './oidc.js';
import { startIssuer } from './fakes.testing.js';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describeAuthenticator('oidc (JWKS by discovery)', async () => {
  const idp = await startIssuer();
  const { privateKey: stranger } = await generateKeyPair('ES256');
  return {
    authenticator: new OidcAuthenticator({ issuer: idp.issuer, audience: 'occi' }),
    good: bearer(await idp.sign({ sub: 'alice', groups: ['vo1', 'ops'] })),
    user: 'alice',
    groups: ['vo1', 'ops'],
    wrong: {
      expired: bearer(await idp.sign({ sub: 'alice' }, { exp: '-5m' })),
      'other issuer': bearer(await idp.sign({ sub: 'alice' }, { iss: 'https://evil.example.org' })),
      'other audience': bearer(await idp.sign({ sub: 'alice' }, { aud: 'someone-else' })),
      'foreign key': bearer(await idp.sign({ sub: 'alice' }, { key: stranger })),
      'not a JWT': bearer('abc.def'),
      'no sub': bearer(await idp.sign({ name: 'alice' })),
    },
    close: () => idp.close(),
  };
});

describe('OidcAuthenticator', () => {
  it('reads keys from a JWKS URL or a JWKS file, and users and groups from configured claims', async () => {
    const idp = await startIssuer();
    const dir = mkdtempSync(join(tmpdir(), 'occi-oidc-'));
    try {
      const file = join(dir, 'jwks.json');
      writeFileSync(file, JSON.stringify({ keys: [idp.jwks] }));
      const token = await idp.sign({ sub: 'x1', preferred_username: 'alice', roles: 'a b' });
      for (const jwks of [`${idp.issuer}/jwks`, file]) {
        const a = new OidcAuthenticator({ issuer: idp.issuer, jwks, userClaim: 'preferred_username', groupsClaim: 'roles' });
        assert.deepEqual(await a.authenticate(bearer(token)), { user: 'alice', groups: ['a', 'b'], scheme: 'oidc' });
      }
      const noAudienceCheck = new OidcAuthenticator({ issuer: idp.issuer, jwks: file });
      assert.equal((await noAudienceCheck.authenticate(bearer(await idp.sign({ sub: 'bob' }, { aud: 'any' }))))?.user, 'bob');
      await assert.rejects(noAudienceCheck.authenticate({ headers: { authorization: 'Bearer' } }), AuthenticationError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await idp.close();
    }
  });
});
