import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { toOcciError, type CinderClient, type Volume } from '../../src/backends/openstack/index.js';
import { bootServer, Cleanup, deleteVolume, eventually, gone, SKIP, stack, uniqueName } from './_stack.js';

describe('CinderClient against the loopback OpenStack', { skip: SKIP, timeout: 300_000 }, () => {
  const cleanup = new Cleanup();
  const prefix = uniqueName('cinder');
  let cinder: CinderClient;
  let server: string;

  before(async () => {
    cinder = (await stack()).clients.cinder;
    server = await bootServer(cleanup, { name: `${prefix}-server`, networks: 'none' });
  });
  after(() => cleanup.run());

  const settled = (id: string, want: Volume['status'], deadlineMs = 60_000) =>
    eventually(() => cinder.getVolume(id), (v) => v.status === want || v.status.startsWith('error'), `volume ${id} ${want}`, deadlineMs);

  async function newVolume(name: string): Promise<Volume> {
    const created = await cinder.createVolume({ size: 1, name: `${prefix}-${name}` });
    cleanup.add(`volume ${name}`, () => deleteVolume(created.id));
    assert.equal(created.status, 'creating');
    const ready = await settled(created.id, 'available');
    assert.equal(ready.status, 'available');
    return ready;
  }

  it('creates a volume, gets and lists it, deletes it', async () => {
    const volume = await newVolume('plain');
    assert.equal(volume.size, 1);
    assert.equal(volume.volume_type, 'fake');
    assert.deepEqual(volume.attachments, []);
    const page = await cinder.listVolumes({ name: `${prefix}-plain` });
    assert.deepEqual(page.items.map((v) => v.id), [volume.id]);
    await cinder.deleteVolume(volume.id);
    await gone(() => cinder.getVolume(volume.id), 'volume');
    await assert.rejects(cinder.getVolume(volume.id), (err) => toOcciError(err) instanceof NotFoundError);
  });

  it('attaches a volume through Nova (in-use, attachments name the server), then detaches it', async (t) => {
    const { nova } = (await stack()).clients;
    const volume = await newVolume('attached');
    const attachment = await nova.attachVolume(server, { volumeId: volume.id });
    assert.equal(attachment.volumeId, volume.id);
    const inUse = await settled(volume.id, 'in-use');
    assert.equal(inUse.status, 'in-use');
    assert.equal(inUse.attachments[0].server_id, server);
    assert.equal(inUse.attachments[0].device, attachment.device);
    assert.deepEqual((await nova.listVolumeAttachments(server)).map((a) => a.volumeId), [volume.id]);
    await assert.rejects(cinder.deleteVolume(volume.id), (err) => toOcciError(err) instanceof ValidationError, 'an attached volume is a 400');

    await nova.detachVolume(server, volume.id);
    const after = await eventually(() => cinder.getVolume(volume.id), (v) => v.status !== 'in-use' && v.status !== 'detaching', 'detached', 10_000).catch(() => undefined);
    if (after === undefined) {
      t.todo('Nova accepts the detach but Cinder refuses it the attachment delete (ConflictNovaUsingAttachment: nova sends no service token with the service role on this stack), so the volume stays detaching');
      return;
    }
    assert.equal(after.status, 'available');
  });

  it('snapshots a volume', async () => {
    const volume = await newVolume('snapped');
    const snapshot = await cinder.createSnapshot({ volume_id: volume.id, name: `${prefix}-snap` });
    cleanup.add('snapshot', () => cinder.deleteSnapshot(snapshot.id));
    const ready = await eventually(() => cinder.getSnapshot(snapshot.id), (x) => x.status !== 'creating', 'snapshot');
    assert.equal(ready.status, 'available');
    assert.equal(ready.volume_id, volume.id);
    await cinder.deleteSnapshot(snapshot.id);
    await gone(() => cinder.getSnapshot(snapshot.id), 'snapshot');
  });

  it('extends a volume with os-extend', async (t) => {
    const volume = await newVolume('grown');
    await cinder.extendVolume(volume.id, 2);
    const after = await eventually(() => cinder.getVolume(volume.id), (v) => v.status !== 'extending', 'extended');
    if (after.status === 'error_extending') {
      t.todo("the fake LVM driver cannot extend (FakeBrickLVM has no extend_volume): Cinder accepts and ends in error_extending");
      return;
    }
    assert.equal(after.size, 2);
  });

  it('backs a volume up', async (t) => {
    const services = await cinder.http.json<{ services: { binary: string; state: string }[] }>({ path: '/os-services', query: { binary: 'cinder-backup' } });
    if (!services.services.some((x) => x.state === 'up')) {
      // Cinder would accept it, end it in `error` ("Service not found for creating backup.") and refuse to delete it.
      t.skip('no cinder-backup service on this stack');
      return;
    }
    const volume = await newVolume('backed-up');
    const backup = await cinder.createBackup({ volume_id: volume.id, name: `${prefix}-backup` });
    cleanup.add('backup', () => cinder.deleteBackup(backup.id));
    const ended = await eventually(() => cinder.getBackup(backup.id), (b) => b.status !== 'creating', 'backup');
    assert.equal(ended.status, 'available');
  });
});
