import { createHash } from 'node:crypto';
import { parseTemplate, TemplateSyntaxError, tplString, type Tpl, type Vector } from './one-template.js';
import { authorize, bool, fail, int, invalidName, poolFilter, str, type Call, type Method } from './rpc.js';
import { UMASK_177, type Datastore, type Image, type OnedState, type Perms, type User } from './state.js';
import { datastoreXml, imageXml, node } from './xml.js';

/** Image states and types, include/Image.h (xml-rpc.md §4.4). */
export const IMG_STATE = { INIT: 0, READY: 1, USED: 2, DISABLED: 3, LOCKED: 4, ERROR: 5, CLONE: 6, DELETE: 7, USED_PERS: 8 } as const;
export const IMG_TYPES = ['OS', 'CDROM', 'DATABLOCK', 'KERNEL', 'RAMDISK', 'CONTEXT', 'BACKUP'];
const IMG_STATE_NAMES = Object.keys(IMG_STATE);

/** Datastore types: 0 IMAGE_DS, 1 SYSTEM_DS, 2 FILE_DS. */
export function seedDatastores(state: OnedState): void {
  const seeds: Array<[string, string, string, number]> = [['system', '-', 'ssh', 1], ['default', 'fs', 'ssh', 0], ['files', 'fs', 'ssh', 2]];
  for (const [name, dsMad, tmMad, type] of seeds) {
    const id = state.takeId('datastore');
    const template: Tpl = [{ name: 'DS_MAD', value: dsMad }, { name: 'TM_MAD', value: tmMad }, { name: 'TYPE', value: ['IMAGE_DS', 'SYSTEM_DS', 'FILE_DS'][type] }];
    const ds: Datastore = { id, uid: 0, gid: 0, name, perms: [1, 1, 0, 1, 0, 0, 1, 0, 0], dsMad, tmMad, type, diskType: 0, totalMb: 102400, template };
    state.datastores.set(id, ds);
  }
}

const source = (dsId: number, seed: string): string =>
  `/var/lib/one//datastores/${dsId}/${createHash('md5').update(seed).digest('hex')}`;

export interface ImageSeed { name: string; uid: number; gid: number; perms: Perms; type: number; size: number; persistent?: boolean; template?: Tpl }

export function seedImage(state: OnedState, seed: ImageSeed): Image {
  const id = state.takeId('image');
  const img: Image = {
    id, uid: seed.uid, gid: seed.gid, name: seed.name, perms: seed.perms, type: seed.type, persistent: seed.persistent ?? false,
    regtime: state.now(), modtime: state.now(), source: source(1, `${id}`), path: '', format: 'qcow2', fs: '', size: seed.size,
    state: IMG_STATE.READY, prevState: IMG_STATE.READY, datastoreId: 1, vms: [],
    template: seed.template ?? [{ name: 'DEV_PREFIX', value: 'vd' }, { name: 'DRIVER', value: 'qcow2' }],
  };
  state.images.set(id, img);
  return img;
}

/** READY / USED / USED_PERS follow the users of an image; other states are the driver's business. */
export function refreshImageState(img: Image): void {
  if (![IMG_STATE.READY, IMG_STATE.USED, IMG_STATE.USED_PERS].includes(img.state as 1 | 2 | 8)) return;
  const next = img.vms.length === 0 ? IMG_STATE.READY : img.persistent ? IMG_STATE.USED_PERS : IMG_STATE.USED;
  if (next !== img.state) { img.prevState = img.state; img.state = next; }
}

/** A disk cannot use the image (missing, wrong state, persistent and taken); oned reports it per method. */
export class DiskError extends Error {}

/** Finds the image a DISK vector names (IMAGE_ID, or IMAGE + IMAGE_UNAME) and checks USE on it. */
export function resolveImage(call: Call, disk: Vector): Image {
  let id = disk.IMAGE_ID !== undefined ? Number(disk.IMAGE_ID) : undefined;
  if (id === undefined) {
    const owner = disk.IMAGE_UNAME ?? call.user.name;
    id = [...call.state.images.values()].find((i) => i.name === disk.IMAGE && call.state.uname(i.uid) === owner)?.id;
    if (id === undefined) throw new DiskError(`Image "${disk.IMAGE ?? ''}" of user ${owner} does not exist.`);
  }
  if (!call.state.images.has(id)) throw new DiskError(`Error getting image [${id}].`);
  return authorize(call, call.state.images, id, 'image', 'IMAGE', 'USE');
}

