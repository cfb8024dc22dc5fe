import { ConflictError, NotFoundError, NotImplementedError, PreconditionFailedError, ValidationError } from '../../errors.js';
import {
  COMPUTE, DOWN, NETWORK, NETWORKINTERFACE, OFFLINE, ONLINE, OS_TPL, RESOURCE_TPL, RESTART, SAVE, START, STOP, STORAGE, STORAGELINK, SUSPEND, UP,
  templateFamily, type Action, type Attributes, type Entity, type Link, type Mixin,
} from '../../model/index.js';
import type { ActionResult, EntityChange } from '../backend.js';
import { createEntities, settledServer, until } from './create.js';
import { METADATA_PORT, bootIds, parseLocation } from './mapping.js';
import type { Session } from './session.js';

type Read = (location: string) => Promise<Entity | undefined>;

/**
 * Applies each change as OpenStack calls, telling them apart by comparing
 * the entity before and after: a new title is a rename, a new os_tpl a
 * rebuild, a new resource_tpl a resize; user mixins are ours (TagStore);
 * inline links are attached. What OpenStack keeps for itself (state, cores
 * without a flavour) is left as it is.
 */
export async function changeEntities(s: Session, changes: readonly EntityChange[], read: Read): Promise<void> {
  for (const { before, after, links } of changes) {
    const where = parseLocation(before.location);
    if (!where || !(await read(before.location))) throw new NotFoundError(`no entity at ${before.location}`);
    const title = after.attributes['occi.core.title'];
    const renamed = typeof title === 'string' && title !== before.attributes['occi.core.title'];
    switch (where.collection) {
      case COMPUTE.location: {
        const { nova } = s.clients;
        if (renamed) {
          // A rename while Nova still builds the server can be undone by the build's own final save: wait for it.
          await settledServer(s, where.id);
          await nova.updateServer(where.id, { name: title }, s.call);
        }
        const catalog = await s.catalog.get(s.project, s.clients, s.call);
        const os = changed(s, before, after, OS_TPL);
        if (os) {
          const image = s.catalog.imageOf(os.id, catalog);
          if (!image) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `${os.id} is not an image this project can boot`);
          await nova.action(where.id, { rebuild: { imageRef: image.id } }, s.call);
        }
        const size = changed(s, before, after, RESOURCE_TPL);
        if (size) {
          const flavor = s.catalog.flavorOf(size.id, catalog);
          if (!flavor) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', `${size.id} is not a flavour of this project`);
          await nova.resize(where.id, flavor.id, s.call);
        }
        break;
      }
      case NETWORK.location:
        if (renamed) await s.clients.neutron.updateNetwork(where.id, { name: title }, s.call);
        break;
      case STORAGE.location:
        if (renamed) await s.clients.cinder.updateVolume(where.id, { name: title }, s.call);
        break;
    }
    // The entity's owner's user mixins (their name space).
    const owner = before.owner ?? s.ctx.owner;
    await s.tags.set(owner, before.location, after.mixins.filter((id) => s.model.visibleTo(owner).findMixin(id)?.origin === 'user'));
    if (links && links.length > 0) {
      if (where.collection !== COMPUTE.location) throw new ValidationError('OCCI_ERR_VALIDATION_LINK', 'only a compute carries links here');
      await createEntities(s, links.map((l) => ({ ...l, source: before.location })));
    }
  }
}

/** The template of one family the change swaps in, if it does. */
function changed(s: Session, before: Entity, after: Entity, family: Mixin): Mixin | undefined {
  const of = (e: Entity) => e.mixins.map((id) => s.model.findMixin(id)).find((m) => m && templateFamily(m) === family);
  const [was, now] = [of(before), of(after)];
  return now && now !== was ? now : undefined;
}

