import { CinderClient, CINDER_MICROVERSION } from './cinder.js';
import { GlanceClient } from './glance.js';
import { ServiceHttp, type UpstreamCounter } from './http.js';
import { endpointFor, type CatalogLike, type EndpointInterface } from './keystone.js';
import { NeutronClient } from './neutron.js';
import { NovaClient, NOVA_MICROVERSION } from './nova.js';

/** One client per API, all carrying the same user's token. */
export interface OpenStackClients {
  readonly nova: NovaClient;
  readonly neutron: NeutronClient;
  readonly cinder: CinderClient;
  readonly glance: GlanceClient;
}

export interface ClientsOptions {
  /** Catalog interface; `public` unless given. */
  readonly interface?: EndpointInterface;
  readonly region?: string;
  /** Per-call deadline, milliseconds. */
  readonly timeoutMs?: number;
  readonly counter?: UpstreamCounter;
  readonly microversions?: { readonly nova?: string; readonly cinder?: string };
}

/**
 * The four clients for a user's token, their endpoints taken from the
 * token's catalog (never configured by hand). Cheap: one set per request.
 *
 * @example
 *   const token = await keystone.authenticate(credentials);
 *   const { nova, neutron } = createClients(token.id, token.catalog, { region: 'RegionOne' });
 *   // in a backend: createClients(ctx.credentials.token, ctx.credentials.catalog, options)
 */
export function createClients(token: string, catalog: readonly CatalogLike[], options: ClientsOptions = {}): OpenStackClients {
  const choice = { interface: options.interface, region: options.region };
  const common = { token, timeoutMs: options.timeoutMs, counter: options.counter };
  const http = (service: 'nova' | 'neutron' | 'cinder' | 'glance', type: string, microversion?: string) =>
    new ServiceHttp({ ...common, service, endpoint: endpointFor(catalog, type, choice), microversion });
  return {
    nova: new NovaClient(http('nova', 'compute', options.microversions?.nova ?? NOVA_MICROVERSION)),
    neutron: new NeutronClient(http('neutron', 'network')),
    cinder: new CinderClient(http('cinder', 'volumev3', options.microversions?.cinder ?? CINDER_MICROVERSION)),
    glance: new GlanceClient(http('glance', 'image')),
  };
}
