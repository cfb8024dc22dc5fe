/**
 * The real OpenStack on loopback (../shared/openstack/openstack-fake-up.sh):
 * whether it answers, admin clients, polling on state and clean-up.
 * `OS_AUTH_URL` points elsewhere (a closed port shows the skip); only
 * loopback addresses are ever called.
 */
import { createClients, KeystoneClient, UpstreamCounter, type KeystoneToken, type Network, type NeutronClient, type OpenStackClients } from '../../src/backends/openstack/index.js';

export const AUTH_URL = process.env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3';
export const REGION = 'RegionOne';
export const ADMIN = { username: 'admin', password: 'secret', project: { name: 'admin' }, userDomain: { name: 'Default' } } as const;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

async function probe(): Promise<string | undefined> {
  if (!isLoopback(AUTH_URL)) return `OS_AUTH_URL ${AUTH_URL} is not on loopback; these tests only call 127.0.0.1`;
  try {
    const res = await fetch(AUTH_URL, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    if (res.ok) return undefined;
  } catch {
    // not running: the reason below says what to do
  }
  const where = new URL(AUTH_URL).host;
  return `OpenStack is not running on ${where} (start ../shared/openstack/openstack-fake-up.sh)`;
}

/** `undefined` when the stack answers, else the reason every suite here skips with. */
export const SKIP: string | undefined = await probe();

export interface Stack {
  readonly keystone: KeystoneClient;
  readonly token: KeystoneToken;
  readonly counter: UpstreamCounter;
  readonly clients: OpenStackClients;
}

let admin: Promise<Stack> | undefined;

/** Admin's token and clients, once per test file; every endpoint checked to be on loopback. */
export function stack(): Promise<Stack> {
  admin ??= (async () => {
    const counter = new UpstreamCounter();
    const keystone = new KeystoneClient({ endpoint: AUTH_URL, counter });
    const token = await keystone.authenticate(ADMIN);
    for (const service of token.catalog) {
      for (const e of service.endpoints) if (!isLoopback(e.url)) throw new Error(`catalog endpoint off loopback: ${e.url}`);
    }
    return { keystone, token, counter, clients: createClients(token.id, token.catalog, { region: REGION, counter, timeoutMs: 30_000 }) };
  })();
  return admin;
}

/**
 * Polls `read` until `done` holds for its value; fails after `deadlineMs`
 * with the last value seen. The pause between polls grows from 100 ms to 1 s.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, deadlineMs = 60_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let pause = 100;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > until) throw new Error(`${what}: not reached in ${deadlineMs} ms; last seen ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 1000);
  }
}

/** Polls until `read` throws a 404 OpenStackError (a deleted thing is gone). */
export async function gone(read: () => Promise<unknown>, what: string, deadlineMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      try {
        await read();
        return false;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return true;
        throw err;
      }
    },
    (isGone) => isGone,
    `${what} gone`,
    deadlineMs,
  );
}

/** Clean-up steps run last-in first-out; a step that fails (already gone) does not stop the others. */
export class Cleanup {
  readonly #steps: Array<{ what: string; run: () => Promise<unknown> }> = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        if ((err as { status?: number }).status !== 404) failures.push(`${step.what}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`clean-up failed:\n${failures.join('\n')}`);
  }
}

/** A name no other run uses, so parallel files and earlier runs never collide. */
export function uniqueName(prefix: string): string {
  return `occi-test-${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface Seed {
  readonly flavorId: string;
  readonly otherFlavorId: string;
  readonly imageId: string;
  readonly networkId: string;
  readonly subnetId: string;
}

/** The seeded m1.tiny and m1.small flavors, image `tiny` and network `net1` (with its subnet). */
export async function seed(): Promise<Seed> {
  const { nova, glance, neutron } = (await stack()).clients;
  const [flavors, images, networks] = await Promise.all([nova.listFlavors(), glance.listImages({ name: 'tiny' }), neutron.listNetworks({ name: 'net1' })]);
  const flavor = (name: string) => flavors.find((f) => f.name === name)?.id ?? assertNever(`flavor ${name}`);
  return {
    flavorId: flavor('m1.tiny'),
    otherFlavorId: flavor('m1.small'),
    imageId: images.items[0]?.id ?? assertNever('image tiny'),
    networkId: networks[0]?.id ?? assertNever('network net1'),
    subnetId: networks[0]?.subnets[0] ?? assertNever('subnet of net1'),
  };
}

function assertNever(what: string): never {
  throw new Error(`the stack has no ${what}: was it seeded by openstack-fake-up.sh?`);
}

/** Boots a server on net1 (unless `networks` says otherwise), registers its deletion, and waits for ACTIVE. */
export async function bootServer(
  cleanup: Cleanup,
  options: { name?: string; networks?: 'none' | { uuid: string }[]; key_name?: string; userData?: string } = {},
): Promise<string> {
  const { nova } = (await stack()).clients;
  const s = await seed();
  const created = await nova.createServer({
    name: options.name ?? uniqueName('server'),
    flavorRef: s.flavorId,
    imageRef: s.imageId,
    networks: options.networks ?? [{ uuid: s.networkId }],
    key_name: options.key_name,
    userData: options.userData,
  });
  cleanup.add(`server ${created.id}`, async () => {
    await nova.deleteServer(created.id);
    await gone(() => nova.getServer(created.id), `server ${created.id}`);
  });
  await eventually(() => nova.getServer(created.id), (x) => x.status === 'ACTIVE' || x.status === 'ERROR', `server ${created.id} ACTIVE`).then((x) => {
    if (x.status === 'ERROR') throw new Error(`server ${created.id} went to ERROR: ${x.fault?.message}`);
  });
  return created.id;
}

/**
 * Deletes a volume whatever state this stack left it in: Nova's detach never
 * completes here (Cinder answers ConflictNovaUsingAttachment to Nova, which
 * sends no service token) and the fake LVM cannot extend, so an admin reset
 * comes first when a plain delete is refused.
 */
export async function deleteVolume(id: string): Promise<void> {
  const { cinder } = (await stack()).clients;
  try {
    await cinder.deleteVolume(id);
  } catch (err) {
    if ((err as { status?: number }).status !== 400) throw err;
    await cinder.http.request({ method: 'POST', path: `/volumes/${id}/action`, body: { 'os-reset_status': { status: 'available', attach_status: 'detached' } } });
    await cinder.deleteVolume(id);
  }
  await gone(() => cinder.getVolume(id), `volume ${id}`);
}

/**
 * The external network floating IPs come from (203.0.113.0/24), made by an
 * administrator as a site would. One named network is made once and reused
 * by later runs; `created` says whether this call made it.
 */
export const EXTERNAL = 'occi-test-external';

export async function externalNetwork(neutron: NeutronClient): Promise<{ network: Network; created: boolean }> {
  const [found] = await neutron.listNetworks({ name: EXTERNAL, 'router:external': true });
  if (found && found.subnets.length > 0) return { network: found, created: false };
  const network = found ?? (await neutron.createNetwork({ name: EXTERNAL, 'router:external': true }));
  await neutron.createSubnet({ network_id: network.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false, name: `${EXTERNAL}-subnet` });
  return { network: await neutron.getNetwork(network.id), created: found === undefined };
}
