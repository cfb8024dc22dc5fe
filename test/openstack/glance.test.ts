import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError, NotFoundError } from '../../src/errors.js';
import { GlanceClient, ServiceHttp, toOcciError } from '../../src/backends/openstack/index.js';
import { closedPort } from '../../src/backends/openstack/replay.testing.js';
import { SKIP, stack } from './_stack.js';

describe('GlanceClient against the loopback OpenStack', { skip: SKIP, timeout: 60_000 }, () => {
  it('lists the images the project can use, tiny among them, active and public', async () => {
    const { glance } = (await stack()).clients;
    const { items } = await glance.listImages();
    const tiny = items.find((i) => i.name === 'tiny');
    assert.ok(tiny, 'the seeded image');
    assert.equal(tiny.status, 'active');
    assert.equal(tiny.visibility, 'public');
    assert.equal(tiny.disk_format, 'raw');
    assert.equal(tiny.size, 1048576);
  });

  it('pages with limit and next, and listAllImages() gathers every page', async () => {
    const { glance, counter } = await stack().then((s) => ({ glance: s.clients.glance, counter: s.counter }));
    const all = await glance.listAllImages();
    const first = await glance.listImages({ limit: 1 });
    assert.equal(first.items.length, 1);
    assert.equal(first.nextMarker, first.items[0].id, 'Glance links a next page even after the last image');
    const before = counter.byService.glance;
    const paged = await glance.listAllImages({ limit: 1 });
    assert.deepEqual(paged.map((i) => i.id), all.map((i) => i.id));
    assert.equal(counter.byService.glance - before, all.length + 1, 'one call per page, and one empty last page');
  });

  it('gets an image; a missing one is NotFoundError with Glance\'s message', async () => {
    const { glance } = (await stack()).clients;
    const [image] = (await glance.listImages({ name: 'tiny' })).items;
    assert.equal((await glance.getImage(image.id)).id, image.id);
    await assert.rejects(glance.getImage('00000000-0000-4000-8000-000000000000'), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof NotFoundError);
      assert.equal(occi.message, 'No image found with ID 00000000-0000-4000-8000-000000000000');
      return true;
    });
  });

  it('a service that does not answer is BackendUnavailableError naming it and its URL', async () => {
    const { token } = await stack();
    const port = await closedPort();
    const closed = new GlanceClient(new ServiceHttp({ service: 'glance', endpoint: `http://127.0.0.1:${port}`, token: token.id }));
    await assert.rejects(closed.listImages(), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof BackendUnavailableError);
      assert.equal(occi.message, `glance at http://127.0.0.1:${port} unavailable: connect ECONNREFUSED 127.0.0.1:${port}`);
      return true;
    });
  });
});
