/**
 * Per-owner name spaces (issue 13 §7): whatever name a tenant chooses (a PUT
 * location, an `occi.core.id`, a user mixin's location or type id, the name
 * of a saved template), the answer is the same whether another tenant holds
 * that name or nobody does: status, headers (less Date and X-Request-Id) and
 * reason, with the name itself put in its place.
 */
import bcrypt from 'bcryptjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthGate, createAuth } from '../../src/auth/index.js';
import { DEFAULTS } from '../../src/config/index.js';
import { COMPUTE_LINE, INFRA, TEXT, createTestApp, type InProcessResponse, type TestApp } from '../../src/http/app.testing.js';

const basic = (user: string) => `Basic ${Buffer.from(`${user}:pw-${user}`).toString('base64')}`;
const STORAGE_LINE = `Category: storage; scheme="${INFRA}"; class="kind"`;
const SAVE_LINE = 'Category: save; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"';

/** What a client can observe of an answer, with `name` written as NAME. */
function observed(res: InProcessResponse, name: string): unknown {
  const hide = (v: string) => v.split(name).join('NAME');
  return {
    status: res.status,
    headers: res.headers.filter(([k]) => !['date', 'x-request-id'].includes(k.toLowerCase())).map(([k, v]) => [k, hide(v)]),
    body: hide(res.body),
  };
}

