import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, COMPUTE_LINE, INFRA, TEXT, createCompute, createTestApp, type TestApp } from './app.testing.js';

const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';

describe('the HTTP pipeline', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ maxPageSize: 50 });
  });
  after(() => t.close());

  it('sends Server with OCCI/1.2 and Accept on every response, errors included', async () => {
    for (const res of [await t.req('GET', '/-/'), await t.req('GET', '/nope/'), await t.req('PUT', '/-/')]) {
      assert.equal(res.header('Server'), 'occi-server/0.1.0 OCCI/1.2 OCCI/1.1');
      assert.match(res.header('Accept') ?? '', /application\/occi\+json/);
    }
  });

  it('answers 501 to a client announcing OCCI/1.3 or 2.0, and serves OCCI/1.1 clients', async () => {
    assert.equal((await t.req('GET', '/-/', { 'User-Agent': 'x/1 OCCI/2.0' })).status, 501);
    assert.equal((await t.req('GET', '/-/', { 'User-Agent': 'x/1 OCCI/1.3' })).status, 501);
    assert.equal((await t.req('GET', '/-/', { 'User-Agent': 'rOCCI-cli/4.3 OCCI/1.1' })).status, 200);
  });

  it('negotiates: no Accept and */* give text/plain, q-values pick, nothing acceptable is 406', async () => {
    const ct = async (accept?: string) => (await t.req('GET', '/-/', accept ? { Accept: accept } : {})).header('Content-Type');
    assert.equal(await ct(), 'text/plain; charset=utf-8');
    assert.equal(await ct('*/*'), 'text/plain; charset=utf-8');
    assert.equal(await ct('text/plain,text/occi'), 'text/plain; charset=utf-8');
    assert.equal(await ct('text/plain;q=0.5, application/occi+json'), 'application/occi+json');
    assert.equal(await ct('application/json'), 'application/json');
    assert.equal(await ct('text/occi+plain'), 'text/occi+plain; charset=utf-8');
    const res = await t.req('GET', '/-/', { Accept: 'application/xml' });
    assert.equal(res.status, 406);
    assert.equal(res.header('Content-Type'), 'text/plain; charset=utf-8');
  });

  it('refuses text/uri-list for an entity (400) and uses it for collections', async () => {
    const vm = await createCompute(t);
    assert.equal((await t.req('GET', vm, { Accept: 'text/uri-list' })).status, 400);
    const list = await t.req('GET', '/compute/', { Accept: 'text/uri-list' });
    assert.equal(list.header('Content-Type'), 'text/uri-list');
    assert.ok(list.body.split('\r\n').includes(BASE + vm));
    // With an alternative, uri-list is skipped rather than refused.
    assert.equal((await t.req('GET', vm, { Accept: 'text/uri-list, text/plain;q=0.1' })).status, 200);
  });

  it('answers OPTIONS with Allow and 405 with Allow', async () => {
    const opt = await t.req('OPTIONS', '/compute/');
    assert.equal(opt.status, 200);
    assert.equal(opt.header('Allow'), 'GET, HEAD, POST, DELETE, OPTIONS');
    const put = await t.req('PUT', '/compute/', TEXT, COMPUTE_LINE);
    assert.equal(put.status, 405);
    assert.equal(put.header('Allow'), 'GET, HEAD, POST, DELETE, OPTIONS');
    assert.equal((await t.req('PUT', '/-/')).header('Allow'), 'GET, HEAD, POST, DELETE, OPTIONS');
  });

  it('answers HEAD like GET without a body', async () => {
    const get = await t.req('GET', '/-/');
    const head = await t.req('HEAD', '/-/');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.header('Content-Length'), String(Buffer.byteLength(get.body)));
  });

  it('accepts the absolute form of the request target', async () => {
    const res = await t.req('GET', `${BASE}/-/?x=1`);
    assert.equal(res.status, 200);
    assert.match(res.body, /^Category: entity;/);
  });

  it('gives 404 for unknown paths and entities, and 415 for unreadable bodies', async () => {
    assert.equal((await t.req('GET', '/compute/nope')).status, 404);
    assert.equal((await t.req('GET', '/nothing/here')).status, 404);
    assert.equal((await t.req('GET', '/compute/../-/')).status, 400);
    const res = await t.req('POST', '/compute/', { 'Content-Type': 'application/xml' }, '<compute/>');
    assert.equal(res.status, 415);
    assert.match(res.body, /application\/occi\+json/);
  });

  it('reads a body whose Content-Type is a list by its first readable type (the Infrastructure Manager sends text/plain,text/occi)', async () => {
    const storage = `Category: storage; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.storage.size=1.0`;
    for (const type of ['text/plain,text/occi', 'application/xml, text/plain; charset=utf-8']) {
      const res = await t.req('POST', '/storage/', { 'Content-Type': type }, storage);
      assert.equal(res.status, 201, `${type}: ${res.body}`);
    }
    const none = await t.req('POST', '/storage/', { 'Content-Type': 'application/xml,text/html' }, storage);
    assert.equal(none.status, 415);
    assert.match(none.body, /application\/xml, text\/html/);
  });

  // The error cases of ../shared/occi-spec/examples.md §9, each with a reason.
  const cases: Array<[string, string, string, Record<string, string>, string, number, RegExp]> = [
    ['no kind', 'POST', '/compute/', TEXT, 'X-OCCI-Attribute: occi.core.title="x"', 400, /kind/],
    ['required attribute missing', 'POST', '/storage/', TEXT, `Category: storage; scheme="${INFRA}"; class="kind"`, 400, /occi\.storage\.size/],
    ['kind not of this location', 'POST', '/compute/', TEXT, `Category: storage; scheme="${INFRA}"; class="kind"\r\nX-OCCI-Attribute: occi.storage.size=1`, 400, /storage/],
    ['enum value out of range', 'POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.compute.architecture="arm"`, 400, /x86, x64/],
    ['unknown mixin', 'POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nCategory: nope; scheme="http://example.org/occi/os_tpl#"; class="mixin"`, 400, /unknown mixin/],
    ['unknown attribute', 'POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: com.example.x="1"`, 400, /com\.example\.x/],
    ['mixin not applicable', 'POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\nCategory: ipnetwork; scheme="${INFRA.slice(0, -1)}/network#"; class="mixin"`, 403, /does not apply/],
    ['page too large', 'GET', '/compute/?page=1&number=51', {}, '', 413, /largest page/],
    ['a number of any size above the largest page', 'GET', '/compute/?page=1&number=1000000000', {}, '', 413, /largest page, 50/],
    ['page without number', 'GET', '/compute/?page=1', {}, '', 400, /together/],
    ['unknown filter category', 'GET', '/compute/', { Category: 'nope; scheme="http://x.org/#"; class="mixin"' }, '', 400, /unknown category/],
    ['provider mixin removal', 'DELETE', '/-/', TEXT, `Category: os_tpl; scheme="${INFRA}"; class="mixin"`, 403, /provider/],
    ['unknown mixin removal', 'DELETE', '/-/', TEXT, 'Category: gone; scheme="http://x.org/tags#"; class="mixin"', 404, /no category/],
    ['user mixin at a kind location', 'POST', '/-/', TEXT, 'Category: c; scheme="http://x.org/tags#"; class="mixin"; location="/compute/"', 409, /compute/],
    ['user kind', 'POST', '/-/', TEXT, 'Category: k; scheme="http://x.org/tags#"; class="kind"; location="/k/"', 400, /only mixins/],
    ['reserved scheme', 'POST', '/-/', TEXT, 'Category: t; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="mixin"; location="/t/"', 400, /reserved/],
    ['malformed category', 'POST', '/compute/', TEXT, 'Category: compute; scheme="unterminated', 400, /./],
    ['malformed json', 'POST', '/compute/', { 'Content-Type': 'application/occi+json', Accept: 'application/occi+json' }, '{"kind":', 400, /./],
  ];
  for (const [name, method, url, headers, body, status, reason] of cases) {
    it(`answers ${status} for ${name}, with the reason`, async () => {
      const res = await t.req(method, url, headers, body);
      assert.equal(res.status, status, res.body);
      assert.match(res.body, reason);
      assert.ok(!/^(Category|Link|X-OCCI-Attribute|X-OCCI-Location):/m.test(res.body), 'an error body never looks like a rendering');
    });
  }

  it('renders errors in the negotiated format: JSON object, text/occi header', async () => {
    const json = await t.req('GET', '/compute/nope', { Accept: 'application/occi+json' });
    assert.deepEqual(JSON.parse(json.body), { code: 404, message: 'no entity at /compute/nope', error: 'OCCI_ERR_NOT_FOUND' });
    const occi = await t.req('GET', '/compute/nope', { Accept: 'text/occi' });
    assert.equal(occi.header('Content-Type'), 'text/occi');
    assert.equal(occi.header('X-OCCI-Error'), 'no entity at /compute/nope');
  });

  it('refuses to change an immutable attribute (403) and accepts its echo', async () => {
    const vm = await createCompute(t);
    const change = await t.req('POST', vm, TEXT, 'X-OCCI-Attribute: occi.compute.state="active"');
    assert.equal(change.status, 403);
    const echo = await t.req('POST', vm, TEXT, 'X-OCCI-Attribute: occi.compute.state="inactive"\r\nX-OCCI-Attribute: occi.compute.memory=8.0');
    assert.equal(echo.status, 200, echo.body);
    assert.match(echo.body, /occi\.compute\.memory=8\.0/);
  });

  it('moves a compute along its state machine and refuses an action invalid in the state (409)', async () => {
    const vm = await createCompute(t);
    const stop = await t.req('POST', `${vm}?action=stop`, TEXT, `Category: stop; scheme="${ACTION}"; class="action"`);
    assert.equal(stop.status, 409);
    assert.match(stop.body, /inactive/);
    const start = await t.req('POST', `${vm}?action=start`, TEXT, '');
    assert.equal(start.status, 200);
    assert.match(start.body, /occi\.compute\.state="active"/);
    assert.match(start.body, /\?action=stop>/);
    assert.doesNotMatch(start.body, /\?action=start>/);
    assert.equal((await t.req('POST', `${vm}?action=explode`, TEXT, '')).status, 400);
    const mismatch = await t.req('POST', `${vm}?action=stop`, TEXT, `Category: start; scheme="${ACTION}"; class="action"`);
    assert.equal(mismatch.status, 400);
  });

  it('saves a running compute as a new OS template, answered as a category and shown in /-/', async () => {
    const vm = await createCompute(t);
    await t.req('POST', `${vm}?action=start`, TEXT, '');
    const save = await t.req('POST', `${vm}?action=save`, TEXT, `Category: save; scheme="${ACTION}"; class="action"\r\nX-OCCI-Attribute: name="golden"`);
    assert.equal(save.status, 200, save.body);
    assert.match(save.body, /^Category: golden; scheme="[^"]+os_tpl#"; class="mixin"/);
    const qi = await t.req('GET', '/-/');
    assert.match(qi.body, /Category: golden;.*rel="http:\/\/schemas\.ogf\.org\/occi\/infrastructure#os_tpl"/);
  });

  it('runs an action on a whole collection, all or nothing, skipping members already where it leads', async () => {
    // Its own app: the shared one holds computes in other states.
    const t = await createTestApp();
    after(() => t.close());
    const a = await createCompute(t);
    const b = await createCompute(t);
    await t.req('POST', `${a}?action=start`, TEXT, '');
    // b is inactive: suspend on the collection fails as a whole.
    const fail = await t.req('POST', '/compute/?action=suspend', TEXT, '');
    assert.equal(fail.status, 409);
    assert.match((await t.req('GET', a)).body, /state="active"/);
    // a is already active: start skips it and starts b (issue 12).
    const ok = await t.req('POST', '/compute/?action=start', TEXT, `Category: start; scheme="${ACTION}"; class="action"`);
    assert.equal(ok.status, 200, ok.body);
    for (const vm of [a, b]) assert.match((await t.req('GET', vm)).body, /state="active"/);
  });

  it('pages a collection from 1, past the end is empty', async () => {
    const page = (n: number) => t.req('GET', `/network/?page=${n}&number=2`, { Accept: 'text/uri-list' });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.req('POST', '/network/', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`);
      made.push(res.header('Location')!);
    }
    const all = (await t.req('GET', '/network/', { Accept: 'text/uri-list' })).body.split('\r\n').filter(Boolean);
    assert.deepEqual([...(await page(1)).body.split('\r\n').filter(Boolean), ...(await page(2)).body.split('\r\n').filter(Boolean)], all);
    assert.ok(made.every((m) => all.includes(m)));
    const past = await page(99);
    assert.equal(past.status, 200);
    assert.equal(past.body, '');
  });

  it('filters a collection by mixin and by attribute', async () => {
    const debian = await createCompute(t, `Category: debian12; scheme="http://localhost/occi/os_tpl#"; class="mixin"\r\nX-OCCI-Attribute: occi.core.title="f1"`);
    const alma = await createCompute(t, `Category: almalinux9; scheme="http://localhost/occi/os_tpl#"; class="mixin"\r\nX-OCCI-Attribute: occi.core.title="f2"`);
    const byMixin = await t.req('GET', '/compute/', { Accept: 'text/uri-list', Category: 'almalinux9; scheme="http://localhost/occi/os_tpl#"; class="mixin"' });
    assert.ok(byMixin.body.includes(alma) && !byMixin.body.includes(debian));
    const byAttr = await t.req('GET', '/compute/', { Accept: 'text/uri-list', 'X-OCCI-Attribute': 'occi.core.title="f1"' });
    assert.deepEqual(byAttr.body.split('\r\n').filter(Boolean), [BASE + debian]);
    const byFamily = await t.req('GET', '/compute/', { Accept: 'text/uri-list', Category: `os_tpl; scheme="${INFRA}"; class="mixin"` });
    assert.ok(byFamily.body.includes(alma) && byFamily.body.includes(debian));
  });

  it('tags with a user mixin: POST adds, PUT replaces, DELETE removes, removing the mixin untags', async () => {
    const def = await t.req('POST', '/-/', TEXT, 'Category: prod; scheme="http://cloud.example.org/occi/tags#"; class="mixin"; title="production"; location="/tags/prod/"');
    assert.equal(def.status, 200, def.body);
    const a = await createCompute(t);
    const b = await createCompute(t);
    const members = async () => (await t.req('GET', '/tags/prod/', { Accept: 'text/uri-list' })).body.split('\r\n').filter(Boolean).sort();
    assert.equal((await t.req('POST', '/tags/prod/', TEXT, `X-OCCI-Location: ${BASE}${a}`)).status, 200);
    assert.deepEqual(await members(), [BASE + a]);
    assert.match((await t.req('GET', a)).body, /Category: prod; scheme="http:\/\/cloud\.example\.org\/occi\/tags#"; class="mixin"/);
    assert.equal((await t.req('PUT', '/tags/prod/', TEXT, `X-OCCI-Location: ${b}`)).status, 200);
    assert.deepEqual(await members(), [BASE + b]);
    assert.equal((await t.req('DELETE', '/tags/prod/', TEXT, `X-OCCI-Location: ${b}`)).status, 200);
    assert.deepEqual(await members(), []);
    await t.req('POST', '/tags/prod/', TEXT, `X-OCCI-Location: ${a}`);
    assert.equal((await t.req('DELETE', '/-/', TEXT, 'Category: prod; scheme="http://cloud.example.org/occi/tags#"; class="mixin"')).status, 200);
    assert.doesNotMatch((await t.req('GET', a)).body, /prod/);
    assert.equal((await t.req('GET', '/tags/prod/')).status, 404);
  });

  it('creates at a client-chosen path with PUT (201) and replaces with PUT (200)', async () => {
    const created = await t.req('PUT', '/compute/my-vm', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="mine"`);
    assert.equal(created.status, 201, created.body);
    assert.equal(created.header('Location'), `${BASE}/compute/my-vm`);
    const replaced = await t.req('PUT', '/compute/my-vm', TEXT, `${COMPUTE_LINE}\r\nX-OCCI-Attribute: occi.core.title="yours"`);
    assert.equal(replaced.status, 200, replaced.body);
    assert.match(replaced.body, /occi\.core\.title="yours"/);
    assert.match(replaced.body, /occi\.core\.id="my-vm"/);
    assert.equal((await t.req('PUT', '/compute/my-vm', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`)).status, 400);
  });

  it('deleting a resource deletes its links; a deleted entity is 404', async () => {
    const net = new URL((await t.req('POST', '/network/', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`)).header('Location')!).pathname;
    const vm = await createCompute(t, `Link: <${net}>; rel="${INFRA}network"`);
    const link = /self="([^"]+)"/.exec((await t.req('GET', vm)).body)![1];
    assert.equal((await t.req('GET', link)).status, 200);
    assert.equal((await t.req('DELETE', vm)).status, 200);
    assert.equal((await t.req('GET', vm)).status, 404);
    assert.equal((await t.req('GET', link)).status, 404);
  });

  it('never lets an attribute value split a text/occi header', async () => {
    const res = await t.req('POST', '/compute/', { 'Content-Type': 'application/occi+json' }, JSON.stringify({
      kind: `${INFRA}compute`, attributes: { 'occi.core.title': 'x\r\nSet-Cookie: a=b' },
    }));
    assert.equal(res.status, 400);
    assert.match(res.body, /control characters/);
  });

  it('deletes only the listed members of a kind collection, wherever the list travels', async () => {
    const t = await createTestApp();
    after(() => t.close());
    const [a, b, c] = [await createCompute(t), await createCompute(t), await createCompute(t)];
    const res = await t.req('DELETE', '/compute/', { 'Content-Type': 'text/plain', 'X-OCCI-Location': BASE + a });
    assert.equal(res.status, 200, res.body);
    assert.equal((await t.req('GET', a)).status, 404);
    assert.equal((await t.req('DELETE', '/compute/', TEXT, `X-OCCI-Location: ${b}\r\n`)).status, 200);
    assert.equal((await t.req('GET', b)).status, 404);
    assert.equal((await t.req('GET', c)).status, 200);
  });

  it('lists the union of the collections below an unbound path', async () => {
    const vm = await createCompute(t, 'Category: cirros06; scheme="http://localhost/occi/os_tpl#"; class="mixin"');
    const below = await t.req('GET', '/mixin/', { Accept: 'text/uri-list' });
    assert.equal(below.status, 200);
    assert.ok(below.body.split('\r\n').includes(BASE + vm));
    const nothing = await t.req('GET', '/mixin/openstack/', { Accept: 'text/uri-list' });
    assert.ok(!nothing.body.includes(vm));
    assert.equal((await t.req('GET', '/no/such/', {})).status, 404);
  });

  it('lists everything at the unbound root and refuses writes there', async () => {
    const vm = await createCompute(t);
    const all = await t.req('GET', '/', { Accept: 'text/uri-list' });
    assert.ok(all.body.includes(BASE + vm));
    assert.equal((await t.req('POST', '/', TEXT, COMPUTE_LINE)).status, 405);
  });
});

