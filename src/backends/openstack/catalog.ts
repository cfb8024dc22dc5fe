import type { Mixin, Model } from '../../model/index.js';
import { templateMixins } from '../templates.js';
import { TtlCache } from '../ttl-cache.js';
import type { OpenStackClients } from './clients.js';
import type { Image } from './glance.js';
import type { CallOptions } from './http.js';
import type { Network, Subnet } from './neutron.js';
import type { Flavor } from './nova-types.js';

/** What a project can boot and attach to, fetched once per TTL and shared by its requests. */
export interface ProjectCatalog {
  readonly images: readonly Image[];
  readonly flavors: readonly Flavor[];
  readonly networks: ReadonlyMap<string, Network>;
  readonly subnets: ReadonlyMap<string, Subnet>;
}

/**
 * Per-project catalogues (Glance images, Nova flavours, Neutron networks and
 * subnets) behind a TTL, and the templates they make: an image is an
 * `os_tpl` mixin `os-<image id>`, a flavour a `resource_tpl` mixin named after
 * it, with its cores, memory and disk as attribute defaults. Offered to each
 * owner through `model.offerMixins`, so another project's private images stay
 * out of sight.
 */
export class TemplateCatalog {
  readonly #scheme: string;
  readonly #cache: TtlCache<ProjectCatalog>;
  #built = new WeakMap<ProjectCatalog, Mixin[]>();

  constructor(options: { scheme: string; ttlMs: number }) {
    this.#scheme = options.scheme;
    this.#cache = new TtlCache({ ttlMs: options.ttlMs });
  }

  /** The project's catalogue: four concurrent calls on a miss, none within the TTL. */
  get(project: string, clients: OpenStackClients, call: CallOptions): Promise<ProjectCatalog> {
    return this.#cache.get(project, async () => {
      const [images, flavors, networks, subnets] = await Promise.all([
        // Bootable images first (by name), then snapshots still being saved: a client taking the first template can boot it.
        clients.glance.listAllImages({}, call).then((all) => all.filter((i) => USABLE.has(i.status)).sort((a, b) =>
          Number(b.status === 'active') - Number(a.status === 'active') || String(a.name ?? a.id).localeCompare(String(b.name ?? b.id)))),
        clients.nova.listFlavors({}, call),
        clients.neutron.listNetworks({}, call),
        clients.neutron.listSubnets({}, call),
      ]);
      return { images, flavors, networks: new Map(networks.map((n) => [n.id, n])), subnets: new Map(subnets.map((s) => [s.id, s])) };
    });
  }

  /** Forgets a project's catalogue (after a snapshot or a new network, the next request sees it). */
  invalidate(project: string): void {
    this.#cache.invalidate(project);
  }

  /** Offers the catalogue's templates to one owner (built once per catalogue fetched, not per request). */
  offer(model: Model, owner: string, catalog: ProjectCatalog): void {
    let mixins = this.#built.get(catalog);
    if (!mixins) {
      mixins = templateMixins({
        scheme: this.#scheme,
        os: catalog.images.map((i) => {
          const arch = architecture(i);
          return { term: imageTerm(i.id), title: i.name ?? i.id, ...(arch ? { attributes: { 'occi.compute.architecture': arch } } : {}) };
        }),
        resource: catalog.flavors.map((f) => ({
          term: flavorTerm(f.name),
          title: `Flavor ${f.name}: ${f.vcpus} cores, ${f.ram} MiB, ${f.disk} GiB disk`,
          attributes: { 'occi.compute.cores': f.vcpus, 'occi.compute.memory': f.ram / 1024, 'occi.compute.ephemeral_storage.size': f.disk },
        })),
      }, model);
      this.#built.set(catalog, mixins);
    }
    model.offerMixins(owner, mixins);
  }

  osTemplateId(imageId: string): string {
    return `${this.#scheme}os_tpl#${imageTerm(imageId)}`;
  }

  resourceTemplateId(flavorName: string): string {
    return `${this.#scheme}resource_tpl#${flavorTerm(flavorName)}`;
  }

  /** The image of an os_tpl type id of ours, and the flavour of a resource_tpl one. */
  imageOf(typeId: string, catalog: ProjectCatalog): Image | undefined {
    return catalog.images.find((i) => this.osTemplateId(i.id) === typeId);
  }

  flavorOf(typeId: string, catalog: ProjectCatalog): Flavor | undefined {
    return catalog.flavors.find((f) => this.resourceTemplateId(f.name) === typeId);
  }
}

/** Images offered as templates: bootable ones, and snapshots still being saved (a `save` answers with one). */
const USABLE = new Set(['active', 'queued', 'saving', 'importing', 'uploading']);

export function imageTerm(id: string): string {
  return `os-${id.toLowerCase()}`;
}

/** A flavour name as an OCCI 1.1 term: `m1.tiny` → `m1-tiny`. */
export function flavorTerm(name: string): string {
  const t = name.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return /^[a-z]/.test(t) ? t : `f-${t}`;
}

/** What an image says of its CPU (`hw_architecture`, or Glance's `architecture`). */
export function architecture(image: Image): string | undefined {
  const a = String(image.hw_architecture ?? image.architecture ?? '').toLowerCase();
  if (a === 'x86_64' || a === 'amd64' || a === 'x64') return 'x64';
  if (/^i[3-6]86$/.test(a) || a === 'x86') return 'x86';
  return undefined;
}
