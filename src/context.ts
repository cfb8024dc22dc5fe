/**
 * Who is asking, and until when: what authentication hands every backend
 * call. Shared by `auth` (which builds it) and `backends` (which read it),
 * so neither imports the other.
 */

import { BackendTimeoutError } from './errors.js';

/**
 * Proof of identity an authenticator produced, opaque to the HTTP layer: a
 * backend that calls a cloud as the user (a Keystone token, OpenNebula
 * credentials) reads the shape its scheme documents; every other code passes it on.
 */
export interface Credentials {
  /** The scheme that produced them (`keystone`, `basic`, ...): how a backend knows the shape. */
  readonly scheme: string;
}

/** One service of a Keystone catalog, as Keystone v3 lists it with a token. */
export interface KeystoneCatalogEntry {
  readonly type: string;
  readonly name?: string;
  readonly endpoints: ReadonlyArray<{ readonly interface: string; readonly region?: string; readonly region_id?: string; readonly url: string }>;
}

/** A project-scoped Keystone token (src/auth/keystone.ts): sent by the client, or exchanged for its basic credentials. */
export interface KeystoneCredentials extends Credentials {
  readonly scheme: 'keystone';
  readonly token: string;
  /** Epoch milliseconds after which Keystone no longer accepts the token. */
  readonly expiresAt: number;
  readonly projectId?: string;
  readonly userId?: string;
  /** The services this token may call, with their endpoints. */
  readonly catalog: readonly KeystoneCatalogEntry[];
}

/** HTTP basic user and password (src/auth/basic.ts), for backends whose cloud checks them itself. */
export interface BasicCredentials extends Credentials {
  readonly scheme: 'basic';
  readonly user: string;
  readonly password: string;
}

/** Who is asking. Every backend call carries it; isolation is the backend's job. */
export interface RequestContext {
  /** The authenticated user (`anonymous` without authentication). */
  readonly user: string;
  /** The owner new entities get: the user, or their group under group tenancy. */
  readonly owner: string;
  /** Sees and touches everything. */
  readonly admin: boolean;
  /** What the authenticator produced, for backends that call their cloud as the user. */
  readonly credentials?: Credentials;
  /**
   * Epoch milliseconds by which the backend must have answered; past it a
   * backend gives up with BackendTimeoutError (504) instead of holding the
   * client. Undefined: no deadline.
   */
  readonly deadline?: number;
}

export const ANONYMOUS: RequestContext = Object.freeze({ user: 'anonymous', owner: 'anonymous', admin: false });

/**
 * An AbortSignal that fires at the context's deadline (and with `signal`),
 * for upstream calls; undefined when neither is set. Built on demand, so
 * requests that never leave the process pay nothing for it.
 */
export function deadlineSignal(ctx: RequestContext, signal?: AbortSignal): AbortSignal | undefined {
  if (ctx.deadline === undefined) return signal;
  const timeout = AbortSignal.timeout(Math.max(0, ctx.deadline - Date.now()));
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Throws BackendTimeoutError (504) when the context's deadline has passed: nothing is started that the client no longer waits for. */
export function checkDeadline(ctx: RequestContext, service: string): void {
  if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) {
    throw new BackendTimeoutError(`${service} did not answer before the request's deadline`);
  }
}