describe('the HTTP pipeline under hostile requests (issue 13)', () => {
  const TAGS = 'http://example.org/tags#';
  const define = (term: string, location: string, rel?: string) =>
    `Category: ${term}; scheme="${TAGS}"; class="mixin"${rel ? `; rel="${rel}"` : ''}; location="${location}"`;

  it('refuses to remove a user mixin another depends on (409) and changes nothing, not even after a restart (§8)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { EmbeddedBackend, DEFAULT_TEMPLATES } = await import('../backends/embedded/index.js');
    const { default: Database } = await import('better-sqlite3');
    const dir = mkdtempSync(join(tmpdir(), 'occi-refused-'));
    const dump = () => {
      const db = new Database(join(dir, 'occi.sqlite'), { readonly: true });
      try {
        return ['entities', 'memberships', 'mixins', 'owners'].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all());
      } finally {
        db.close();
      }
    };
    try {
      let t = await createTestApp({ backend: new EmbeddedBackend({ dataDir: dir, templates: DEFAULT_TEMPLATES }) });
      assert.equal((await t.req('POST', '/-/', TEXT, define('base', '/tags/base/'))).status, 200);
      assert.equal((await t.req('POST', '/-/', TEXT, define('child', '/tags/child/', `${TAGS}base`))).status, 200);
      const vm = await createCompute(t, `Category: base; scheme="${TAGS}"; class="mixin"`);
      const before = dump();
      const refused = await t.req('DELETE', '/-/', TEXT, `Category: base; scheme="${TAGS}"; class="mixin"`);
      assert.equal(refused.status, 409, refused.body);
      assert.match(refused.body, /depend on/);
      assert.deepEqual(dump(), before, 'the store is as it was, row for row');
      assert.deepEqual((await t.req('GET', '/tags/base/', { Accept: 'text/uri-list' })).body.trim(), BASE + vm);
      await t.close();
      t = await createTestApp({ backend: new EmbeddedBackend({ dataDir: dir, templates: DEFAULT_TEMPLATES }) });
      assert.ok(t.model.visibleTo('anonymous').findMixin(`${TAGS}base`), 'still defined after a restart');
      assert.equal((await t.req('GET', vm, TEXT)).body.includes(`base; scheme="${TAGS}"`), true, 'still associated');
      // Named together, dependant and dependency go, dependant first.
      const both = await t.req('DELETE', '/-/', TEXT, `Category: base; scheme="${TAGS}"; class="mixin"\r\nCategory: child; scheme="${TAGS}"; class="mixin"`);
      assert.equal(both.status, 200, both.body);
      assert.equal(t.model.findMixin(`${TAGS}base`), undefined);
      await t.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses more items than --max-items-per-request (413) and more user mixins than --max-user-mixins (403), naming the limit', async () => {
    const t = await createTestApp({ maxItemsPerRequest: 3, maxUserMixins: 2 });
    try {
      const net = new URL((await t.req('POST', '/network/', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`)).header('Location')!).pathname;
      const link = `Link: <${net}>; rel="${INFRA}network"; category="${INFRA}networkinterface"`;
      const tooMany = await t.req('POST', '/compute/', { ...TEXT, Accept: 'application/occi+json' }, [COMPUTE_LINE, link, link, link].join('\r\n'));
      assert.equal(tooMany.status, 413);
      assert.deepEqual([JSON.parse(tooMany.body).error, /entities and inline links in one request; at most 3 \(--max-items-per-request\)/.test(tooMany.body)], ['OCCI_ERR_TOO_LARGE_ITEMS', true]);
      assert.equal((await t.req('POST', '/compute/', TEXT, [COMPUTE_LINE, link, link].join('\r\n'))).status, 201);
      const uris = ['/compute/a', '/compute/b', '/compute/c', '/compute/d'].join('\n');
      assert.equal((await t.req('DELETE', '/compute/', { 'Content-Type': 'text/uri-list' }, uris)).status, 413);
      assert.equal((await t.req('POST', '/-/', TEXT, [define('a', '/tags/a/'), define('b', '/tags/b/'), define('c', '/tags/c/')].join('\r\n'))).status, 403);
      assert.equal((await t.req('POST', '/-/', TEXT, [define('a', '/tags/a/'), define('b', '/tags/b/')].join('\r\n'))).status, 200);
      assert.equal((await t.req('POST', '/-/', TEXT, [define('a', '/tags/a/')].join('\r\n'))).status, 200, 'an identical definition again is no new mixin');
      const quota = await t.req('POST', '/-/', { ...TEXT, Accept: 'application/occi+json' }, define('c', '/tags/c/'));
      assert.equal(quota.status, 403);
      assert.deepEqual([JSON.parse(quota.body).error, /at most 2 \(--max-user-mixins\)/.test(quota.body)], ['OCCI_ERR_FORBIDDEN_QUOTA', true]);
      assert.equal(t.model.findMixin(`${TAGS}c`), undefined);
    } finally {
      await t.close();
    }
  });

  it('lists an unbound path above many user mixins with one listing, the union of their collections and their dependants\' (§2)', async () => {
    const t = await createTestApp();
    try {
      const defs = Array.from({ length: 500 }, (_, i) => define(`t${i}`, `/bm/${i % 5}/t${i}/`));
      assert.equal((await t.req('POST', '/-/', TEXT, defs.join('\r\n'))).status, 200);
      assert.equal((await t.req('POST', '/-/', TEXT, define('under', '/elsewhere/under/', `${TAGS}t7`))).status, 200);
      const a = await createCompute(t, `Category: t7; scheme="${TAGS}"; class="mixin"`);
      const b = await createCompute(t, `Category: under; scheme="${TAGS}"; class="mixin"`);
      const c = await createCompute(t, `Category: t8; scheme="${TAGS}"; class="mixin"`);
      await createCompute(t);
      let calls = 0;
      const list = t.backend.list.bind(t.backend);
      t.backend.list = (ctx, q) => (calls++, list(ctx, q));
      const below = await t.req('GET', '/bm/2/', { Accept: 'text/uri-list' });
      assert.equal(below.status, 200);
      assert.deepEqual(below.body.split('\r\n').filter(Boolean), [a, b].map((l) => BASE + l));
      assert.equal(calls, 1, 'one backend listing for 100 collections');
      assert.deepEqual((await t.req('GET', '/bm/', { Accept: 'text/uri-list' })).body.split('\r\n').filter(Boolean), [a, b, c].map((l) => BASE + l));
      const page = await t.req('GET', '/bm/?page=2&number=1', { Accept: 'text/uri-list' });
      assert.deepEqual(page.body.split('\r\n').filter(Boolean), [BASE + b]);
    } finally {
      await t.close();
    }
  });

  it('puts a text/occi rendering too large for headers in the body as text/plain (§10)', async () => {
    const t = await createTestApp();
    try {
      const net = new URL((await t.req('POST', '/network/', TEXT, `Category: network; scheme="${INFRA}"; class="kind"`)).header('Location')!).pathname;
      const link = `Link: <${net}>; rel="${INFRA}network"; category="${INFRA}networkinterface"`;
      const vm = new URL((await t.req('POST', '/compute/', TEXT, [COMPUTE_LINE, ...Array(300).fill(link)].join('\r\n'))).header('Location')!).pathname;
      const occi = await t.req('GET', vm, { Accept: 'text/occi' });
      assert.equal(occi.status, 200);
      assert.equal(occi.header('Content-Type'), 'text/plain; charset=utf-8');
      assert.ok(occi.headers.every(([, v]) => v.length < 1024), 'no OCCI lines in headers');
      assert.equal(occi.body.split('\r\n').filter((l) => l.startsWith('Link: <') && !l.includes('?action=')).length, 300);
      const small = await t.req('GET', net, { Accept: 'text/occi' });
      assert.equal(small.header('Content-Type'), 'text/occi');
    } finally {
      await t.close();
    }
  });

  it('refuses control characters in a user mixin\'s scheme, whatever the rendering (§10)', async () => {
    const t = await createTestApp();
    try {
      for (const scheme of ['http://example.org/a\u0001b#', 'http://example.org/a\u007fb#', 'http://example.org/a\u0085b#']) {
        const body = JSON.stringify({ mixins: [{ scheme, term: 'x', location: '/tags/x/' }] });
        const res = await t.req('POST', '/-/', { 'Content-Type': 'application/occi+json' }, body);
        assert.equal(res.status, 400, JSON.stringify(scheme));
      }
      assert.equal(t.model.mixins.filter((m) => m.origin === 'user').length, 0);
    } finally {
      await t.close();
    }
  });
});
