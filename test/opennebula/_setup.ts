/**
 * The OpenNebula backend on a fresh oned simulator (127.0.0.1, a free port)
 * with alice (seeded) and bob (added), each signing in with their own
 * OpenNebula credentials, and oneadmin as the administrator.
 */
import type { BasicCredentials, RequestContext } from '../../src/backends/index.js';
import { DEFAULT_SIZES } from '../../src/backends/opennebula/definition.js';
import { OpenNebulaBackend, type OpenNebulaOptions } from '../../src/backends/opennebula/index.js';
import { standardModel, type Model } from '../../src/model/index.js';
import { startOnedSimulator, type OnedSimulator, type OnedSimulatorOptions } from '../simulators/oned/index.js';

export const SCHEME = 'http://occi.test.example/occi/';

export function basic(user: string, password: string): BasicCredentials {
  return { scheme: 'basic', user, password };
}

export function asUser(user: string, password: string, admin = false): RequestContext {
  return { user, owner: user, admin, credentials: basic(user, password) };
}

export function backendOptions(sim: OnedSimulator, overrides: Partial<OpenNebulaOptions> = {}): OpenNebulaOptions {
  return {
    url: sim.url, timeoutMs: 5000, mapping: 'user', userGroup: 1, tagsDir: ':memory:', scheme: SCHEME, datastore: 1, vnMad: 'bridge',
    sizes: DEFAULT_SIZES, cacheTtlMs: 30_000, ...overrides,
  };
}

export interface OnedSubject {
  sim: OnedSimulator;
  backend: OpenNebulaBackend;
  model: Model;
  users: { alice: RequestContext; bob: RequestContext; admin: RequestContext };
  teardown(): Promise<void>;
}

/** A started backend on a fresh simulator; `teardown` stops both. */
export async function onedSubject(sim: OnedSimulatorOptions = {}, overrides: Partial<OpenNebulaOptions> = {}): Promise<OnedSubject> {
  const oned = await startOnedSimulator({ host: '127.0.0.1', port: 0, ...sim });
  oned.addUser({ name: 'bob', password: 'bob-pw' });
  const model = standardModel();
  const backend = new OpenNebulaBackend(backendOptions(oned, overrides));
  await backend.start(model);
  return {
    sim: oned,
    backend,
    model,
    users: { alice: asUser('alice', 'alice-pw'), bob: asUser('bob', 'bob-pw'), admin: asUser('oneadmin', 'opennebula', true) },
    teardown: async () => {
      await backend.stop();
      await oned.close();
    },
  };
}
