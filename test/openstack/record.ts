/**
 * Records real answers of the loopback OpenStack into test/fixtures/openstack/
 * (one JSON file per call: request, status, a few headers, body), for the
 * unit tests in src/backends/openstack/ that run without the stack. Tokens,
 * passwords, user data and private keys are replaced by "<redacted>".
 *
 *   node --import tsx test/openstack/record.ts
 *
 * Everything it creates (2 servers, a keypair, a volume, a snapshot image)
 * is deleted before it exits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOVA_MICROVERSION, CINDER_MICROVERSION, queryString, type Query, type ServiceName } from '../../src/backends/openstack/index.js';
import { sshPublicKey } from './_identity.js';
import { ADMIN, AUTH_URL, Cleanup, SKIP, eventually, gone, stack, uniqueName } from './_stack.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/openstack');
const SECRET = /token|password|adminPass|private_key|user_data|secret/i;
const KEPT_HEADERS = ['content-type', 'location', 'openstack-api-version', 'retry-after'];

interface Call {
  readonly service: ServiceName;
  readonly endpoint: string;
  readonly method?: string;
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  readonly token?: string;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.test(k) && typeof v === 'string' ? '<redacted>' : redact(v)]));
}

/** Makes the call with plain fetch (so error bodies are kept as sent) and writes `<name>.json`. */
async function capture<T = any>(name: string, call: Call): Promise<{ status: number; body: T }> {
  const method = call.method ?? 'GET';
  const microversion = call.service === 'nova' ? `compute ${NOVA_MICROVERSION}` : call.service === 'cinder' ? `volume ${CINDER_MICROVERSION}` : undefined;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (call.token) headers['X-Auth-Token'] = call.token;
  if (microversion) headers['OpenStack-API-Version'] = microversion;
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(call.endpoint + call.path + queryString(call.query), {
    method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // kept as text: some services answer errors in HTML or plain text
  }
  const kept = Object.fromEntries(KEPT_HEADERS.flatMap((h) => (res.headers.has(h) ? [[h, res.headers.get(h)]] : [])));
  const fixture = {
    recorded: new Date().toISOString().slice(0, 10),
    stack: 'OpenStack Zed (Debian packages, fake drivers) from ../shared/openstack/openstack-fake-up.sh',
    request: { service: call.service, method, path: call.path + queryString(call.query), microversion, body: redact(call.body) },
    status: res.status,
    headers: kept,
    body: redact(body),
  };
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`${res.status} ${method} ${call.path} -> ${name}.json`);
  return { status: res.status, body: body as T };
}

