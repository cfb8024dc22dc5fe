import { checkDeadline, deadlineSignal, type KeystoneCredentials, type RequestContext } from '../../context.js';
import { AuthenticationError, type OcciError } from '../../errors.js';
import type { Model } from '../../model/index.js';
import type { TagStore } from '../embedded/index.js';
import type { TemplateCatalog } from './catalog.js';
import { createClients, type ClientsOptions, type OpenStackClients } from './clients.js';
import { toOcciError } from './errors.js';
import type { CallOptions } from './http.js';

/** One request's view of OpenStack: the user's clients, the deadline, and what the backend shares. */
export interface Session {
  readonly ctx: RequestContext;
  readonly clients: OpenStackClients;
  readonly call: CallOptions;
  /** The token's project: the key of per-project caches. */
  readonly project: string;
  readonly model: Model;
  readonly catalog: TemplateCatalog;
  readonly tags: TagStore;
  /** Name or id of the image a compute without an OS template boots. */
  readonly defaultImage?: string;
}

export interface SessionShared {
  readonly model: Model;
  readonly catalog: TemplateCatalog;
  readonly tags: TagStore;
  readonly clients: ClientsOptions;
  readonly defaultImage?: string;
}

/**
 * The clients of the requesting user: every OpenStack call is made with the
 * user's own Keystone token (from `--auth keystone`), to the endpoints of its
 * catalog, so OpenStack's policies and quotas apply.
 */
export function openSession(ctx: RequestContext, shared: SessionShared): Session {
  checkDeadline(ctx, 'OpenStack');
  const creds = ctx.credentials as KeystoneCredentials | undefined;
  if (creds?.scheme !== 'keystone') {
    throw new AuthenticationError(
      'the openstack backend calls OpenStack as the user: authenticate with a Keystone token (X-Auth-Token) or a Keystone user\'s basic credentials (--auth keystone)',
    );
  }
  const clients = createClients(creds.token, creds.catalog, shared.clients);
  const signal = deadlineSignal(ctx);
  return {
    ctx, clients, call: signal ? { signal } : {}, project: creds.projectId ?? ctx.owner,
    model: shared.model, catalog: shared.catalog, tags: shared.tags, defaultImage: shared.defaultImage,
  };
}

/** Runs an OpenStack operation with its failures in OCCI's terms. */
export async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toOcciError(err) as OcciError;
  }
}

/** True for OpenStack's "not there" (a 404 after mapping). */
export function isNotFound(err: unknown): boolean {
  return (err as OcciError)?.code === 'OCCI_ERR_NOT_FOUND' || (err as { status?: number })?.status === 404;
}