/** Deletes one after another; an entity this user cannot see is NotFoundError. */
export async function deleteEntities(s: Session, locations: readonly string[], ifVersion: string | undefined, read: Read): Promise<void> {
  const { nova, neutron, cinder } = s.clients;
  for (const location of locations) {
    const entity = await read(location);
    if (!entity) throw new NotFoundError(`no entity at ${location}`);
    // Best effort (capabilities.conditionalWrites is false): OpenStack has no compare-and-set.
    if (ifVersion !== undefined && entity.version !== ifVersion) throw new PreconditionFailedError(`If-Match: ${location} is at version "${entity.version}" now`);
    const { collection, id } = parseLocation(location)!;
    switch (collection) {
      case COMPUTE.location: {
        // Nova keeps the ports it was given at boot (ours: created first) and floating IPs: the links go with the compute.
        const [server, bound, floating] = await Promise.all([nova.getServer(id, s.call), neutron.listPorts({ device_id: id }, s.call), neutron.listFloatingIps({}, s.call)]);
        // A server still being built has not bound its ports yet: those made for it are named in its metadata.
        const ours = bootIds(server, METADATA_PORT);
        const ports = [...new Set([...bound.map((p) => p.id), ...ours])].map((portId) => ({ id: portId }));
        await nova.deleteServer(id, s.call);
        const gone = (err: unknown) => (err as { status?: number }).status === 404;
        await Promise.all([
          ...floating.filter((f) => ports.some((p) => p.id === f.port_id)).map((f) => neutron.deleteFloatingIp(f.id, s.call).catch((e) => { if (!gone(e)) throw e; })),
          ...ports.map((p) => neutron.deletePort(p.id, s.call).catch((e) => { if (!gone(e)) throw e; })),
        ]);
        break;
      }
      case NETWORK.location:
        await neutron.deleteNetwork(id, s.call);
        s.catalog.invalidate(s.project);
        break;
      case STORAGE.location: {
        // A volume on its way in or out of a server settles first; one attached is a conflict Cinder words poorly.
        let volume = await cinder.getVolume(id, s.call);
        await until(s, `${location} was still ${volume.status}`, async () => {
          volume = await cinder.getVolume(id, s.call);
          return !['attaching', 'detaching', 'reserved', 'creating'].includes(volume.status);
        });
        if (volume.status === 'in-use') {
          const servers = volume.attachments.map((a) => COMPUTE.location + a.server_id).join(', ');
          throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `${location} is attached to ${servers}: delete its storagelink first`);
        }
        await cinder.deleteVolume(id, s.call);
        break;
      }
      case NETWORKINTERFACE.location:
        if (id.startsWith('fip-')) await neutron.deleteFloatingIp(id.slice(4), s.call);
        else {
          const server = parseLocation((entity as Link).source)!.id;
          await settledServer(s, server);
          await nova.detachInterface(server, id, s.call);
          // A port made for the server at boot is ours: Nova leaves it when it detaches it, we delete it.
          if (bootIds(await nova.getServer(server, s.call), METADATA_PORT).includes(id)) {
            await until(s, `${location} was still attached`, async () => (await neutron.getPort(id, s.call)).device_id === '');
            await neutron.deletePort(id, s.call);
          }
        }
        break;
      case STORAGELINK.location: {
        const [server, volume] = [id.slice(0, id.indexOf('_')), id.slice(id.indexOf('_') + 1)];
        await settledServer(s, server);
        await nova.detachVolume(server, volume, s.call);
        break;
      }
    }
    await s.tags.forget([location, ...((entity as { links?: Entity[] }).links ?? []).map((l) => l.location)]);
  }
}

/**
 * An action as OpenStack does it; valid only when the entity's `actions`
 * (what Nova accepts in its current status) include it. The answer is the
 * entity as OpenStack shows it right after: the new state comes later.
 */
export async function invokeAction(
  s: Session, location: string, action: Action, parameters: Attributes, ifVersion: string | undefined, read: Read,
): Promise<ActionResult> {
  const entity = await read(location);
  if (!entity) throw new NotFoundError(`no entity at ${location}`);
  const kind = s.model.getKind(entity.kind);
  if (!s.model.actionsFor(kind, s.model.resolveMixins(entity.mixins)).includes(action)) {
    throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `action ${action.term} is not defined for ${location}`);
  }
  if (ifVersion !== undefined && entity.version !== ifVersion) throw new PreconditionFailedError(`If-Match: ${location} is at version "${entity.version}" now`);
  if (action.id === OFFLINE.id) throw new NotImplementedError('offline: Cinder cannot take a volume offline; detach it instead');
  if (!(entity.actions ?? []).includes(action.id)) {
    const state = String(entity.attributes[`occi.${kind.term}.state`] ?? '');
    const message = entity.attributes[`occi.${kind.term}.state.message`];
    throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `action ${action.term} is not valid for ${location} while it is ${state}${message ? ` (${String(message)})` : ''}`);
  }
  const { nova, neutron } = s.clients;
  const id = parseLocation(location)!.id;
  const status = entity.attributes['occi.compute.state'];
  switch (action.id) {
    case START.id:
      await (status === 'suspended' ? nova.resume(id, s.call) : nova.start(id, s.call));
      break;
    case STOP.id:
      await nova.stop(id, s.call);
      break;
    case RESTART.id:
      await nova.reboot(id, parameters.method === 'cold' ? 'HARD' : 'SOFT', s.call);
      break;
    case SUSPEND.id:
      await nova.suspend(id, s.call);
      break;
    case SAVE.id: {
      const name = String(parameters.name ?? `${String(entity.attributes['occi.core.title'] ?? id)} snapshot`);
      const imageId = await nova.createImage(id, name, {}, s.call);
      s.catalog.invalidate(s.project);
      const catalog = await s.catalog.get(s.project, s.clients, s.call);
      s.catalog.offer(s.model, s.ctx.owner, catalog);
      const mixin = s.model.findMixin(s.catalog.osTemplateId(imageId));
      if (!mixin) throw new ConflictError('OCCI_ERR_CONFLICT_STATE', `the snapshot ${imageId} was made but Glance does not list it yet; it appears among the OS templates once it does`);
      return { type: 'mixin', mixin };
    }
    case UP.id:
    case DOWN.id:
      await neutron.updateNetwork(id, { admin_state_up: action.id === UP.id }, s.call);
      break;
    case ONLINE.id:
      break;
  }
  const after = await read(location);
  if (!after) throw new NotFoundError(`${location} is gone`);
  return { type: 'entity', entity: after };
}
