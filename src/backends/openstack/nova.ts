import { InternalError } from '../../errors.js';
import { markerOf, type CallOptions, type Page, type ServiceHttp } from './http.js';
import type {
  CreatedServer,
  Flavor,
  InterfaceAttachment,
  Keypair,
  Link,
  RebootType,
  Server,
  ServerCreate,
  ServerListFilters,
  VolumeAttachment,
} from './nova-types.js';

export type * from './nova-types.js';

/**
 * The compute microversion the client asks for unless told otherwise: Train
 * (2.79), so it runs on clouds from 2019 on, and gives the flavor embedded in
 * the server (2.47), createImage's id in the body (2.45), `networks` required
 * at create (2.37) and `delete_on_termination` on volume attachments (2.79).
 * Zed goes up to 2.93; 2.90 shows `OS-EXT-SRV-ATTR:hostname` to members.
 */
export const NOVA_MICROVERSION = '2.79';

const enc = (s: string) => encodeURIComponent(s);

/**
 * Nova (compute API v2.1): servers and their actions, flavors, keypairs,
 * interface and volume attachments. The `http` carries the user's token;
 * every call is made as that user, so Nova's policies and quotas apply.
 *
 * @example
 *   const nova = new NovaClient(new ServiceHttp({ service: 'nova', endpoint, token, microversion: NOVA_MICROVERSION }));
 *   const { items } = await nova.listServers({ limit: 100 });
 */
export class NovaClient {
  readonly http: ServiceHttp;

  constructor(http: ServiceHttp) {
    this.http = http;
  }

  /**
   * One page of `/servers/detail`. Without `all_tenants` Nova answers the
   * token's project only, admin tokens included; `project_id` narrows an
   * admin's `all_tenants` listing to one project.
   */
  async listServers(filters: ServerListFilters = {}, call: CallOptions = {}): Promise<Page<Server>> {
    const query = { ...filters, all_tenants: filters.all_tenants ? 1 : undefined };
    const body = await this.http.json<{ servers: Server[]; servers_links?: Link[] }>({ ...call, path: '/servers/detail', query });
    return { items: body.servers, nextMarker: markerOf(body.servers_links?.find((l) => l.rel === 'next')?.href) };
  }

  /** Every page of `/servers/detail`, following `servers_links`. */
  async listAllServers(filters: Omit<ServerListFilters, 'marker'> = {}, call: CallOptions = {}): Promise<Server[]> {
    const all: Server[] = [];
    let marker: string | undefined;
    do {
      const page = await this.listServers({ ...filters, marker }, call);
      all.push(...page.items);
      marker = page.nextMarker;
    } while (marker !== undefined);
    return all;
  }

  async getServer(id: string, call: CallOptions = {}): Promise<Server> {
    return (await this.http.json<{ server: Server }>({ ...call, path: `/servers/${enc(id)}` })).server;
  }

  /** Answers at once (202) with the id; the server is BUILD until it turns ACTIVE or ERROR. */
  async createServer(request: ServerCreate, call: CallOptions = {}): Promise<CreatedServer> {
    const { userData, ...server } = request;
    const user_data = userData === undefined ? undefined : Buffer.from(userData).toString('base64');
    const body = await this.http.json<{ server: CreatedServer }>({ ...call, method: 'POST', path: '/servers', body: { server: { ...server, user_data } } });
    return body.server;
  }

