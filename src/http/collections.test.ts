import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEXT, createCompute, createTestApp, type TestApp } from './app.testing.js';

const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
const action = (term: string) => `Category: ${term}; scheme="${ACTION}"; class="action"`;

describe('collection paging: X-Total-Count beside Link rel="next"', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    for (let i = 0; i < 5; i++) await createCompute(t, `X-OCCI-Attribute: occi.core.title="vm-${i % 2 === 0 ? 'even' : 'odd'}"`);
  });
  after(() => t.close());

  it('sends the total of every page, on the first page, a marker page and the last page', async () => {
    const first = await t.req('GET', '/compute/?page=1&number=2', { Accept: 'text/uri-list' });
    assert.equal(first.header('X-Total-Count'), '5');
    const next = /^<([^>]+)>; rel="next"$/.exec(first.header('Link') ?? '')?.[1];
    assert.ok(next, 'a next link');
    const second = await t.req('GET', new URL(next).pathname + new URL(next).search, { Accept: 'text/uri-list' });
    assert.equal(second.header('X-Total-Count'), '5');
    const last = await t.req('GET', '/compute/?page=3&number=2', { Accept: 'text/uri-list' });
    assert.deepEqual([last.header('X-Total-Count'), last.header('Link'), last.body.trim().split('\r\n').length], ['5', undefined, 1]);
  });

  it('counts what the filter keeps, and sends the total of unpaged and unbound listings too', async () => {
    const odd = await t.req('GET', '/compute/?page=1&number=1', { Accept: 'text/plain', 'X-OCCI-Attribute': 'occi.core.title="vm-odd"' });
    assert.equal(odd.header('X-Total-Count'), '2');
    assert.equal((await t.req('GET', '/compute/', { Accept: 'text/plain' })).header('X-Total-Count'), '5');
    assert.equal((await t.req('GET', '/storage/', { Accept: 'text/plain' })).header('X-Total-Count'), '0');
    assert.equal((await t.req('GET', '/mixin/?page=1&number=1', { Accept: 'text/plain' })).header('X-Total-Count'), '5');
  });
});

describe('collection actions', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('skip members already in the state the action leads to, and act on the others', async () => {
    const [a, b, c] = [await createCompute(t), await createCompute(t), await createCompute(t)];
    assert.equal((await t.req('POST', `${a}?action=start`, TEXT, action('start'))).status, 200);
    const before = (await t.req('GET', a, { Accept: 'application/occi+json' })).header('ETag');
    const all = await t.req('POST', '/compute/?action=start', TEXT, action('start'));
    assert.equal(all.status, 200, all.body);
    for (const vm of [a, b, c]) {
      const res = await t.req('GET', vm, { Accept: 'text/plain' });
      assert.match(res.body, /occi\.compute\.state="active"/, vm);
    }
    assert.equal((await t.req('GET', a, { Accept: 'application/occi+json' })).header('ETag'), before, 'the active member is untouched');
    assert.equal(all.body.trim().split('\r\n').filter((l) => l.startsWith('X-OCCI-Location')).length, 3, 'every member in the answer');
    // Nothing left to do is still 200.
    assert.equal((await t.req('POST', '/compute/?action=start', TEXT, action('start'))).status, 200);
  });

  it('still refuses the batch for a member where the action is invalid, and still restarts active members', async () => {
    const vm = await createCompute(t);
    assert.equal((await t.req('POST', '/compute/?action=suspend', TEXT, action('suspend'))).status, 409, 'inactive members cannot be suspended');
    await t.req('POST', `${vm}?action=start`, TEXT, action('start'));
    const before = (await t.req('GET', vm, { Accept: 'application/occi+json' })).header('ETag');
    assert.equal((await t.req('POST', '/compute/?action=restart', TEXT, action('restart'))).status, 200);
    assert.notEqual((await t.req('GET', vm, { Accept: 'application/occi+json' })).header('ETag'), before);
    // A single entity already there is still 409 (HTTP Protocol §5.4.2: the action is not valid in its state).
    assert.equal((await t.req('POST', `${vm}?action=start`, TEXT, action('start'))).status, 409);
  });
});
