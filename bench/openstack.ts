/**
 * The OpenStack backend against the local stack (../shared/openstack): for
 * a GET of a compute, a listing of N computes and a create, the latency of
 * the OCCI request beside the latency of the direct OpenStack calls that
 * fetch the same data, measured alternately in the same run, and the
 * upstream calls each OCCI request makes. Skipped, saying why, when the
 * stack does not answer.
 */
import { KeystoneAuthenticator } from '../src/auth/index.js';
import type { KeystoneCredentials } from '../src/backends/index.js';
import { OpenStackBackend, createClients, type OpenStackClients } from '../src/backends/openstack/index.js';
import { createApp } from '../src/http/index.js';
import { standardModel } from '../src/model/index.js';
import { ADMIN, AUTH_URL, SKIP, eventually } from '../test/openstack/_stack.js';
import type { Row } from './bench.js';

export interface OpenStackBenchOptions {
  /** Servers in the listed collection. */
  readonly servers: number;
  /** Measurements per side (medians are reported). */
  readonly samples: number;
  readonly log: (line: string) => void;
}

export async function runOpenStackBench(o: OpenStackBenchOptions): Promise<Row[]> {
  if (SKIP) {
    o.log(`openstack: skipped: ${SKIP}`);
    return [];
  }
  const keystone = new KeystoneAuthenticator({ url: AUTH_URL, project: ADMIN.project.name });
  const basic = Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64');
  const who = (await keystone.authenticate({ headers: { authorization: `Basic ${basic}` } }))!;
  const creds = who.credentials as KeystoneCredentials;
  const direct = createClients(creds.token, creds.catalog, { region: 'RegionOne' });
  const model = standardModel();
  const backend = new OpenStackBackend({
    interface: 'public', region: 'RegionOne', timeoutMs: 60_000, cacheTtlMs: 60_000, scheme: 'http://schemas.openstack.org/template/',
    dataDir: ':memory:', defaultImage: 'tiny',
  });
  await backend.start(model);
  const app = createApp({ model, backend, defaultHost: '127.0.0.1:8787', maxPageSize: 1000, authenticate: async () => ({ user: who.user, owner: 'admin', admin: false, credentials: creds }) });
  const occi = async (method: string, url: string, body = '', accept = 'text/plain') => {
    const res = await app.handle({ method, url, headers: { host: '127.0.0.1:8787', accept, 'content-type': 'text/plain' }, body });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.body}`);
    return res;
  };
  await quotas(direct, creds.projectId!, o.servers + 100);
  const [image] = (await direct.glance.listAllImages({ name: 'tiny' })).map((i) => i.id);
  const flavor = (await direct.nova.listFlavors()).find((f) => f.name === 'm1.tiny')!;
  o.log(`openstack: booting ${o.servers} servers on the fake driver`);
  const made: string[] = [];
  try {
    for (let i = 0; i < o.servers; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, o.servers - i) }, (_, j) =>
        direct.nova.createServer({ name: `occi-bench-${i + j}`, imageRef: image, flavorRef: flavor.id, networks: 'none' })));
      made.push(...batch.map((s) => s.id));
    }
    await eventually(() => direct.nova.listAllServers({ name: '^occi-bench-' }), (l) => l.filter((s) => s.status === 'ACTIVE').length >= o.servers, `${o.servers} servers ACTIVE`, 600_000);
    await occi('GET', '/-/');
    const rows: Row[] = [];
    const one = made[0];
    rows.push(await compare('openstack-get-compute', o, backend, () => occi('GET', `/compute/${one}`), () => Promise.all([
      direct.nova.getServer(one), direct.neutron.listPorts({ device_id: one }), direct.neutron.listFloatingIps({}),
    ]), 1.2));
    rows.push(await compare(`openstack-list-${o.servers}`, o, backend, () => occi('GET', '/compute/', '', 'application/occi+json'), () => Promise.all([
      direct.nova.listAllServers(), direct.neutron.listPorts({}), direct.neutron.listFloatingIps({}), direct.cinder.listVolumes(), direct.neutron.listNetworks({}),
    ]), 1.2));
    const created: string[] = [];
    rows.push(await compare('openstack-create', o, backend, async () => {
      const res = await occi('POST', '/compute/', 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\nX-OCCI-Attribute: occi.core.title="occi-bench-c"');
      created.push(new URL(res.headers.find(([k]) => k === 'Location')![1]).pathname.split('/').pop()!);
    }, async () => {
      const s = await direct.nova.createServer({ name: 'occi-bench-d', imageRef: image, flavorRef: flavor.id, networks: 'none' });
      created.push(s.id);
      await direct.nova.getServer(s.id);
    }, 1.1, Math.min(o.samples, 5)));
    made.push(...created);
    // Calls per listing, with one server and with all of them: the same number.
    backend.counter.reset();
    await occi('GET', `/compute/?page=1&number=1`);
    const few = backend.counter.calls;
    backend.counter.reset();
    await occi('GET', '/compute/', '', 'application/occi+json');
    rows.push({ name: 'openstack-list-calls', ops_per_s: null, p50_ms: null, p99_ms: null, baseline_ops_per_s: null, ratio: null, errors: 0, value: backend.counter.calls, unit: `calls (${few} for a page of 1)`, target: 'constant in the number of servers', met: backend.counter.calls === few });
    return rows;
  } finally {
    await Promise.allSettled(made.map((id) => direct.nova.deleteServer(id)));
    await backend.stop();
  }
}

/** Median latency of ours and of the direct calls, taken alternately; upstream calls per OCCI request. */
async function compare(
  name: string, o: OpenStackBenchOptions, backend: OpenStackBackend, ours: () => Promise<unknown>, theirs: () => Promise<unknown>, target: number, samples = o.samples,
): Promise<Row> {
  const a: number[] = [];
  const b: number[] = [];
  let calls = 0;
  for (let i = 0; i < samples; i++) {
    const before = backend.counter.calls;
    let t = performance.now();
    await ours();
    a.push(performance.now() - t);
    calls = backend.counter.calls - before;
    t = performance.now();
    await theirs();
    b.push(performance.now() - t);
  }
  const [p50, base] = [median(a), median(b)];
  const ratio = Math.round((p50 / base) * 100) / 100;
  o.log(`${name}: ${p50.toFixed(1)} ms, direct ${base.toFixed(1)} ms, ratio ${ratio}, ${calls} upstream calls`);
  return {
    name, ops_per_s: null, p50_ms: round(p50), p99_ms: round(Math.max(...a)), baseline_ops_per_s: null, ratio: null, errors: 0,
    value: ratio, unit: `x direct (${calls} upstream calls, direct ${round(base)} ms)`, target: `<= ${target}`, met: ratio <= target,
  };
}

async function quotas(c: OpenStackClients, project: string, instances: number): Promise<void> {
  await c.nova.http.request({ method: 'PUT', path: `/os-quota-sets/${project}`, body: { quota_set: { instances, cores: instances * 2, ram: instances * 1024 } } });
}

const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

if (process.argv[1]?.endsWith('openstack.js') || process.argv[1]?.endsWith('openstack.ts')) {
  // The fake compute host of the local stack schedules about 30 m1.tiny servers; more end in ERROR (NoValidHost).
  const servers = Number(process.argv[2] ?? 25);
  runOpenStackBench({ servers, samples: 15, log: (l) => console.log(l) }).then((rows) => console.log(JSON.stringify(rows, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
