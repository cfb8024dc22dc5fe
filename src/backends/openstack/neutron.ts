import type { CallOptions, Query, ServiceHttp } from './http.js';

/** Neutron's bodies (networking API v2.0), with the fields the backend reads. */
export interface Network {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly admin_state_up: boolean;
  readonly shared: boolean;
  readonly 'router:external': boolean;
  readonly subnets: readonly string[];
  readonly project_id: string;
  readonly mtu?: number;
  readonly description?: string;
  readonly port_security_enabled?: boolean;
  readonly availability_zones?: readonly string[];
  readonly tags?: readonly string[];
  readonly created_at?: string;
  readonly updated_at?: string;
  readonly 'provider:network_type'?: string;
}

export interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

export interface Subnet {
  readonly id: string;
  readonly name: string;
  readonly network_id: string;
  readonly ip_version: 4 | 6;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly allocation_pools: readonly AllocationPool[];
  readonly enable_dhcp: boolean;
  readonly dns_nameservers: readonly string[];
  readonly project_id: string;
}

export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export interface Port {
  readonly id: string;
  readonly name: string;
  readonly network_id: string;
  /** The server's id for a Nova interface; `""` when unbound. */
  readonly device_id: string;
  /** `compute:<zone>` for a server's port, `network:router_interface`... */
  readonly device_owner: string;
  readonly mac_address: string;
  readonly fixed_ips: readonly FixedIp[];
  readonly status: string;
  readonly admin_state_up: boolean;
  readonly project_id: string;
  readonly security_groups?: readonly string[];
  readonly description?: string;
}

export interface FloatingIp {
  readonly id: string;
  readonly floating_ip_address: string;
  readonly floating_network_id: string;
  readonly port_id: string | null;
  readonly fixed_ip_address: string | null;
  readonly router_id: string | null;
  readonly status: string;
  readonly project_id: string;
  readonly description?: string;
}

export interface Router {
  readonly id: string;
  readonly name: string;
  readonly external_gateway_info: { readonly network_id: string } | null;
  readonly project_id: string;
}

type Many = string | readonly string[];

/**
 * Neutron: networks, subnets, ports, floating IPs (and the routers a
 * floating IP needs to reach a port). Filters of the list calls are Neutron's
 * query parameters; an array repeats the parameter, which Neutron reads as
 * "any of", so `listPorts({ device_id: [a, b, c] })` is one call for three servers.
 *
 * @example
 *   const neutron = new NeutronClient(new ServiceHttp({ service: 'neutron', endpoint, token }));
 *   const ports = await neutron.listPorts({ device_id: servers.map((s) => s.id) });
 */
export class NeutronClient {
  readonly http: ServiceHttp;
  /** `/v2.0` unless the catalog's URL already ends with it. */
  readonly #base: string;

  constructor(http: ServiceHttp) {
    this.http = http;
    this.#base = /\/v2\.0$/.test(http.endpoint) ? '' : '/v2.0';
  }