  /** Answers at once (204); the server goes through `deleting` and then 404s. */
  async deleteServer(id: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/servers/${enc(id)}` });
  }

  async updateServer(id: string, changes: { name?: string; description?: string | null }, call: CallOptions = {}): Promise<Server> {
    return (await this.http.json<{ server: Server }>({ ...call, method: 'PUT', path: `/servers/${enc(id)}`, body: { server: changes } })).server;
  }

  /** Server actions answer 202 and change state later; a wrong state is a 409 conflictingRequest. */
  async action(id: string, body: Record<string, unknown>, call: CallOptions = {}) {
    return this.http.request<unknown>({ ...call, method: 'POST', path: `/servers/${enc(id)}/action`, body });
  }

  async start(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { 'os-start': null }, call);
  }

  async stop(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { 'os-stop': null }, call);
  }

  async reboot(id: string, type: RebootType, call: CallOptions = {}): Promise<void> {
    await this.action(id, { reboot: { type } }, call);
  }

  async suspend(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { suspend: null }, call);
  }

  async resume(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { resume: null }, call);
  }

  /** Snapshots the server into a new Glance image; answers its id (body from 2.45, Location header before). */
  async createImage(id: string, name: string, metadata: Record<string, string> = {}, call: CallOptions = {}): Promise<string> {
    const reply = await this.action(id, { createImage: { name, metadata } }, call);
    const fromBody = (reply.body as { image_id?: string } | undefined)?.image_id;
    const location = reply.headers.get('location') ?? undefined;
    const imageId = fromBody ?? location?.replace(/\/+$/, '').split('/').pop();
    if (imageId === undefined || imageId === '') throw new InternalError('nova createImage answered without an image id (no image_id, no Location)');
    return imageId;
  }

  /** Resizes to another flavor; the server stops in VERIFY_RESIZE until `confirmResize`. */
  async resize(id: string, flavorRef: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { resize: { flavorRef } }, call);
  }

  async confirmResize(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { confirmResize: null }, call);
  }

  async revertResize(id: string, call: CallOptions = {}): Promise<void> {
    await this.action(id, { revertResize: null }, call);
  }

  async listFlavors(query: { is_public?: boolean; minRam?: number; minDisk?: number; marker?: string; limit?: number } = {}, call: CallOptions = {}): Promise<Flavor[]> {
    return (await this.http.json<{ flavors: Flavor[] }>({ ...call, path: '/flavors/detail', query })).flavors;
  }

  async getFlavor(id: string, call: CallOptions = {}): Promise<Flavor> {
    return (await this.http.json<{ flavor: Flavor }>({ ...call, path: `/flavors/${enc(id)}` })).flavor;
  }

  /** Imports `public_key`, or (before 2.92 only) has Nova generate the pair and answer `private_key`. */
  async createKeypair(keypair: { name: string; public_key?: string; type?: 'ssh' | 'x509' }, call: CallOptions = {}): Promise<Keypair> {
    return (await this.http.json<{ keypair: Keypair }>({ ...call, method: 'POST', path: '/os-keypairs', body: { keypair } })).keypair;
  }

  async getKeypair(name: string, call: CallOptions = {}): Promise<Keypair> {
    return (await this.http.json<{ keypair: Keypair }>({ ...call, path: `/os-keypairs/${enc(name)}` })).keypair;
  }

  async listKeypairs(call: CallOptions = {}): Promise<Keypair[]> {
    const body = await this.http.json<{ keypairs: { keypair: Keypair }[] }>({ ...call, path: '/os-keypairs' });
    return body.keypairs.map((k) => k.keypair);
  }

  async deleteKeypair(name: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/os-keypairs/${enc(name)}` });
  }

  async listInterfaces(serverId: string, call: CallOptions = {}): Promise<InterfaceAttachment[]> {
    const body = await this.http.json<{ interfaceAttachments: InterfaceAttachment[] }>({ ...call, path: `/servers/${enc(serverId)}/os-interface` });
    return body.interfaceAttachments;
  }

  /** Attaches an existing port, or a new port on `net_id`. */
  async attachInterface(
    serverId: string,
    attachment: { port_id: string } | { net_id: string; fixed_ips?: { ip_address: string }[] },
    call: CallOptions = {},
  ): Promise<InterfaceAttachment> {
    const path = `/servers/${enc(serverId)}/os-interface`;
    const body = await this.http.json<{ interfaceAttachment: InterfaceAttachment }>({ ...call, method: 'POST', path, body: { interfaceAttachment: attachment } });
    return body.interfaceAttachment;
  }

  /** Answers 202; the port leaves the server shortly after. */
  async detachInterface(serverId: string, portId: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/servers/${enc(serverId)}/os-interface/${enc(portId)}` });
  }

  async listVolumeAttachments(serverId: string, call: CallOptions = {}): Promise<VolumeAttachment[]> {
    const body = await this.http.json<{ volumeAttachments: VolumeAttachment[] }>({ ...call, path: `/servers/${enc(serverId)}/os-volume_attachments` });
    return body.volumeAttachments;
  }

  /** Attaches a Cinder volume; the volume goes `attaching` then `in-use`. */
  async attachVolume(
    serverId: string,
    attachment: { volumeId: string; device?: string; tag?: string; delete_on_termination?: boolean },
    call: CallOptions = {},
  ): Promise<VolumeAttachment> {
    const path = `/servers/${enc(serverId)}/os-volume_attachments`;
    const body = await this.http.json<{ volumeAttachment: VolumeAttachment }>({ ...call, method: 'POST', path, body: { volumeAttachment: attachment } });
    return body.volumeAttachment;
  }

  /** Answers 202; the volume goes `detaching` then `available`. */
  async detachVolume(serverId: string, volumeId: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `/servers/${enc(serverId)}/os-volume_attachments/${enc(volumeId)}` });
  }
}
