import { markerOf, type CallOptions, type Page, type ServiceHttp } from './http.js';

/**
 * The volume microversion the client asks for unless told otherwise: Train
 * (3.59), as for Nova; it extends in-use volumes (3.42). Zed goes up to 3.70;
 * from 3.66 a snapshot of an in-use volume no longer needs `force`.
 */
export const CINDER_MICROVERSION = '3.59';

/** An attachment as the volume lists it: where it is attached. */
export interface VolumeAttachmentInfo {
  readonly id: string;
  readonly attachment_id: string;
  readonly volume_id: string;
  readonly server_id: string;
  readonly host_name: string | null;
  readonly device: string;
  readonly attached_at: string;
}

export type VolumeStatus =
  | 'creating' | 'available' | 'reserved' | 'attaching' | 'detaching' | 'in-use' | 'maintenance' | 'deleting'
  | 'awaiting-transfer' | 'error' | 'error_deleting' | 'backing-up' | 'restoring-backup' | 'error_backing-up'
  | 'error_restoring' | 'error_extending' | 'downloading' | 'uploading' | 'retyping' | 'extending';

/** Cinder's volume body (v3), with the fields the backend reads. */
export interface Volume {
  readonly id: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly status: VolumeStatus;
  /** GiB. */
  readonly size: number;
  readonly availability_zone: string;
  /** The string `"true"` or `"false"`. */
  readonly bootable: string;
  readonly attachments: readonly VolumeAttachmentInfo[];
  readonly volume_type: string | null;
  readonly multiattach: boolean;
  readonly encrypted: boolean;
  readonly snapshot_id: string | null;
  readonly source_volid: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly user_id: string;
  readonly created_at: string;
  readonly updated_at: string | null;
  readonly 'os-vol-tenant-attr:tenant_id'?: string;
}

export interface Snapshot {
  readonly id: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly status: string;
  readonly size: number;
  readonly volume_id: string;
  readonly created_at: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Backup {
  readonly id: string;
  readonly name: string | null;
  readonly status?: string;
  readonly volume_id?: string;
  readonly size?: number;
  readonly fail_reason?: string | null;
}

export interface VolumeCreate {
  /** GiB. */
  readonly size: number;
  readonly name?: string;
  readonly description?: string;
  readonly volume_type?: string;
  readonly availability_zone?: string;
  readonly snapshot_id?: string;
  readonly source_volid?: string;
  readonly imageRef?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

const enc = (s: string) => encodeURIComponent(s);

/**
 * Cinder (block storage v3): volumes, their extend action, snapshots and
 * backups. The catalog's endpoint carries the project (`/v3/<project_id>`).
 * Attachments are made through Nova (`NovaClient.attachVolume`); Cinder shows
 * them in the volume's `attachments`.
 *
 * @example
 *   const cinder = new CinderClient(new ServiceHttp({ service: 'cinder', endpoint, token, microversion: CINDER_MICROVERSION }));
 *   const volume = await cinder.createVolume({ size: 1, name: 'data' });
 */
export class CinderClient {
  readonly http: ServiceHttp;

  constructor(http: ServiceHttp) {
    this.http = http;
  }

  async listVolumes(query: { name?: string; status?: VolumeStatus; marker?: string; limit?: number; sort?: string } = {}, call: CallOptions = {}): Promise<Page<Volume>> {
    const body = await this.http.json<{ volumes: Volume[]; volumes_links?: { rel: string; href: string }[] }>({ ...call, path: '/volumes/detail', query });
    return { items: body.volumes, nextMarker: markerOf(body.volumes_links?.find((l) => l.rel === 'next')?.href) };
  }

  async getVolume(id: string, call: CallOptions = {}): Promise<Volume> {
    return (await this.http.json<{ volume: Volume }>({ ...call, path: `/volumes/${enc(id)}` })).volume;
  }

  /** Answers at once (202) with the volume `creating`; it turns `available` or `error`. */
  async createVolume(volume: VolumeCreate, call: CallOptions = {}): Promise<Volume> {
    return (await this.http.json<{ volume: Volume }>({ ...call, method: 'POST', path: '/volumes', body: { volume } })).volume;
  }

  async updateVolume(id: string, changes: { name?: string; description?: string }, call: CallOptions = {}): Promise<Volume> {
    return (await this.http.json<{ volume: Volume }>({ ...call, method: 'PUT', path: `/volumes/${enc(id)}`, body: { volume: changes } })).volume;
  }

  /** An attached volume or one with snapshots is a 400 (not a 409) from Cinder. */
  async deleteVolume(id: string, call: CallOptions & { cascade?: boolean } = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/volumes/${enc(id)}`, query: { cascade: call.cascade ? true : undefined } });
  }

  async #action(id: string, body: Record<string, unknown>, call: CallOptions) {
    return this.http.request({ ...call, method: 'POST', path: `/volumes/${enc(id)}/action`, body });
  }

  /** Grows the volume to `newSize` GiB (never shrinks); `extending` then back to its status. */
  async extendVolume(id: string, newSize: number, call: CallOptions = {}): Promise<void> {
    await this.#action(id, { 'os-extend': { new_size: newSize } }, call);
  }

  /** `force` is needed for an in-use volume before microversion 3.66. */
  async createSnapshot(snapshot: { volume_id: string; name?: string; description?: string; force?: boolean }, call: CallOptions = {}): Promise<Snapshot> {
    return (await this.http.json<{ snapshot: Snapshot }>({ ...call, method: 'POST', path: '/snapshots', body: { snapshot } })).snapshot;
  }

  async getSnapshot(id: string, call: CallOptions = {}): Promise<Snapshot> {
    return (await this.http.json<{ snapshot: Snapshot }>({ ...call, path: `/snapshots/${enc(id)}` })).snapshot;
  }

  async deleteSnapshot(id: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/snapshots/${enc(id)}` });
  }

  /** Needs a cinder-backup service; without one the backup ends in `error`. */
  async createBackup(backup: { volume_id: string; name?: string; description?: string; incremental?: boolean; force?: boolean }, call: CallOptions = {}): Promise<Backup> {
    return (await this.http.json<{ backup: Backup }>({ ...call, method: 'POST', path: '/backups', body: { backup } })).backup;
  }

  async getBackup(id: string, call: CallOptions = {}): Promise<Backup> {
    return (await this.http.json<{ backup: Backup }>({ ...call, path: `/backups/${enc(id)}` })).backup;
  }

  /** `force` (admin, `os-force_delete`) waits on the backup service over RPC: without one it never answers. */
  async deleteBackup(id: string, call: CallOptions & { force?: boolean } = {}): Promise<void> {
    if (call.force) await this.http.request({ ...call, method: 'POST', path: `/backups/${enc(id)}/action`, body: { 'os-force_delete': {} } });
    else await this.http.request({ ...call, method: 'DELETE', path: `/backups/${enc(id)}` });
  }
}