  async #list<T>(collection: string, query: Query, call: CallOptions): Promise<T[]> {
    return (await this.http.json<Record<string, T[]>>({ ...call, path: `${this.#base}/${collection}`, query }))[collection];
  }

  async #get<T>(collection: string, key: string, id: string, call: CallOptions): Promise<T> {
    return (await this.http.json<Record<string, T>>({ ...call, path: `${this.#base}/${collection}/${encodeURIComponent(id)}` }))[key];
  }

  async #create<T>(collection: string, key: string, body: object, call: CallOptions): Promise<T> {
    return (await this.http.json<Record<string, T>>({ ...call, method: 'POST', path: `${this.#base}/${collection}`, body: { [key]: body } }))[key];
  }

  async #update<T>(collection: string, key: string, id: string, body: object, call: CallOptions): Promise<T> {
    const path = `${this.#base}/${collection}/${encodeURIComponent(id)}`;
    return (await this.http.json<Record<string, T>>({ ...call, method: 'PUT', path, body: { [key]: body } }))[key];
  }

  async #delete(collection: string, id: string, call: CallOptions): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `${this.#base}/${collection}/${encodeURIComponent(id)}` });
  }

  listNetworks(query: { id?: Many; name?: string; shared?: boolean; 'router:external'?: boolean; project_id?: string } = {}, call: CallOptions = {}) {
    return this.#list<Network>('networks', query, call);
  }

  getNetwork(id: string, call: CallOptions = {}) {
    return this.#get<Network>('networks', 'network', id, call);
  }

  updateNetwork(id: string, changes: { name?: string; admin_state_up?: boolean; description?: string }, call: CallOptions = {}) {
    return this.#update<Network>('networks', 'network', id, changes, call);
  }

  /** `router:external` and `shared` need an admin token under the default policy. */
  createNetwork(network: { name: string; 'router:external'?: boolean; shared?: boolean; admin_state_up?: boolean; description?: string }, call: CallOptions = {}) {
    return this.#create<Network>('networks', 'network', network, call);
  }

  /** Deletes the network and its subnets; a port still on it makes this a 409 NetworkInUse. */
  deleteNetwork(id: string, call: CallOptions = {}) {
    return this.#delete('networks', id, call);
  }

  listSubnets(query: { network_id?: Many; id?: Many; ip_version?: 4 | 6 } = {}, call: CallOptions = {}) {
    return this.#list<Subnet>('subnets', query, call);
  }

  createSubnet(
    subnet: { network_id: string; cidr: string; ip_version: 4 | 6; name?: string; gateway_ip?: string | null; enable_dhcp?: boolean; allocation_pools?: AllocationPool[] },
    call: CallOptions = {},
  ) {
    return this.#create<Subnet>('subnets', 'subnet', subnet, call);
  }

  listPorts(query: { device_id?: Many; network_id?: Many; id?: Many; device_owner?: string; mac_address?: string } = {}, call: CallOptions = {}) {
    return this.#list<Port>('ports', query, call);
  }

  getPort(id: string, call: CallOptions = {}) {
    return this.#get<Port>('ports', 'port', id, call);
  }

  createPort(port: { network_id: string; name?: string; fixed_ips?: { subnet_id?: string; ip_address?: string }[]; admin_state_up?: boolean }, call: CallOptions = {}) {
    return this.#create<Port>('ports', 'port', port, call);
  }

  deletePort(id: string, call: CallOptions = {}) {
    return this.#delete('ports', id, call);
  }

  listFloatingIps(query: { port_id?: Many; floating_network_id?: string; floating_ip_address?: string; id?: Many } = {}, call: CallOptions = {}) {
    return this.#list<FloatingIp>('floatingips', query, call);
  }

  /**
   * Allocates an address on an external network, associated at once when
   * `port_id` is given. Association needs a router from the port's subnet to
   * that network (a 404 ExternalGatewayForFloatingIPNotFound otherwise).
   */
  createFloatingIp(floatingip: { floating_network_id: string; port_id?: string; fixed_ip_address?: string; description?: string }, call: CallOptions = {}) {
    return this.#create<FloatingIp>('floatingips', 'floatingip', floatingip, call);
  }

  associateFloatingIp(id: string, portId: string, call: CallOptions = {}) {
    return this.#update<FloatingIp>('floatingips', 'floatingip', id, { port_id: portId }, call);
  }

  disassociateFloatingIp(id: string, call: CallOptions = {}) {
    return this.#update<FloatingIp>('floatingips', 'floatingip', id, { port_id: null }, call);
  }

  deleteFloatingIp(id: string, call: CallOptions = {}) {
    return this.#delete('floatingips', id, call);
  }

  createRouter(router: { name: string; external_gateway_info?: { network_id: string } }, call: CallOptions = {}) {
    return this.#create<Router>('routers', 'router', router, call);
  }

  async addRouterInterface(routerId: string, subnetId: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'PUT', path: `${this.#base}/routers/${encodeURIComponent(routerId)}/add_router_interface`, body: { subnet_id: subnetId } });
  }

  async removeRouterInterface(routerId: string, subnetId: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'PUT', path: `${this.#base}/routers/${encodeURIComponent(routerId)}/remove_router_interface`, body: { subnet_id: subnetId } });
  }

  deleteRouter(id: string, call: CallOptions = {}) {
    return this.#delete('routers', id, call);
  }
}