describe('per-owner name spaces: an answer never tells whether another tenant holds a name (issue 13 §7)', () => {
  let t: TestApp;
  let gate: AuthGate;
  let dir: string;
  let aliceVm: string;
  let bobVm: string;
  const as = (user: string, h: Record<string, string> = {}) => ({ ...TEXT, ...h, Authorization: basic(user) });
  const idOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'occi-ns-'));
    const file = join(dir, 'htpasswd');
    writeFileSync(file, ['alice', 'bob', 'root'].map((u) => `${u}:${bcrypt.hashSync(`pw-${u}`, 4)}`).join('\n'));
    gate = await createAuth({ ...DEFAULTS, auth: ['basic'], htpasswd: file, adminUsers: ['root'] });
    t = await createTestApp({ authenticate: async (req) => (await gate.context(req)).ctx });
    const mk = async (user: string) => {
      const res = await t.req('POST', '/compute/', as(user), `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="vm"\r\n`);
      assert.equal(res.status, 201, res.body);
      return new URL(res.header('Location')!).pathname;
    };
    aliceVm = await mk('alice');
    bobVm = await mk('bob');
    const tag = await t.req('POST', '/-/', as('alice'), 'Category: prod; scheme="http://example.org/tags#"; class="mixin"; location="/tags/prod/"\r\n');
    assert.equal(tag.status, 200, tag.body);
    assert.equal((await t.req('POST', `${aliceVm}?action=start`, as('alice'), '')).status, 200);
    const saved = await t.req('POST', `${aliceVm}?action=save`, as('alice'), `${SAVE_LINE}\r\nX-OCCI-Attribute: name="golden"\r\n`);
    assert.equal(saved.status, 200, saved.body);
    assert.match(saved.body, /golden/);
    assert.equal((await t.req('POST', `${bobVm}?action=start`, as('bob'), '')).status, 200);
  });
  after(async () => {
    await t.close();
    gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('(a) PUT at a location whose id another owner holds answers as at a free one: 201', async () => {
    const alice2 = await t.req('POST', '/compute/', as('alice'), `${COMPUTE_LINE}\r\n`);
    const aliceId = idOf(new URL(alice2.header('Location')!).pathname);
    const taken = await t.req('PUT', `/storage/${aliceId}`, as('bob'), `${STORAGE_LINE}\r\nX-OCCI-Attribute: occi.storage.size=1\r\n`);
    const free = await t.req('PUT', '/storage/nobody-has-this', as('bob'), `${STORAGE_LINE}\r\nX-OCCI-Attribute: occi.storage.size=1\r\n`);
    assert.equal(taken.status, 201, taken.body);
    assert.deepEqual(observed(taken, aliceId), observed(free, 'nobody-has-this'));
    // The very location of another owner's entity, too.
    const same = await t.req('PUT', aliceVm, as('bob'), `${COMPUTE_LINE}\r\n`);
    assert.equal(same.status, 201, same.body);
    assert.equal((await t.req('GET', aliceVm, as('alice'))).body.includes('occi.compute.state="active"'), true, "alice's compute is untouched");
  });

  it('(b) POST with an occi.core.id another owner holds keeps that id, as a free one', async () => {
    const body = (id: string) => `${STORAGE_LINE}\r\nX-OCCI-Attribute: occi.core.id="${id}"\r\nX-OCCI-Attribute: occi.storage.size=1\r\n`;
    const taken = await t.req('POST', '/storage/', as('bob'), body(idOf(bobVm).replace(/.$/, 'x')));
    assert.equal(taken.status, 201);
    const aliceId = `alice-disk`;
    assert.equal((await t.req('POST', '/storage/', as('alice'), body(aliceId))).status, 201);
    const held = await t.req('POST', '/storage/', as('bob'), body(aliceId));
    const free = await t.req('POST', '/storage/', as('bob'), body('nobody-disk'));
    assert.equal(held.status, 201, held.body);
    assert.equal(new URL(held.header('Location')!).pathname, `/storage/${aliceId}`);
    assert.deepEqual(observed(held, aliceId), observed(free, 'nobody-disk'));
  });

  it("(c) defining a mixin at another owner's mixin location answers as at a free location", async () => {
    const def = (term: string, location: string) => `Category: ${term}; scheme="http://example.org/bob#"; class="mixin"; location="${location}"\r\n`;
    const taken = await t.req('POST', '/-/', as('bob'), def('c1', '/tags/prod/'));
    const free = await t.req('POST', '/-/', as('bob'), def('c2', '/tags/nobody/'));
    assert.equal(taken.status, 200, taken.body);
    assert.deepEqual(observed(taken, 'c1'), observed(free, 'c2'));
    // Taken in bob's own space now: the same refusal, naming bob's own mixin only.
    const again = await t.req('POST', '/-/', as('bob'), def('c3', '/tags/prod/'));
    assert.equal(again.status, 409);
    assert.match(again.body, /already taken by http:\/\/example.org\/bob#c1/);
  });

  it("(d) re-posting another owner's exact definition answers as a free definition, the first time and again", async () => {
    const def = (term: string) => `Category: ${term}; scheme="http://example.org/tags#"; class="mixin"; location="/tags/d-${term}/"\r\n`;
    assert.equal((await t.req('POST', '/-/', as('alice'), def('held'))).status, 200);
    for (let round = 0; round < 2; round++) {
      const held = await t.req('POST', '/-/', as('bob'), def('held'));
      const free = await t.req('POST', '/-/', as('bob'), def('fresh'));
      assert.equal(held.status, 200, held.body);
      assert.deepEqual(observed(held, 'held'), observed(free, 'fresh'));
    }
    assert.equal((await t.req('DELETE', '/-/', as('bob'), 'Category: c1; scheme="http://example.org/bob#"; class="mixin"\r\n')).status, 200);
    const exact = await t.req('POST', '/-/', as('bob'), 'Category: prod; scheme="http://example.org/tags#"; class="mixin"; location="/tags/prod/"\r\n');
    assert.equal(exact.status, 200, "alice's very definition is bob's to define too");
    assert.equal((await t.req('GET', '/tags/prod/', as('bob'))).body.includes(idOf(aliceVm)), false, "bob's collection holds none of alice's");
  });

  it('(e) save with a name another owner holds makes the template with that name, as with a free one', async () => {
    const save = (name: string) => t.req('POST', `${bobVm}?action=save`, as('bob'), `${SAVE_LINE}\r\nX-OCCI-Attribute: name="${name}"\r\n`);
    const held = await save('golden');
    const free = await save('silver');
    assert.equal(held.status, 200, held.body);
    assert.doesNotMatch(held.body, /saved-/);
    assert.deepEqual(observed(held, 'golden'), observed(free, 'silver'));
    const alices = await t.req('GET', '/mixin/os_tpl/golden/', as('alice', { Accept: 'text/uri-list' }));
    assert.equal(alices.status, 200);
    assert.equal(alices.body.includes(idOf(bobVm)), false, "alice's template collection holds none of bob's");
  });

  it("an administrator acts on their own entity first, on the one owner's entity else, and is told 409 (never a guess) when several owners hold a location", async () => {
    const adminVm = await t.req('PUT', '/compute/root-vm', as('root'), `${COMPUTE_LINE}\r\n`);
    assert.equal(adminVm.status, 201, 'an administrator creates in their own space');
    assert.equal((await t.req('PUT', '/compute/root-vm', as('alice'), `${COMPUTE_LINE}\r\n`)).status, 201);
    assert.equal((await t.req('GET', '/compute/root-vm', as('root'))).status, 200, "the admin's own first");
    assert.equal((await t.req('GET', bobVm, as('root'))).status, 200, 'one owner holds it');
    const several = await t.req('GET', aliceVm, as('root'));
    assert.equal(several.status, 409, several.body);
    assert.match(several.body, /OCCI_ERR_CONFLICT_OWNERS|held by 2 owners/);
    for (const [m, body] of [['DELETE', ''], ['POST', 'X-OCCI-Attribute: occi.core.title="x"\r\n'], ['PUT', `${COMPUTE_LINE}\r\n`]] as const) {
      const res = await t.req(m, aliceVm, as('root'), body);
      assert.equal(res.status, 409, `${m}: ${res.body}`);
    }
    assert.equal((await t.req('GET', aliceVm, as('alice'))).status, 200, 'nothing was changed');
  });

  it("an administrator sees an owner's own mixins on their entity, and an update by the administrator keeps them", async () => {
    const made = await t.req('POST', '/compute/', as('alice'), `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="tagged"\r\n`);
    const vm = new URL(made.header('Location')!).pathname;
    assert.equal((await t.req('POST', vm, as('alice'), 'Category: prod; scheme="http://example.org/tags#"; class="mixin"\r\n')).status, 200);
    const text = await t.req('GET', vm, as('root'));
    assert.equal(text.status, 200, text.body);
    assert.match(text.body, /Category: prod; scheme="http:\/\/example.org\/tags#"; class="mixin"/, 'text/plain shows alice\'s tag to the administrator');
    const json = await t.req('GET', vm, { Accept: 'application/occi+json', Authorization: basic('root') });
    assert.ok((JSON.parse(json.body) as { mixins?: string[] }).mixins?.includes('http://example.org/tags#prod'), json.body);
    const renamed = await t.req('POST', vm, as('root'), 'X-OCCI-Attribute: occi.core.title="renamed by root"\r\n');
    assert.equal(renamed.status, 200, renamed.body);
    const after = await t.req('GET', vm, as('alice'));
    assert.match(after.body, /occi\.core\.title="renamed by root"/);
    assert.match(after.body, /Category: prod; scheme="http:\/\/example.org\/tags#"/, 'the tag is still there');
  });
});