/** ImagePool::acquire_disk: the image gains the VM as a user. */
export function acquireImage(img: Image, vmId: number): void {
  if (![IMG_STATE.READY, IMG_STATE.USED, IMG_STATE.USED_PERS].includes(img.state as 1 | 2 | 8)) {
    throw new DiskError(`Cannot acquire image ${img.id} in state ${IMG_STATE_NAMES[img.state]}.`);
  }
  if (img.persistent && img.vms.length > 0) throw new DiskError(`Cannot acquire image ${img.id}, it is persistent and already in use.`);
  img.vms.push(vmId);
  refreshImageState(img);
}

export function releaseImage(state: OnedState, imageId: number, vmId: number): void {
  const img = state.images.get(imageId);
  if (!img) return;
  const at = img.vms.indexOf(vmId);
  if (at !== -1) img.vms.splice(at, 1);
  refreshImageState(img);
}

/** Creates an image in LOCKED that turns READY after one step, as the datastore driver copies it. */
export function createImage(state: OnedState, owner: User, fields: { name: string; type: number; size: number; persistent: boolean; dsId: number; path: string; template: Tpl }): Image {
  const id = state.takeId('image');
  const img: Image = {
    id, uid: owner.id, gid: owner.gid, name: fields.name, perms: UMASK_177, type: fields.type, persistent: fields.persistent,
    regtime: state.now(), modtime: state.now(), source: source(fields.dsId, `${id}-${fields.name}`), path: fields.path,
    format: fields.type === 2 && !fields.path ? 'raw' : 'qcow2', fs: '', size: fields.size, state: IMG_STATE.LOCKED,
    prevState: IMG_STATE.INIT, datastoreId: fields.dsId, vms: [], template: fields.template,
  };
  state.images.set(id, img);
  state.stepper.schedule(`image:${id}`, [() => { img.prevState = img.state; img.state = IMG_STATE.READY; }]);
  return img;
}

export function nameTaken(state: OnedState, uid: number, name: string): number | undefined {
  return [...state.images.values()].find((i) => i.uid === uid && i.name === name)?.id;
}

function allocate(call: Call): number {
  const { state, user } = call;
  let tpl: Tpl;
  try {
    tpl = parseTemplate(str(call, 0));
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw fail.internal(err.message);
    throw err;
  }
  const dsId = int(call, 1);
  const ds = authorize(call, state.datastores, dsId, 'datastore', 'DATASTORE', 'USE');
  if (ds.type === 1) throw fail.allocate('image', 'New images can only be allocated in a files or image datastore.');
  const name = tplString(tpl, 'NAME');
  if (name === undefined) throw fail.allocate('image', 'No NAME in template.');
  const bad = invalidName(name);
  if (bad) throw fail.allocate('image', bad);
  const clash = nameTaken(state, user.id, name);
  if (clash !== undefined) throw fail.allocate('image', `NAME is already taken by IMAGE ${clash}.`);
  const typeName = (tplString(tpl, 'TYPE') ?? 'OS').toUpperCase();
  const type = IMG_TYPES.indexOf(typeName);
  if (type === -1) throw fail.allocate('image', `Unknown type ${typeName}`);
  const path = tplString(tpl, 'PATH') ?? '';
  const size = Number(tplString(tpl, 'SIZE') ?? (path ? 1024 : Number.NaN));
  if (!path && !tplString(tpl, 'SOURCE') && type !== 2) throw fail.allocate('image', 'No PATH nor SOURCE in template.');
  if (!(size > 0)) throw fail.allocate('image', 'SIZE must be a positive integer.');
  const used = [...state.images.values()].filter((i) => i.datastoreId === dsId).reduce((n, i) => n + i.size, 0);
  if (used + size > ds.totalMb && !(bool(call, 2) && state.isAdmin(user))) throw fail.allocate('image', 'Not enough space in datastore');
  // oned.conf DEFAULT_IMAGE_PERSISTENT_NEW: a new empty datablock is persistent unless told otherwise.
  const persistentText = tplString(tpl, 'PERSISTENT')?.toUpperCase();
  const persistent = persistentText !== undefined ? persistentText === 'YES' : type === 2 && !path;
  const keep = new Set(['NAME', 'TYPE', 'PATH', 'SIZE', 'PERSISTENT', 'SOURCE', 'FORMAT']);
  const template = tpl.filter((a) => !keep.has(a.name));
  return createImage(state, user, { name, type, size, persistent, dsId, path, template }).id;
}

