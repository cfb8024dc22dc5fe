import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../errors.js';
import { answer, assertFields, fixture, replay, type Replay } from './replay.testing.js';
import { toOcciError } from './errors.js';
import { GlanceClient, type ImageFields } from './glance.js';
import { ServiceHttp } from './http.js';

describe('GlanceClient on recorded answers', () => {
  let r: Replay;
  let glance: GlanceClient;
  const recorded = fixture('glance-image').body as ImageFields;
  before(async () => {
    r = await replay((seen) => {
      if (seen.path === '/v2/images' && seen.query.get('marker') === null) return answer('glance-images');
      if (seen.path === '/v2/images') return { status: 200, body: { images: [{ ...recorded, id: 'second' }], first: '/v2/images' } };
      if (seen.path === `/v2/images/${recorded.id}`) return answer('glance-image');
      if (seen.path.startsWith('/v2/images/')) return answer('glance-404');
      return undefined;
    });
    glance = new GlanceClient(new ServiceHttp({ service: 'glance', endpoint: r.url, token: 't' }));
  });
  after(() => r.close());

  it('getImage() has every field ImageFields names, and free properties', async () => {
    const image = await glance.getImage(recorded.id);
    assertFields<ImageFields>(image, {
      id: true, name: true, status: true, visibility: true, owner: true, disk_format: true, container_format: true, size: true,
      min_disk: true, min_ram: true, protected: true, tags: true, created_at: true, updated_at: true,
    }, 'image');
    assert.equal(image.name, 'tiny');
    assert.equal(image.os_hash_algo, 'sha512');
  });

  it('listAllImages() follows next until the last page', async () => {
    const first = fixture('glance-images').body;
    assert.match(first.next, /marker=/);
    const images = await glance.listAllImages({ limit: 1 });
    assert.deepEqual(images.map((i) => i.id), [recorded.id, 'second']);
    assert.equal(r.seen.at(-1)!.query.get('marker'), recorded.id);
  });

  it('a missing image is NotFoundError with Glance\'s message, HTML removed', async () => {
    await assert.rejects(glance.getImage('00000000-0000-4000-8000-000000000000'), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof NotFoundError);
      assert.equal(occi.message, 'No image found with ID 00000000-0000-4000-8000-000000000000');
      return true;
    });
  });
});
