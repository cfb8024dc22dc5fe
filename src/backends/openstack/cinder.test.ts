import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../errors.js';
import { answer, assertFields, fixture, replay, type Replay } from './replay.testing.js';
import { CINDER_MICROVERSION, CinderClient, type Volume, type VolumeAttachmentInfo } from './cinder.js';
import { toOcciError } from './errors.js';
import { ServiceHttp } from './http.js';

const VOLUME_FIELDS = {
  id: true, name: true, description: true, status: true, size: true, availability_zone: true, bootable: true, attachments: true,
  volume_type: true, multiattach: true, encrypted: true, snapshot_id: true, source_volid: true, metadata: true, user_id: true,
  created_at: true, updated_at: true,
} as const;

describe('CinderClient on recorded answers', () => {
  let r: Replay;
  let cinder: CinderClient;
  const volume = fixture('cinder-volume').body.volume as Volume;
  before(async () => {
    r = await replay((seen) => {
      const p = seen.path.replace(/^\/v3\/[^/]+/, '');
      if (seen.method === 'GET' && p === `/volumes/${volume.id}`) return answer('cinder-volume');
      if (seen.method === 'GET' && p === '/volumes/detail') return answer('cinder-volumes-detail');
      if (seen.method === 'POST' && p === '/volumes') return answer('cinder-create-volume');
      if (seen.method === 'DELETE' && p.startsWith('/volumes/')) return answer('cinder-400');
      if (seen.method === 'POST' && p.endsWith('/action')) return { status: 202 };
      return undefined;
    });
    cinder = new CinderClient(new ServiceHttp({ service: 'cinder', endpoint: `${r.url}/v3/project`, token: 't', microversion: CINDER_MICROVERSION }));
  });
  after(() => r.close());

  it('getVolume() shows the attachment to a server, with every field Volume names', async () => {
    const got = await cinder.getVolume(volume.id);
    assertFields<Volume>(got, VOLUME_FIELDS, 'volume');
    assert.equal(got.status, 'in-use');
    assert.equal(got.size, 1);
    const [attachment] = got.attachments;
    assertFields<VolumeAttachmentInfo>(attachment, { id: true, attachment_id: true, volume_id: true, server_id: true, host_name: true, device: true, attached_at: true }, 'attachment');
    assert.equal(attachment.server_id, fixture('nova-server').body.server.id);
    assert.equal(r.seen.at(-1)!.headers['openstack-api-version'], 'volume 3.59');
  });

  it('listVolumes() reads a page and the next marker from volumes_links', async () => {
    const page = await cinder.listVolumes({ limit: 1 });
    assertFields<Volume>(page.items[0], VOLUME_FIELDS, 'listed volume');
    assert.equal(page.nextMarker, page.items[0].id);
  });

  it('createVolume() answers the volume in creating; extendVolume() sends os-extend', async () => {
    const created = await cinder.createVolume({ size: 1, name: 'v' });
    assert.equal(created.status, 'creating');
    assert.deepEqual(r.seen.at(-1)!.body, { volume: { size: 1, name: 'v' } });
    await cinder.extendVolume(volume.id, 3);
    assert.deepEqual(r.seen.at(-1)!.body, { 'os-extend': { new_size: 3 } });
  });

  it('deleting an attached volume is Cinder\'s 400, a ValidationError with its message', async () => {
    await assert.rejects(cinder.deleteVolume(volume.id), (err) => {
      const occi = toOcciError(err);
      assert.ok(occi instanceof ValidationError);
      assert.match(occi.message, /^Invalid volume: Volume status must be available/);
      return true;
    });
  });
});