function remove(call: Call): number {
  const id = int(call, 0);
  const img = authorize(call, call.state.images, id, 'image', 'IMAGE', 'MANAGE');
  if (img.vms.length > 0) throw fail.action(`Cannot delete image. There are ${img.vms.length} VMs using it.`, id);
  if (img.state === IMG_STATE.LOCKED && !bool(call, 1)) {
    throw fail.internal('Image locked, use --force flag to remove the image. Warning: this will leave temporary files in the datastore.', id);
  }
  img.prevState = img.state;
  img.state = IMG_STATE.DELETE;
  call.state.stepper.schedule(`image:${id}`, [() => { call.state.images.delete(id); }]);
  return id;
}

const info = (call: Call): string => {
  const img = authorize(call, call.state.images, int(call, 0), 'image', 'IMAGE', 'USE');
  const xml = imageXml(call.state, img);
  call.state.stepper.observed(`image:${img.id}`);
  return xml;
};

function chtype(call: Call): number {
  const id = int(call, 0);
  const img = authorize(call, call.state.images, id, 'image', 'IMAGE', 'MANAGE');
  const type = IMG_TYPES.indexOf(str(call, 1).toUpperCase());
  if (type === -1) throw fail.internal(`Unknown type ${str(call, 1)}`, id);
  img.type = type;
  img.modtime = call.state.now();
  return id;
}

function persistent(call: Call): number {
  const id = int(call, 0);
  const img = authorize(call, call.state.images, id, 'image', 'IMAGE', 'MANAGE');
  if (img.vms.length > 0) throw fail.internal(`Cannot change the persistent state of an image in use by ${img.vms.length} VMs.`, id);
  img.persistent = bool(call, 1);
  return id;
}

function rename(call: Call): number {
  const id = int(call, 0);
  const img = authorize(call, call.state.images, id, 'image', 'IMAGE', 'MANAGE');
  const name = str(call, 1);
  const bad = invalidName(name);
  if (bad) throw fail.action(bad, id);
  const clash = nameTaken(call.state, img.uid, name);
  if (clash !== undefined && clash !== id) throw fail.action(`NAME is already taken by IMAGE ${clash}.`, id);
  img.name = name;
  return id;
}

export const IMAGE_METHODS: Record<string, Method> = {
  'one.image.allocate': { params: ['string', 'int'], optional: ['boolean'], run: allocate },
  'one.image.delete': { params: ['int'], optional: ['boolean'], run: remove },
  'one.image.info': { params: ['int'], optional: ['boolean'], run: info },
  'one.image.chtype': { params: ['int', 'string'], run: chtype },
  'one.image.persistent': { params: ['int', 'boolean'], run: persistent },
  'one.image.rename': { params: ['int', 'string'], run: rename },
  'one.imagepool.info': {
    params: ['int', 'int', 'int'],
    run: (call) => {
      const images = poolFilter(call, call.state.images.values(), int(call, 0), int(call, 1), int(call, 2));
      const xml = node('IMAGE_POOL', images.map((i) => imageXml(call.state, i)).join(''));
      for (const i of images) call.state.stepper.observed(`image:${i.id}`);
      return xml;
    },
  },
  'one.datastore.info': {
    params: ['int'], optional: ['boolean'],
    run: (call) => datastoreXml(call.state, authorize(call, call.state.datastores, int(call, 0), 'datastore', 'DATASTORE', 'USE')),
  },
  'one.datastorepool.info': {
    params: [],
    run: (call) => {
      const all = [...call.state.datastores.values()].filter((d) => call.state.can(call.user, d, 'USE'));
      return node('DATASTORE_POOL', all.map((d) => datastoreXml(call.state, d)).join(''));
    },
  },
};
