import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KeystoneCatalogEntry } from '../../context.js';
import { AuthenticationError, BackendUnavailableError } from '../../errors.js';
import { answer, assertFields, fixture, replay, type Replay } from './replay.testing.js';
import { toOcciError } from './errors.js';
import { endpointFor, findEndpoint, KeystoneClient, toKeystoneToken, type CatalogEndpoint, type CatalogService, type Token } from './keystone.js';

const recorded = fixture('keystone-token').body.token as Token;

describe('a recorded Keystone token', () => {
  it('has the fields Token, its user, project and catalog name', () => {
    assertFields<Token>(recorded, { methods: true, expires_at: true, issued_at: true, audit_ids: true, user: true }, 'token');
    assertFields(recorded.user, { id: true, name: true, domain: true }, 'token.user');
    assertFields(recorded.project!, { id: true, name: true, domain: true }, 'token.project');
    assertFields<CatalogService>(recorded.catalog![0], { id: true, type: true, name: true, endpoints: true }, 'catalog entry');
    assertFields<CatalogEndpoint>(recorded.catalog![0].endpoints[0], { id: true, interface: true, region: true, region_id: true, url: true }, 'endpoint');
  });

  it('toKeystoneToken() gives expiry as a Date, ids and names, roles and catalog', () => {
    const token = toKeystoneToken('the-id', recorded);
    assert.equal(token.id, 'the-id');
    assert.equal(token.expires.toISOString(), new Date(recorded.expires_at).toISOString());
    assert.equal(token.user.name, 'admin');
    assert.equal(token.project?.name, 'admin');
    assert.ok(token.roles.some((r) => r.name === 'admin'));
    assert.ok(token.catalog.length >= 5);
  });
});

describe('endpointFor()', () => {
  const catalog = recorded.catalog!;
  const project = recorded.project!.id;

  it('picks the public URL of compute, network, volumev3 and image, without a trailing slash', () => {
    assert.equal(endpointFor(catalog, 'compute'), 'http://127.0.0.1:8774/v2.1');
    assert.equal(endpointFor(catalog, 'network', { region: 'RegionOne' }), 'http://127.0.0.1:9696');
    assert.equal(endpointFor(catalog, 'volumev3', { interface: 'internal' }), `http://127.0.0.1:8776/v3/${project}`);
    assert.equal(endpointFor(catalog, 'image', { interface: 'admin', region: 'RegionOne' }), 'http://127.0.0.1:9292');
    assert.equal(endpointFor(catalog, 'identity'), 'http://127.0.0.1:5000/v3');
  });

  it('chooses by interface and region among several', () => {
    const url = (i: CatalogEndpoint['interface'], region: string, u: string): CatalogEndpoint => ({ id: u, interface: i, region, region_id: region, url: u });
    const several: CatalogService[] = [
      { id: 's', type: 'compute', name: 'nova', endpoints: [url('admin', 'A', 'http://a-admin'), url('public', 'A', 'http://a-pub'), url('public', 'B', 'http://b-pub'), url('internal', 'B', 'http://b-int')] },
    ];
    assert.equal(endpointFor(several, 'compute'), 'http://a-pub');
    assert.equal(endpointFor(several, 'compute', { region: 'B' }), 'http://b-pub');
    assert.equal(endpointFor(several, 'compute', { region: 'B', interface: 'internal' }), 'http://b-int');
    assert.equal(findEndpoint(several, 'compute', { region: 'A', interface: 'internal' }), undefined);
  });

  it("reads the request context's catalog too (KeystoneCredentials.catalog)", () => {
    const fromContext: KeystoneCatalogEntry[] = [{ type: 'compute', endpoints: [{ interface: 'public', url: 'http://127.0.0.1:8774/v2.1/' }] }];
    assert.equal(endpointFor(fromContext, 'compute'), 'http://127.0.0.1:8774/v2.1');
  });

  it('answers 503 naming what is missing', () => {
    assert.equal(findEndpoint(catalog, 'object-store'), undefined);
    assert.throws(() => endpointFor(catalog, 'compute', { region: 'Nowhere' }), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.message, 'the Keystone catalog has no public compute endpoint in region Nowhere');
      return true;
    });
  });
});

describe('KeystoneClient', () => {
  let r: Replay;
  before(async () => {
    r = await replay((seen) => {
      if (seen.method === 'POST' && seen.body.auth.identity.password.user.password === 'wrong') return answer('keystone-401');
      if (seen.method === 'POST') return answer('keystone-token', { headers: { 'x-subject-token': 'issued-token' } });
      if (seen.headers['x-subject-token'] === 'bad') return { status: 404, body: { error: { code: 404, title: 'Not Found', message: 'Could not find token: bad.' } } };
      return answer('keystone-token', { status: 200 });
    });
  });
  after(() => r.close());

  it('authenticate() sends password credentials with a project scope and reads X-Subject-Token', async () => {
    const keystone = new KeystoneClient({ endpoint: `${r.url}/v3` });
    const token = await keystone.authenticate({ username: 'admin', password: 'secret', project: { name: 'admin' }, userDomain: { name: 'Default' } });
    assert.equal(token.id, 'issued-token');
    assert.equal(token.project?.name, 'admin');
    const seen = r.seen.at(-1)!;
    assert.equal(seen.path, '/v3/auth/tokens');
    assert.deepEqual(seen.body, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'secret' } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
    await keystone.authenticate({ username: 'u', password: 'p', project: { id: 'p1' } });
    assert.deepEqual(r.seen.at(-1)!.body.auth.scope, { project: { id: 'p1' } });
    assert.deepEqual(r.seen.at(-1)!.body.auth.identity.password.user.domain, { id: 'default' });
  });

  it('a wrong password is a 401 that maps to AuthenticationError', async () => {
    const keystone = new KeystoneClient({ endpoint: `${r.url}/v3` });
    await assert.rejects(keystone.authenticate({ username: 'admin', password: 'wrong' }), (err: unknown) => {
      assert.ok(toOcciError(err) instanceof AuthenticationError);
      return true;
    });
  });

  it('validate() sends the subject as X-Subject-Token and itself as X-Auth-Token unless told', async () => {
    const keystone = new KeystoneClient({ endpoint: `${r.url}/v3` });
    const token = await keystone.validate('subject');
    assert.equal(token.id, 'subject');
    assert.equal(token.user.name, 'admin');
    assert.equal(r.seen.at(-1)!.headers['x-auth-token'], 'subject');
    assert.equal(r.seen.at(-1)!.headers['x-subject-token'], 'subject');
    await keystone.validate('subject', { authToken: 'service', noCatalog: true });
    assert.equal(r.seen.at(-1)!.headers['x-auth-token'], 'service');
    assert.equal(r.seen.at(-1)!.query.get('nocatalog'), '1');
    await assert.rejects(keystone.validate('bad', { authToken: 'service' }), { status: 404, type: 'Not Found' });
  });
});
