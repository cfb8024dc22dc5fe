import { markerOf, type CallOptions, type Page, type ServiceHttp } from './http.js';

export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

/** Glance's image (v2): the fields every image has. */
export interface ImageFields {
  readonly id: string;
  readonly name: string | null;
  /** `queued`, `saving`, `active`, `killed`, `deleted`, `deactivated`, `uploading`, `importing`. */
  readonly status: string;
  readonly visibility: ImageVisibility;
  readonly owner: string | null;
  readonly disk_format: string | null;
  readonly container_format: string | null;
  readonly size: number | null;
  readonly min_disk: number;
  readonly min_ram: number;
  readonly protected: boolean;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly checksum?: string | null;
  readonly architecture?: string;
  readonly os_distro?: string;
  readonly os_version?: string;
}

/** An image with its free-form properties (`hw_architecture`, `os_distro`...), read through the index signature. */
export type Image = ImageFields & { readonly [property: string]: unknown };

export type ImageListQuery = {
  /** Unset: what the project can use (public, its own, shared with it and accepted); `community` must be asked for. */
  readonly visibility?: ImageVisibility | 'all';
  readonly status?: string;
  readonly name?: string;
  readonly owner?: string;
  readonly marker?: string;
  readonly limit?: number;
  readonly sort?: string;
};

/**
 * Glance (image API v2): the images a project can boot (os_tpl), and
 * deletion of the snapshots Nova made.
 *
 * @example
 *   const glance = new GlanceClient(new ServiceHttp({ service: 'glance', endpoint, token }));
 *   const images = await glance.listAllImages({ status: 'active' });
 */
export class GlanceClient {
  readonly http: ServiceHttp;
  readonly #base: string;

  constructor(http: ServiceHttp) {
    this.http = http;
    this.#base = /\/v2$/.test(http.endpoint) ? '' : '/v2';
  }

  async listImages(query: ImageListQuery = {}, call: CallOptions = {}): Promise<Page<Image>> {
    const body = await this.http.json<{ images: Image[]; next?: string }>({ ...call, path: `${this.#base}/images`, query });
    return { items: body.images, nextMarker: markerOf(body.next) };
  }

  /** Every page, following Glance's `next` (25 images a page by default). */
  async listAllImages(query: Omit<ImageListQuery, 'marker'> = {}, call: CallOptions = {}): Promise<Image[]> {
    const all: Image[] = [];
    let marker: string | undefined;
    do {
      const page = await this.listImages({ ...query, marker }, call);
      all.push(...page.items);
      marker = page.nextMarker;
    } while (marker !== undefined);
    return all;
  }

  async getImage(id: string, call: CallOptions = {}): Promise<Image> {
    return this.http.json<Image>({ ...call, path: `${this.#base}/images/${encodeURIComponent(id)}` });
  }

  async deleteImage(id: string, call: CallOptions = {}): Promise<void> {
    await this.http.request({ ...call, method: 'DELETE', path: `${this.#base}/images/${encodeURIComponent(id)}` });
  }
}
