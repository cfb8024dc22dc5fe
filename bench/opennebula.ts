/**
 * `npm run bench` on the OpenNebula backend: a real occi-server in this
 * process (`--backend opennebula --auth opennebula`) in front of the oned
 * simulator, counting the XML-RPC calls each OCCI request makes (the
 * simulator logs every call) and timing the requests. What matters is the
 * count: a listing must cost the same number of calls for 10 VMs as for 100
 * (one pool call per collection), a read one call, a creation two.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { XmlRpcClient } from '../src/backends/opennebula/xmlrpc.js';
import { start } from '../src/cli/start.js';
import { DEFAULTS } from '../src/config/index.js';
import { startOnedSimulator } from '../test/simulators/oned/index.js';

export interface OneRow {
  name: string;
  /** oned calls per OCCI request (the mean over the requests). */
  calls_per_request: number;
  ms_per_request: number;
  requests: number;
  /** Method names of one request's calls. */
  methods: string;
  errors: number;
}

const AUTH = { Authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}` };
const COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\r\n';

function send(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...AUTH, ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the OpenNebula scenarios; `requests` per scenario (the smoke uses a few). */
export async function runOpenNebulaBench(options: { requests: number; resultsDir?: string; log?: (l: string) => void }): Promise<OneRow[]> {
  const sim = await startOnedSimulator({ host: '127.0.0.1', port: 0, stepMode: 'immediate' });
  const server = await start({
    ...DEFAULTS, listen: '127.0.0.1', port: 0, auth: ['opennebula'], backend: 'opennebula',
    backends: { opennebula: { url: sim.url, tagsDir: ':memory:' } },
  });
  const port = server.server.address.port;
  const oned = new XmlRpcClient({ url: sim.url });
  const seed = async (n: number) => {
    for (let i = 0; i < n; i++) await oned.callOned('one.vm.allocate', ['alice:alice-pw', `NAME = "seed-${sim.state.vms.size}"\nCPU = 0.1\nMEMORY = 64`, false]);
  };
  const rows: OneRow[] = [];
  const measure = async (name: string, method: string, path: string, headers: Record<string, string>, body = '', expect = 200) => {
    await send(port, method, path, headers, body); // warm: authentication and templates cached, as for any later request
    let errors = 0;
    const from = sim.calls.length;
    let one = from;
    const t0 = performance.now();
    for (let i = 0; i < options.requests; i++) {
      if (i === 1) one = sim.calls.length;
      if ((await send(port, method, path, headers, body)) !== expect) errors++;
    }
    const ms = performance.now() - t0;
    const row: OneRow = {
      name, calls_per_request: Math.round(((sim.calls.length - from) / options.requests) * 100) / 100,
      ms_per_request: Math.round((ms / options.requests) * 100) / 100, requests: options.requests, methods: sim.calls.slice(from, one).join(' '), errors,
    };
    options.log?.(`${name}: ${row.calls_per_request} calls, ${row.ms_per_request} ms per request`);
    rows.push(row);
  };
  try {
    await seed(10);
    await measure('one-get-compute', 'GET', '/compute/0', { Accept: 'text/plain' });
    await measure('one-list-10-vms', 'GET', '/compute/', { Accept: 'text/plain' });
    await measure('one-list-10-vms-json', 'GET', '/compute/', { Accept: 'application/occi+json' });
    await seed(90);
    await measure('one-list-100-vms', 'GET', '/compute/', { Accept: 'text/plain' });
    await measure('one-list-100-vms-json', 'GET', '/compute/', { Accept: 'application/occi+json' });
    await measure('one-create-compute', 'POST', '/compute/', { 'Content-Type': 'text/plain', Accept: 'text/plain' }, COMPUTE, 201);
  } finally {
    await server.stop();
    await sim.close();
  }
  if (options.resultsDir) writeFileSync(join(options.resultsDir, 'opennebula.json'), JSON.stringify(rows, null, 2) + '\n');
  return rows;
}

/** The rows as a Markdown table. */
export function oneTable(rows: readonly OneRow[]): string {
  const lines = ['| OpenNebula scenario | oned calls per request | ms per request | calls of one request |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.calls_per_request} | ${r.ms_per_request} | ${r.methods} |`);
  return lines.join('\n');
}
