import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type Capabilities } from '../../src/backends/index.js';
import { start } from '../../src/cli/start.js';
import { DEFAULTS, KEYS, type Config } from '../../src/config/index.js';
import { startOnedServer } from '../opennebula/_server.js';
import { testCluster } from './postgres.js';
import { exited, spawnServer } from './process.js';

let databases = 0;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly dataDir: string;
  /** Headers every request carries: the credentials of the backend's user (none on the embedded backend, whose server has no auth). */
  readonly headers: Readonly<Record<string, string>>;
  /** What the server's backend claims (backend.ts), for tests that skip or expect a refusal where it claims less. */
  readonly capabilities: Capabilities;
  /** How long state that settles later may take on this backend (the suites' default when absent). */
  readonly settleMs?: number;
  /** Attributes the backend takes at creation but never shows again (Nova keeps user data from its users). */
  readonly writeOnly?: readonly string[];
  /** The most cores a compute can get on this cloud, where its hosts are small (the local OpenStack's fake host has the machine's). */
  readonly maxCores?: number;
  stop(): Promise<void>;
}

/** Server settings a test changes; `dataDir` is the embedded backend's (`backends.embedded.dataDir`). */
export type TestOverrides = Partial<Config> & { dataDir?: string };

/** Starts a real server on 127.0.0.1 with a fresh data directory (removed on stop unless kept). */
export async function startTestServer(input: TestOverrides = {}, keepData = false): Promise<TestServer> {
  const { dataDir: given, ...overrides } = input;
  // OCCI_TEST_BACKEND=opennebula serves the same tests from the OpenNebula backend in front of an oned simulator,
  // OCCI_TEST_BACKEND=openstack from the OpenStack backend in front of the local stack (npm run test:openstack).
  const backend = process.env.OCCI_TEST_BACKEND;
  if (backend === 'opennebula') return startOpenNebula(overrides);
  if (backend === 'openstack') return startOpenStack(overrides);
  if (backend && backend !== 'embedded') throw new Error(`OCCI_TEST_BACKEND: no test server for backend "${backend}" (embedded, opennebula, openstack)`);
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'occi-test-'));
  // OCCI_TEST_WORKERS=N runs the same tests against a server process with N cluster workers.
  const workers = process.env.OCCI_TEST_WORKERS;
  if (workers) return startWorkers({ ...overrides, workers: Number(workers) }, dataDir, keepData);
  // Under `npm run test:postgres` every test server gets a database of its own on the runner's cluster.
  const store = process.env.OCCI_TEST_POSTGRES ? { store: 'postgres', databaseUrl: await (await testCluster()).createDatabase(`t${++databases}_${process.pid}`) } : {};
  const running = await start({ ...DEFAULTS, listen: '127.0.0.1', port: 0, ...overrides, backends: { embedded: { dataDir, ...store } } });
  return {
    base: `${overrides.tlsCert ? 'https' : 'http'}://127.0.0.1:${running.server.address.port}`,
    dataDir,
    headers: {},
    capabilities: createBackend('embedded').capabilities,
    stop: async () => {
      await running.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The server as its own process with cluster workers; overrides become flags. */
async function startWorkers(overrides: Partial<Config>, dataDir: string, keepData: boolean): Promise<TestServer> {
  const args = ['--listen', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
  for (const [key, value] of Object.entries(overrides) as Array<[keyof Config, unknown]>) {
    const flag = KEYS[key]?.flag;
    if (!flag || value === undefined) continue;
    args.push(`--${flag}`, Array.isArray(value) ? value.join(',') : String(value));
  }
  const server = await spawnServer(args);
  return {
    base: server.base,
    dataDir,
    headers: {},
    capabilities: createBackend('embedded').capabilities,
    stop: async () => {
      server.child.kill('SIGTERM');
      await exited(server.child);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A server with `--backend opennebula --auth opennebula` in front of a fresh
 * oned simulator (test/opennebula/_server.ts); its requests sign in as the
 * simulator's user alice, whose password oned checks. The simulator plays
 * one step of an object's states each time it is read, as the scenario
 * test's does: a test sees PENDING, PROLOG, BOOT... and waits them out.
 */
async function startOpenNebula(overrides: Partial<Config>): Promise<TestServer> {
  const server = await startOnedServer({ stepMode: 'info' }, overrides);
  return {
    base: server.base,
    dataDir: '',
    headers: server.alice,
    capabilities: createBackend('opennebula', { url: server.sim.url }).capabilities,
    stop: () => server.stop(),
  };
}

/**
 * A server with `--backend openstack --auth keystone` in front of the local
 * stack, for a fresh project (test/openstack/_server.ts, loaded only here:
 * it probes the stack when imported); requests sign in as its user.
 */
async function startOpenStack(overrides: Partial<Config>): Promise<TestServer> {
  const { startOpenStackServer } = await import('../openstack/_server.js');
  const server = await startOpenStackServer(overrides);
  return {
    base: server.base,
    dataDir: '',
    headers: server.headers,
    capabilities: createBackend('openstack').capabilities,
    // Nova boots a server in a few seconds here, Cinder makes and attaches volumes in a few more; the stack shares two cores.
    settleMs: 90_000,
    maxCores: server.maxCores,
    writeOnly: ['occi.compute.userdata', 'org.openstack.compute.user_data'],
    stop: () => server.stop(),
  };
}
