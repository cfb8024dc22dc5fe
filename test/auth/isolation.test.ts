/**
 * Per-user isolation over HTTP, in process, with real Basic authentication:
 * user B never sees or touches user A's entities or user mixins, whatever the
 * verb, collection or filter; an admin sees everything.
 */
import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthGate, createAuth } from '../../src/auth/index.js';
import { DEFAULTS } from '../../src/config/index.js';
import { COMPUTE_LINE, INFRA, TEXT, createTestApp, type TestApp } from '../../src/http/app.testing.js';

const basic = (user: string) => `Basic ${Buffer.from(`${user}:pw-${user}`).toString('base64')}`;
const TAG = 'Category: prod; scheme="http://example.org/alice#"; class="mixin"';
const TAG_DEF = `${TAG}; location="/tags/prod/"`;

describe('isolation between two users (basic auth, in process)', () => {
  let t: TestApp;
  let gate: AuthGate;
  let dir: string;
  let aliceVm: string;
  let aliceNet: string;
  let bobVm: string;
  const as = (user: string, h: Record<string, string> = {}) => ({ ...TEXT, ...h, Authorization: basic(user) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-iso-'));
    const file = join(dir, 'htpasswd');
    writeFileSync(file, ['alice', 'bob', 'root'].map((u) => `${u}:${bcrypt.hashSync(`pw-${u}`, 4)}`).join('\n'));
    gate = await createAuth({ ...DEFAULTS, auth: ['basic'], htpasswd: file, adminUsers: ['root'] });
    t = await createTestApp({ authenticate: async (req) => (await gate.context(req)).ctx });
    const mk = async (user: string, path: string, body: string) => {
      const res = await t.req('POST', path, as(user), body);
      assert.equal(res.status, 201, res.body);
      return new URL(res.header('Location')!).pathname;
    };
    aliceVm = await mk('alice', '/compute/', `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="alice-vm"\r\n`);
    aliceNet = await mk('alice', '/network/', `Category: network; scheme="${INFRA}"; class="kind"\r\n`);
    bobVm = await mk('bob', '/compute/', `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="bob-vm"\r\n`);
    assert.equal((await t.req('POST', '/-/', as('alice'), TAG_DEF)).status, 200);
    assert.equal((await t.req('POST', '/tags/prod/', as('alice', { 'Content-Type': 'text/uri-list' }), `${aliceVm}\n`)).status, 200);
  });
  after(async () => {
    await t.close();
    gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 with a Basic challenge without credentials or with a wrong password', async () => {
    for (const headers of [TEXT, { ...TEXT, Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` }]) {
      const res = await t.req('GET', '/compute/', headers);
      assert.equal(res.status, 401);
      assert.match(res.header('WWW-Authenticate') ?? '', /^Basic realm="occi-server"/);
      assert.doesNotMatch(res.body, /alice-vm|compute\//);
    }
    assert.equal((await t.req('GET', aliceVm, TEXT)).status, 401, '401 before 404: nothing is revealed');
  });

  it("gives B 404 for A's entity on every verb", async () => {
    const update = 'X-OCCI-Attribute: occi.core.title="pwned"\r\n';
    const cases: Array<[string, string, string, Record<string, string>?]> = [
      ['GET', aliceVm, ''],
      ['HEAD', aliceVm, ''],
      ['POST', aliceVm, update],
      ['POST', `${aliceVm}?action=start`, `Category: start; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"\r\n`],
      ['DELETE', aliceVm, ''],
    ];
    for (const [method, path, body] of cases) {
      const res = await t.req(method, path, as('bob'), body);
      assert.equal(res.status, 404, `${method} ${path}: ${res.body}`);
    }
    // Locations are per owner (issue 13 §7): B's PUT there creates B's own entity, as at a free path, and leaves A's alone.
    const put = await t.req('PUT', aliceVm, as('bob'), `${COMPUTE_LINE}\r\n${update}`);
    assert.equal(put.status, 201, 'PUT neither replaces A\'s entity nor says it exists');
    assert.match((await t.req('GET', aliceVm, as('bob'))).body, /pwned/);
    assert.equal((await t.req('DELETE', aliceVm, as('bob'))).status, 200);
    assert.equal((await t.req('GET', aliceVm, as('bob'))).status, 404);
    const a = await t.req('GET', aliceVm, as('alice'));
    assert.equal(a.status, 200);
    assert.match(a.body, /alice-vm/);
    assert.match(a.body, /occi.compute.state="inactive"/);
  });

  it("never shows A's entities in B's collections, filters and unbound paths", async () => {
    for (const path of ['/compute/', '/', '/network/']) {
      const res = await t.req('GET', path, as('bob'));
      assert.equal(res.status, 200);
      assert.doesNotMatch(res.body, new RegExp(aliceVm.slice(-36)), path);
      assert.doesNotMatch(res.body, new RegExp(aliceNet.slice(-36)), path);
    }
    assert.match((await t.req('GET', '/compute/', as('bob'))).body, new RegExp(bobVm.slice(-36)));
    const filtered = await t.req('GET', '/compute/', as('bob', { 'X-OCCI-Attribute': 'occi.core.title="alice-vm"' }));
    assert.equal(filtered.status, 200);
    assert.equal(filtered.body.trim(), '');
  });

  it("acts, deletes and links only within B's own entities", async () => {
    const start = await t.req('POST', '/compute/?action=start', as('bob'), `Category: start; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"\r\n`);
    assert.equal(start.status, 200, start.body);
    assert.match((await t.req('GET', aliceVm, as('alice'))).body, /occi.compute.state="inactive"/);
    // text/occi: the location travels in a header, without Content-Type.
    const del = await t.req('DELETE', '/compute/', { Accept: 'text/plain', Authorization: basic('bob'), 'X-OCCI-Location': aliceVm });
    assert.equal(del.status, 404);
    const link = await t.req('POST', '/networkinterface/', as('bob'), [
      `Category: networkinterface; scheme="${INFRA}"; class="kind"`,
      `X-OCCI-Attribute: occi.core.source="${bobVm}"`, `X-OCCI-Attribute: occi.core.target="${aliceNet}"`,
    ].join('\r\n'));
    assert.ok(link.status === 400 || link.status === 404, `a link to A's network is refused: ${link.status}`);
    const tag = await t.req('POST', '/compute/', as('bob', { 'Content-Type': 'text/plain' }), `${COMPUTE_LINE}\r\nCategory: prod; scheme="http://example.org/alice#"; class="mixin"\r\n`);
    assert.equal(tag.status, 400, "A's mixin is unknown to B");
  });

  it("hides A's user mixin from B: discovery, its collection, filters, removal", async () => {
    const qi = await t.req('GET', '/-/', as('bob'));
    assert.doesNotMatch(qi.body, /example.org\/alice#/);
    assert.match((await t.req('GET', '/-/', as('alice'))).body, /example.org\/alice#/);
    for (const m of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await t.req(m, '/tags/prod/', as('bob', { 'Content-Type': 'text/uri-list' }), m === 'GET' ? '' : `${bobVm}\n`);
      assert.equal(res.status, 404, `${m} /tags/prod/`);
    }
    assert.equal((await t.req('GET', '/tags/', as('bob'))).status, 404);
    assert.equal((await t.req('GET', '/compute/', as('bob', { Category: TAG.slice('Category: '.length) }))).status, 400);
    assert.equal((await t.req('GET', '/-/', as('bob', { Category: TAG.slice('Category: '.length) }))).status, 400);
    assert.equal((await t.req('DELETE', '/-/', as('bob'), `${TAG}\r\n`)).status, 404);
    const members = await t.req('GET', '/tags/prod/', as('alice'));
    assert.equal(members.status, 200);
    assert.match(members.body, new RegExp(aliceVm.slice(-36)));
  });

  it("gives B a mixin name space of B's own: A's location and A's exact definition are free for B, and stay A's (issue 13 §7)", async () => {
    const atAlice = await t.req('POST', '/-/', as('bob'), 'Category: mine; scheme="http://example.org/bob#"; class="mixin"; location="/tags/prod/"\r\n');
    assert.equal(atAlice.status, 200, atAlice.body);
    assert.equal((await t.req('DELETE', '/-/', as('bob'), 'Category: mine; scheme="http://example.org/bob#"; class="mixin"\r\n')).status, 200);
    const same = await t.req('POST', '/-/', as('bob'), `${TAG_DEF}\r\n`);
    assert.equal(same.status, 200, 'B defines B\'s own mixin of that id');
    const bobs = await t.req('GET', '/tags/prod/', as('bob'));
    assert.equal(bobs.status, 200);
    assert.doesNotMatch(bobs.body, new RegExp(aliceVm.slice(-36)), "B's collection holds none of A's entities");
    assert.equal((await t.req('DELETE', '/-/', as('bob'), `${TAG}\r\n`)).status, 200);
    const alices = await t.req('GET', '/tags/prod/', as('alice'));
    assert.match(alices.body, new RegExp(aliceVm.slice(-36)), "removing B's leaves A's with its members");
    assert.equal((await t.req('POST', '/-/', as('alice'), `${TAG_DEF}\r\n`)).status, 200, 'its owner may re-post it');
  });

  it("lets the admin see and touch everyone's entities; the admin's discovery is the public categories and the admin's own", async () => {
    const all = await t.req('GET', '/compute/', as('root'));
    assert.match(all.body, new RegExp(aliceVm.slice(-36)));
    assert.match(all.body, new RegExp(bobVm.slice(-36)));
    assert.doesNotMatch((await t.req('GET', '/-/', as('root'))).body, /example.org\/alice#/, 'user mixins are in their owner\'s name space');
    assert.equal((await t.req('GET', aliceVm, as('root'))).status, 200);
    assert.equal((await t.req('GET', '/tags/prod/', as('root'))).status, 404);
  });
});

describe('group tenancy (in process)', () => {
  it('lets members of one group share entities and user mixins, and hides them from other groups', async () => {
    // OIDC-like identities from a header: user;group
    const gate = new AuthGate({
      tenancy: 'group', adminUsers: [], adminGroups: [],
      authenticators: [{
        scheme: 'oidc', challenge: 'Bearer realm="t"',
        authenticate: async (req) => {
          const [user, group] = (req.headers['x-test-user'] ?? '').split(';');
          return user ? { user, groups: group ? [group] : [], scheme: 'oidc' } : undefined;
        },
      }],
    });
    const t = await createTestApp({ authenticate: async (req) => (await gate.context(req)).ctx });
    try {
      const as = (who: string) => ({ ...TEXT, 'X-Test-User': who });
      const made = await t.req('POST', '/compute/', as('u1;g1'), `${COMPUTE_LINE}\r\n`);
      assert.equal(made.status, 201);
      const vm = new URL(made.header('Location')!).pathname;
      assert.equal((await t.req('POST', '/-/', as('u1;g1'), 'Category: shared; scheme="http://example.org/g1#"; class="mixin"; location="/g1/shared/"\r\n')).status, 200);
      assert.equal((await t.req('GET', vm, as('u2;g1'))).status, 200, 'a member of the same group');
      assert.equal((await t.req('GET', '/g1/shared/', as('u2;g1'))).status, 200);
      assert.equal((await t.req('GET', vm, as('u3;g2'))).status, 404, 'another group');
      assert.equal((await t.req('GET', '/g1/shared/', as('u3;g2'))).status, 404);
    } finally {
      await t.close();
    }
  });
});
