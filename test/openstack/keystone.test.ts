import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError } from '../../src/errors.js';
import { createClients, endpointFor, KeystoneClient, toOcciError } from '../../src/backends/openstack/index.js';
import { createProjectUser, type TestUser } from './_identity.js';
import { ADMIN, AUTH_URL, REGION, SKIP, stack } from './_stack.js';

describe('KeystoneClient against the loopback OpenStack', { skip: SKIP, timeout: 120_000 }, () => {
  let user: TestUser;
  before(async () => {
    const { keystone, token } = await stack();
    user = await createProjectUser(keystone, token);
  });
  after(() => user?.remove());

  it('authenticate() by password gives a project-scoped token, its expiry, user, project and catalog', async () => {
    const keystone = new KeystoneClient({ endpoint: AUTH_URL });
    const token = await keystone.authenticate(ADMIN);
    assert.match(token.id, /^gAAAAA/, 'a Fernet token from X-Subject-Token');
    assert.ok(token.expires.getTime() > Date.now() + 30 * 60_000, 'valid for more than 30 minutes');
    assert.equal(token.user.name, 'admin');
    assert.match(token.user.id, /^[0-9a-f]{32}$/);
    assert.equal(token.project?.name, 'admin');
    assert.equal(token.project?.domain.id, 'default');
    assert.ok(token.roles.some((r) => r.name === 'admin'));
    assert.deepEqual(
      token.catalog.map((s) => s.type).sort(),
      ['compute', 'identity', 'image', 'network', 'placement', 'volumev3'],
    );
  });

  it('validate() answers the same user, project and catalog for the token', async () => {
    const { keystone, token } = await stack();
    const seen = await keystone.validate(token.id);
    assert.equal(seen.user.id, token.user.id);
    assert.equal(seen.project?.id, token.project?.id);
    assert.equal(seen.expires.getTime(), token.expires.getTime());
    assert.equal(seen.catalog.length, token.catalog.length);
    const bare = await keystone.validate(token.id, { noCatalog: true });
    assert.equal(bare.catalog.length, 0);
  });

  it('endpointFor() picks each service from the catalog; cinder\'s URL carries the project', async () => {
    const { token } = await stack();
    const choice = { interface: 'public', region: REGION } as const;
    assert.equal(endpointFor(token.catalog, 'compute', choice), 'http://127.0.0.1:8774/v2.1');
    assert.equal(endpointFor(token.catalog, 'network', choice), 'http://127.0.0.1:9696');
    assert.equal(endpointFor(token.catalog, 'volumev3', { interface: 'internal' }), `http://127.0.0.1:8776/v3/${token.project?.id}`);
    assert.equal(endpointFor(token.catalog, 'image', { interface: 'admin' }), 'http://127.0.0.1:9292');
  });

  it('a member of another project authenticates by project id and gets that project\'s endpoints', async () => {
    const keystone = new KeystoneClient({ endpoint: AUTH_URL });
    const token = await keystone.authenticate({ username: user.username, password: user.password, project: { id: user.projectId } });
    assert.equal(token.project?.id, user.projectId);
    assert.deepEqual(token.roles.map((r) => r.name).sort(), ['member', 'reader']);
    assert.equal(endpointFor(token.catalog, 'volumev3'), `http://127.0.0.1:8776/v3/${user.projectId}`);
    const { nova } = createClients(token.id, token.catalog, { region: REGION });
    assert.deepEqual((await nova.listServers()).items, [], 'a fresh project has no servers');
  });

  it('a wrong password, and a garbage token validated by itself, are AuthenticationErrors', async () => {
    const keystone = new KeystoneClient({ endpoint: AUTH_URL });
    await assert.rejects(keystone.authenticate({ ...ADMIN, password: 'wrong' }), (err) => {
      assert.equal((err as { status?: number }).status, 401);
      assert.ok(toOcciError(err) instanceof AuthenticationError);
      return true;
    });
    await assert.rejects(keystone.validate('not-a-token'), (err) => toOcciError(err) instanceof AuthenticationError);
  });
});
