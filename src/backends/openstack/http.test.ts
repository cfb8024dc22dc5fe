import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answer, closedPort, replay, type Replay } from './replay.testing.js';
import { OpenStackError } from './errors.js';
import { markerOf, queryString, ServiceHttp, UpstreamCounter } from './http.js';

async function rejection(p: Promise<unknown>): Promise<OpenStackError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenStackError, `not an OpenStackError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('ServiceHttp', () => {
  let r: Replay;
  before(async () => {
    r = await replay((seen) => {
      if (seen.path === '/v2.1/servers/slow') return { status: 200, body: {}, delayMs: 300 };
      if (seen.path === '/v2.1/servers/missing') return answer('nova-404', { headers: { 'x-compute-request-id': 'req-1' } });
      if (seen.path === '/v2.1/servers/busy') return { status: 429, headers: { 'retry-after': '7' }, body: '' };
      if (seen.path === '/v2.1/servers/html') return { status: 200, headers: { 'content-type': 'text/html' }, body: '<html/>' };
      if (seen.method === 'DELETE') return { status: 204 };
      return { status: 200, body: { echo: true } };
    });
  });
  after(() => r.close());

  const nova = (counter?: UpstreamCounter) => new ServiceHttp({ service: 'nova', endpoint: `${r.url}/v2.1/`, token: 'tok', microversion: '2.79', counter });

  it('sends the token, the microversion as "compute 2.79", JSON and repeated query parameters', async () => {
    const reply = await nova().request({ method: 'POST', path: '/servers', query: { device_id: ['a', 'b'], limit: 2, skip: undefined }, body: { x: 1 } });
    assert.deepEqual(reply.body, { echo: true });
    const seen = r.seen.at(-1)!;
    assert.equal(seen.path, '/v2.1/servers');
    assert.equal(seen.headers['x-auth-token'], 'tok');
    assert.equal(seen.headers['openstack-api-version'], 'compute 2.79');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers.accept, 'application/json');
    assert.deepEqual(seen.query.getAll('device_id'), ['a', 'b']);
    assert.equal(seen.query.get('limit'), '2');
    assert.equal(seen.query.has('skip'), false);
    assert.deepEqual(seen.body, { x: 1 });
  });

  it('names cinder\'s microversion "volume", lets a call override it, and sends none for neutron', async () => {
    await new ServiceHttp({ service: 'cinder', endpoint: r.url, microversion: '3.59' }).request({ path: '/a', microversion: '3.66' });
    assert.equal(r.seen.at(-1)!.headers['openstack-api-version'], 'volume 3.66');
    await new ServiceHttp({ service: 'neutron', endpoint: r.url, microversion: '9.9' }).request({ path: '/b' });
    assert.equal(r.seen.at(-1)!.headers['openstack-api-version'], undefined);
    assert.equal(r.seen.at(-1)!.headers['x-auth-token'], undefined);
  });

  it('answers an empty 204 as undefined', async () => {
    const reply = await nova().request({ method: 'DELETE', path: '/servers/x' });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, undefined);
  });

  it('turns an error body into an OpenStackError with type, reason, status and request id', async () => {
    const err = await rejection(nova().request({ path: '/servers/missing' }));
    assert.equal(err.kind, 'http');
    assert.equal(err.service, 'nova');
    assert.equal(err.status, 404);
    assert.equal(err.type, 'itemNotFound');
    assert.match(err.reason, /could not be found/);
    assert.equal(err.requestId, 'req-1');
    assert.equal(err.endpoint, `${r.url}/v2.1`);
  });

  it('reads Retry-After', async () => {
    const err = await rejection(nova().request({ path: '/servers/busy' }));
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 7);
  });

  it('refuses a 2xx body that is not JSON', async () => {
    const err = await rejection(nova().request({ path: '/servers/html' }));
    assert.equal(err.type, 'badResponse');
  });

  it('ends a call at its deadline as kind "timeout"', async () => {
    const started = Date.now();
    const err = await rejection(nova().request({ path: '/servers/slow', timeoutMs: 50 }));
    assert.equal(err.kind, 'timeout');
    assert.match(err.reason, /no answer within 50 ms/);
    assert.ok(Date.now() - started < 250, 'did not wait for the answer');
  });

  it("ends a call when the caller's signal aborts (kind aborted) or times out (kind timeout)", async () => {
    const controller = new AbortController();
    const pending = nova().request({ path: '/servers/slow', signal: controller.signal });
    controller.abort();
    assert.equal((await rejection(pending)).kind, 'aborted');
    assert.equal((await rejection(nova().request({ path: '/servers/slow', signal: AbortSignal.timeout(30) }))).kind, 'timeout');
  });

  it('reports a refused connection as kind "unreachable" with the address', async () => {
    const port = await closedPort();
    const http = new ServiceHttp({ service: 'glance', endpoint: `http://127.0.0.1:${port}` });
    const err = await rejection(http.request({ path: '/v2/images' }));
    assert.equal(err.kind, 'unreachable');
    assert.match(err.reason, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  it('counts every call, failed ones too, by service', async () => {
    const counter = new UpstreamCounter();
    await nova(counter).request({ path: '/servers' });
    await rejection(nova(counter).request({ path: '/servers/missing' }));
    assert.equal(counter.calls, 2);
    assert.equal(counter.byService.nova, 2);
    assert.ok(counter.ms > 0);
    counter.reset();
    assert.equal(counter.calls, 0);
    assert.equal(counter.byService.nova, 0);
  });

  it('withToken() keeps endpoint, microversion and counter', async () => {
    const counter = new UpstreamCounter();
    await nova(counter).withToken('other').request({ path: '/servers' });
    assert.equal(r.seen.at(-1)!.headers['x-auth-token'], 'other');
    assert.equal(r.seen.at(-1)!.headers['openstack-api-version'], 'compute 2.79');
    assert.equal(counter.calls, 1);
  });
});

describe('queryString() and markerOf()', () => {
  it('builds a query with repeated keys and reads a marker out of next links', () => {
    assert.equal(queryString(undefined), '');
    assert.equal(queryString({ a: undefined, b: null }), '');
    assert.equal(queryString({ id: ['x', 'y'], 'router:external': true }), '?id=x&id=y&router%3Aexternal=true');
    assert.equal(markerOf('/v2/images?limit=1&marker=abc'), 'abc');
    assert.equal(markerOf('http://127.0.0.1:8774/v2.1/servers/detail?limit=1&marker=m1'), 'm1');
    assert.equal(markerOf(undefined), undefined);
  });
});
