/**
 * A real occi-server (src/cli/start.ts) on 127.0.0.1, a free port, serving
 * an oned simulator with `--backend opennebula --auth opennebula`.
 */
import { start } from '../../src/cli/start.js';
import { DEFAULTS, type Config } from '../../src/config/index.js';
import { startOnedSimulator, type OnedSimulator, type OnedSimulatorOptions } from '../simulators/oned/index.js';
import { SCHEME } from './_setup.js';

export interface OnedServer {
  readonly base: string;
  readonly sim: OnedSimulator;
  /** Authorization headers of alice (seeded) and bob (added). */
  readonly alice: Record<string, string>;
  readonly bob: Record<string, string>;
  stop(): Promise<void>;
}

export const basicHeader = (user: string, password: string): Record<string, string> =>
  ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

export async function startOnedServer(sim: OnedSimulatorOptions = {}, overrides: Partial<Config> = {}, backend: Record<string, unknown> = {}): Promise<OnedServer> {
  const oned = await startOnedSimulator({ host: '127.0.0.1', port: 0, ...sim });
  oned.addUser({ name: 'bob', password: 'bob-pw' });
  const running = await start({
    ...DEFAULTS, listen: '127.0.0.1', port: 0, auth: ['opennebula'], backend: 'opennebula', ...overrides,
    backends: { opennebula: { url: oned.url, tagsDir: ':memory:', scheme: SCHEME, timeout: 5000, ...backend } },
  });
  return {
    base: `http://127.0.0.1:${running.server.address.port}`,
    sim: oned,
    alice: basicHeader('alice', 'alice-pw'),
    bob: basicHeader('bob', 'bob-pw'),
    stop: async () => {
      await running.stop();
      await oned.close();
    },
  };
}