async function main(): Promise<void> {
  if (SKIP) throw new Error(SKIP);
  mkdirSync(OUT, { recursive: true });
  const { token, clients } = await stack();
  const { nova, neutron, cinder, glance } = clients;
  const ep = { nova: nova.http.endpoint, neutron: neutron.http.endpoint, cinder: cinder.http.endpoint, glance: glance.http.endpoint };
  const t = token.id;
  const cleanup = new Cleanup();
  const missing = '00000000-0000-4000-8000-000000000000';
  try {
    const auth = { identity: { methods: ['password'], password: { user: { name: ADMIN.username, domain: { id: 'default' }, password: ADMIN.password } } } };
    await capture('keystone-token', { service: 'keystone', endpoint: AUTH_URL, method: 'POST', path: '/auth/tokens', body: { auth: { ...auth, scope: { project: { name: 'admin', domain: { id: 'default' } } } } } });
    const wrong = { identity: { methods: ['password'], password: { user: { name: ADMIN.username, domain: { id: 'default' }, password: 'wrong' } } } };
    await capture('keystone-401', { service: 'keystone', endpoint: AUTH_URL, method: 'POST', path: '/auth/tokens', body: { auth: wrong } });

    const flavors = await capture<{ flavors: { id: string; name: string }[] }>('nova-flavors-detail', { service: 'nova', endpoint: ep.nova, path: '/flavors/detail', token: t });
    const tiny = flavors.body.flavors.find((f) => f.name === 'm1.tiny')!;
    const images = await capture<{ images: { id: string }[] }>('glance-images', { service: 'glance', endpoint: ep.glance, path: '/v2/images', query: { limit: 1 }, token: t });
    const image = images.body.images[0];
    await capture('glance-image', { service: 'glance', endpoint: ep.glance, path: `/v2/images/${image.id}`, token: t });
    const nets = await capture<{ networks: { id: string }[] }>('neutron-networks', { service: 'neutron', endpoint: ep.neutron, path: '/v2.0/networks', query: { name: 'net1' }, token: t });
    const net1 = nets.body.networks[0];
    await capture('neutron-subnets', { service: 'neutron', endpoint: ep.neutron, path: '/v2.0/subnets', query: { network_id: net1.id }, token: t });

    const keyName = uniqueName('key');
    await capture('nova-keypair-import', { service: 'nova', endpoint: ep.nova, method: 'POST', path: '/os-keypairs', body: { keypair: { name: keyName, public_key: sshPublicKey() } }, token: t });
    cleanup.add('keypair', () => nova.deleteKeypair(keyName));

    const prefix = uniqueName('rec');
    const server = (n: number) => ({
      server: { name: `${prefix}-${n}`, flavorRef: tiny.id, imageRef: image.id, networks: [{ uuid: net1.id }], key_name: keyName, user_data: Buffer.from('#!/bin/sh\necho hello\n').toString('base64') },
    });
    const created = await capture<{ server: { id: string } }>('nova-create-server', { service: 'nova', endpoint: ep.nova, method: 'POST', path: '/servers', body: server(1), token: t });
    const second = await nova.createServer({ name: `${prefix}-2`, flavorRef: tiny.id, imageRef: image.id, networks: [{ uuid: net1.id }] });
    const ids = [created.body.server.id, second.id];
    for (const id of ids) cleanup.add(`server ${id}`, async () => {
      await nova.deleteServer(id);
      await gone(() => nova.getServer(id), `server ${id}`);
    });
    for (const id of ids) await eventually(() => nova.getServer(id), (s) => s.status === 'ACTIVE', `server ${id} ACTIVE`);

    await capture('nova-servers-detail', { service: 'nova', endpoint: ep.nova, path: '/servers/detail', query: { name: prefix, limit: 1 }, token: t });
    await capture('neutron-ports', { service: 'neutron', endpoint: ep.neutron, path: '/v2.0/ports', query: { device_id: ids }, token: t });
    await capture('nova-os-interface', { service: 'nova', endpoint: ep.nova, path: `/servers/${ids[0]}/os-interface`, token: t });

    const volume = await capture<{ volume: { id: string } }>('cinder-create-volume', { service: 'cinder', endpoint: ep.cinder, method: 'POST', path: '/volumes', body: { volume: { size: 1, name: uniqueName('vol') } }, token: t });
    const volumeId = volume.body.volume.id;
    cleanup.add('volume', async () => {
      // Detach never finishes on this stack (see test/openstack/cinder.test.ts): reset, then delete.
      await cinder.http.request({ method: 'POST', path: `/volumes/${volumeId}/action`, body: { 'os-reset_status': { status: 'available', attach_status: 'detached' } } });
      await cinder.deleteVolume(volumeId);
    });
    await eventually(() => cinder.getVolume(volumeId), (v) => v.status === 'available', 'volume available');
    await capture('nova-attach-volume', { service: 'nova', endpoint: ep.nova, method: 'POST', path: `/servers/${ids[0]}/os-volume_attachments`, body: { volumeAttachment: { volumeId } }, token: t });
    await eventually(() => cinder.getVolume(volumeId), (v) => v.status === 'in-use', 'volume in-use');
    await capture('nova-server', { service: 'nova', endpoint: ep.nova, path: `/servers/${ids[0]}`, token: t });
    await capture('cinder-volume', { service: 'cinder', endpoint: ep.cinder, path: `/volumes/${volumeId}`, token: t });
    await capture('cinder-volumes-detail', { service: 'cinder', endpoint: ep.cinder, path: '/volumes/detail', query: { limit: 1 }, token: t });
    await capture('nova-volume-attachments', { service: 'nova', endpoint: ep.nova, path: `/servers/${ids[0]}/os-volume_attachments`, token: t });

    const snap = await capture<{ image_id: string }>('nova-create-image', { service: 'nova', endpoint: ep.nova, method: 'POST', path: `/servers/${ids[1]}/action`, body: { createImage: { name: uniqueName('snap'), metadata: {} } }, token: t });
    cleanup.add('snapshot image', () => glance.deleteImage(snap.body.image_id));

    await capture('nova-404', { service: 'nova', endpoint: ep.nova, path: `/servers/${missing}`, token: t });
    await capture('nova-409', { service: 'nova', endpoint: ep.nova, method: 'POST', path: `/servers/${ids[1]}/action`, body: { 'os-start': null }, token: t });
    await capture('nova-400', { service: 'nova', endpoint: ep.nova, method: 'POST', path: '/servers', body: { server: { name: 'bad', flavorRef: 'no-such-flavor', imageRef: image.id, networks: 'none' } }, token: t });
    await capture('nova-401', { service: 'nova', endpoint: ep.nova, path: '/servers', token: 'not-a-token' });
    await capture('neutron-404', { service: 'neutron', endpoint: ep.neutron, path: `/v2.0/networks/${missing}`, token: t });
    await capture('cinder-404', { service: 'cinder', endpoint: ep.cinder, path: `/volumes/${missing}`, token: t });
    await capture('cinder-400', { service: 'cinder', endpoint: ep.cinder, method: 'DELETE', path: `/volumes/${volumeId}`, token: t });
    await capture('glance-404', { service: 'glance', endpoint: ep.glance, path: `/v2/images/${missing}`, token: t });
  } finally {
    await cleanup.run();
  }
}

await main();
