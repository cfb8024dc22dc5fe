/**
 * The HTTP layer over a remote-shaped backend: what the backend's
 * capabilities exclude is 501 naming the operation, a cloud that is down or
 * slow is 503/504 naming it, the model is the one the backend offers each
 * user, and listings page by marker with `Link: rel="next"`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestContext } from '../../src/backends/index.js';
import { COMPUTE_LINE, TEXT, createCompute, createTestApp, type TestApp } from '../../src/http/app.testing.js';
import { RemoteShapedBackend } from './remote-shaped.js';

const users: Record<string, RequestContext> = {
  alice: { user: 'alice', owner: 'alice', admin: false },
  bob: { user: 'bob', owner: 'bob', admin: false },
};
const as = (user: string) => ({ ...TEXT, 'X-User': user });

describe('HTTP over a remote-shaped backend', () => {
  let t: TestApp;
  let backend: RemoteShapedBackend;
  before(async () => {
    backend = new RemoteShapedBackend({ latencyMs: 1, settleMs: 10 });
    t = await createTestApp({ backend, backendTimeout: 200, authenticate: async (req) => users[req.headers['x-user'] ?? 'alice'] });
  });
  after(() => t.close());

  it('answers 501 naming the operation for PUT-create, a kind it cannot create and user mixins it cannot store', async () => {
    const put = await t.req('PUT', '/compute/mine', as('alice'), COMPUTE_LINE);
    assert.equal(put.status, 501);
    assert.match(put.body, /PUT-create: the remote-shaped backend names its own entities/);
    const link = await t.req('POST', '/link/', as('alice'), 'Category: link; scheme="http://schemas.ogf.org/occi/core#"; class="kind"\r\nX-OCCI-Attribute: occi.core.source="/compute/x"\r\nX-OCCI-Attribute: occi.core.target="/network/y"');
    assert.equal(link.status, 501);
    assert.match(link.body, /creating link: the remote-shaped backend can create compute, network, storage, networkinterface, storagelink/);
  });

  it('shows each user the templates the backend offers them', async () => {
    const discover = async (user: string) => (await t.req('GET', '/-/', as(user))).body;
    backend.holdTasks = true;
    const vm = await createCompute(t);
    const saved = await t.req('POST', `${vm}?action=save`, as('alice'), 'Category: save; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"\r\nX-OCCI-Attribute: name="golden"');
    // A fresh compute is still building: save is refused until the cloud says it may.
    assert.equal(saved.status, 409, saved.body);
    backend.holdTasks = false;
    await waitFor(async () => (await t.req('GET', vm, as('alice'))).body.includes('occi.compute.state="active"'));
    const ok = await t.req('POST', `${vm}?action=save`, as('alice'), 'Category: save; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"\r\nX-OCCI-Attribute: name="golden"');
    assert.equal(ok.status, 200, ok.body);
    const term = /Category: (img-[0-9a-f]+);/.exec(ok.body)![1];
    assert.ok((await discover('alice')).includes(term));
    assert.ok(!(await discover('bob')).includes(term));
    assert.ok((await discover('bob')).includes('img-debian'));
  });

  it('renders only the actions the backend says are valid now', async () => {
    const res = await t.req('POST', '/compute/', as('alice'), COMPUTE_LINE);
    const vm = new URL(res.header('Location')!).pathname;
    assert.doesNotMatch(res.body, /\?action=/, 'a building compute offers no action');
    await waitFor(async () => /\?action=stop/.test((await t.req('GET', vm, as('alice'))).body));
  });

  it('pages by marker: a full page links to the next with Link: rel="next"', async () => {
    for (let i = 0; i < 3; i++) await createCompute(t, `X-OCCI-Attribute: occi.core.title="paged"`);
    const all = (await t.req('GET', '/compute/?number=1000&page=1', { ...as('alice'), Accept: 'text/uri-list' })).body.trim().split(/\r?\n/);
    const seen: string[] = [];
    let url = '/compute/?page=1&number=2';
    for (let i = 0; i < 10 && url; i++) {
      const res = await t.req('GET', url, { ...as('alice'), Accept: 'text/uri-list' });
      assert.equal(res.status, 200, res.body);
      seen.push(...res.body.trim().split(/\r?\n/).filter(Boolean));
      const next = /^<([^>]+)>; rel="next"$/.exec(res.header('Link') ?? '');
      url = next ? new URL(next[1]).pathname + new URL(next[1]).search : '';
    }
    assert.deepEqual(seen, all);
    const bad = await t.req('GET', '/compute/?number=2&marker=nope', as('alice'));
    assert.equal(bad.status, 400);
    assert.equal((await t.req('GET', '/compute/?page=1&number=2&marker=x', as('alice'))).status, 400);
  });

  it('answers 503 naming the cloud when it is down, 504 when it is slower than the deadline', async () => {
    backend.up = false;
    try {
      const down = await t.req('GET', '/compute/', as('alice'));
      assert.equal(down.status, 503);
      assert.match(down.body, /remote cloud is unavailable/);
    } finally {
      backend.up = true;
    }
    backend.latencyMs = 400;
    try {
      const slow = await t.req('GET', '/compute/', as('alice'));
      assert.equal(slow.status, 504);
      assert.match(slow.body, /remote cloud did not answer before the deadline/);
    } finally {
      backend.latencyMs = 1;
    }
  });

  it('keeps one upstream call per listing, whatever the collection holds', async () => {
    const before = backend.calls;
    await t.req('GET', '/compute/', { ...as('alice'), Accept: 'application/occi+json' });
    assert.equal(backend.calls - before, 1);
  });
});

describe('HTTP over the embedded backend pages by marker too', () => {
  it('links a full page to the next and walks the collection once', async () => {
    const t = await createTestApp();
    try {
      for (let i = 0; i < 5; i++) await createCompute(t);
      const first = await t.req('GET', '/compute/?page=1&number=2', { ...TEXT, Accept: 'text/uri-list' });
      const link = first.header('Link')!;
      assert.match(link, /^<http:\/\/cloud\.example\.org:8787\/compute\/\?number=2&marker=\d+>; rel="next"$/);
      const second = await t.req('GET', new URL(/<([^>]+)>/.exec(link)![1]).pathname + new URL(/<([^>]+)>/.exec(link)![1]).search, { ...TEXT, Accept: 'text/uri-list' });
      const byPage = await t.req('GET', '/compute/?page=2&number=2', { ...TEXT, Accept: 'text/uri-list' });
      assert.equal(second.body, byPage.body);
      assert.equal((await t.req('GET', '/compute/?page=3&number=2', { ...TEXT, Accept: 'text/uri-list' })).header('Link'), undefined, 'a last, short page has no next');
    } finally {
      await t.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

