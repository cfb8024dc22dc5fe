import { standardModel, type Attributes, type EntityInput, type Kind, type LinkInput, type Mixin } from '../model/index.js';
import { HEADER_RENDERING, essence, findRendering, type RequestContent } from '../rendering/index.js';
import { categoriesAnswer, createdUrl, entityAnswer, entityUrl } from './answers.js';
import { Credentials, tlsOf } from './auth.js';
import { Catalog } from './catalog.js';
import { pathOf, toEntity } from './entities.js';
import { HttpError, LookupError, ResponseError, UsageError } from './errors.js';
import { defineMixin, membership, undefineMixin, type MixinDefinition } from './mixins.js';
import { resolveEntity } from './resolve.js';
import { Transport, type HttpResponse } from './transport.js';
import { JSON_TYPE, type ChangeSpec, type CreateSpec, type Entity, type LinkSpec, type ListOptions, type MediaTypeChoice, type OcciClientOptions, type Ref, type TriggerResult } from './types.js';
import { CLIENT_VERSION } from './version.js';
import { waitFor, type WaitOptions } from './wait.js';
import { categoriesOf, entitiesOf, httpError, locationsOf, mapLimit, nextPage } from './wire.js';

/**
 * A client of one OCCI 1.1/1.2 server (OCCI HTTP Protocol), on the project's
 * model and renderings. Discovery comes first and is kept: names resolve
 * against what the server offers, and the media type is the one it speaks
 * best (JSON when offered, text/plain otherwise).
 *
 * @example
 * const occi = new OcciClient({ endpoint: 'http://127.0.0.1:8787' });
 * const vm = await occi.create({ kind: 'compute', mixins: ['os_tpl#debian12', 'resource_tpl#small'], attributes: { 'occi.core.title': 'web-1' } });
 * await occi.trigger(vm, 'start');
 * await occi.waitFor(vm, 'active');
 * occi.close();
 */
export class OcciClient {
  /** The endpoint, ending in `/`. */
  readonly endpoint: URL;
  readonly #transport: Transport;
  readonly #credentials: Credentials;
  readonly #forced: Exclude<MediaTypeChoice, 'auto'> | undefined;
  #mediaType = 'text/plain';
  #version = '1.2';
  #catalog: Catalog | undefined;
  #queryInterface: URL;

  constructor(options: OcciClientOptions) {
    let endpoint: URL;
    try {
      endpoint = new URL(options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`);
    } catch {
      throw new UsageError(`the endpoint "${options.endpoint}" is not a URL (e.g. http://127.0.0.1:8787)`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new UsageError(`the endpoint must be an http or https URL, not ${endpoint.href}`);
    this.endpoint = endpoint;
    this.#queryInterface = new URL('-/', endpoint);
    const auth = options.auth ?? { type: 'none' };
    this.#transport = new Transport({
      timeoutMs: options.timeoutMs ?? 30_000,
      tls: { ca: options.ca, insecure: options.insecure, ...tlsOf(auth) },
      onExchange: options.onExchange,
    });
    this.#credentials = new Credentials(auth, this.#transport, this.#userAgent());
    this.#forced = options.mediaType === 'auto' ? undefined : options.mediaType;
  }

  /** The media type requests are written in (after discovery: the one chosen). */
  get mediaType(): string {
    return this.#forced ?? this.#mediaType;
  }

  /** The query interface's URL (`<endpoint>-/`, or the well-known one when the server has only that). */
  get queryInterface(): URL {
    return this.#queryInterface;
  }

  /** The OCCI version the client announces (1.2; 1.1 after a 1.1 server refused 1.2 with 501). */
  get occiVersion(): string {
    return this.#version;
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.#transport.close();
  }

  /**
   * The query interface (HTTP Protocol §3): every Kind, Mixin and Action,
   * read once and kept (`refresh` reads it again).
   */
  async discover(options: { refresh?: boolean } = {}): Promise<Catalog> {
    if (this.#catalog && !options.refresh) return this.#catalog;
    const json = this.#forced === undefined || this.#forced === JSON_TYPE;
    let accept = this.#forced === undefined ? `${JSON_TYPE}, text/plain;q=0.5` : this.#forced === 'text/occi' ? 'text/occi, text/plain;q=0.5' : this.#forced;
    let res: HttpResponse | undefined;
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await this.#send('GET', this.#queryInterface, { accept });
      } catch (err) {
        if (!(err instanceof HttpError) || attempt > 3) throw err;
        if (err.status === 501 && this.#version === '1.2') this.#version = '1.1';
        else if (err.status === 404 && this.#queryInterface.pathname.endsWith('/-/') && !this.#queryInterface.pathname.includes('.well-known')) {
          this.#queryInterface = new URL('/.well-known/org/ogf/occi/-/', this.endpoint);
        } else if ([400, 406, 415].includes(err.status) && this.#forced === undefined && accept !== 'text/plain') accept = 'text/plain';
        else throw err;
      }
    }
    const inputs = categoriesOf(res, { method: 'GET', url: this.#queryInterface }, standardModel());
    if (inputs.length === 0) throw new ResponseError(`GET ${this.#queryInterface.href}: the query interface lists no categories; is ${this.endpoint.href} an OCCI endpoint?`);
    this.#catalog = Catalog.fromCategories(inputs, this.endpoint);
    const answered = essence(res.headers['content-type'] ?? '');
    const offered = (res.headers.accept ?? '').split(',').map(essence);
    this.#mediaType = json && (answered === JSON_TYPE || offered.includes(JSON_TYPE)) ? JSON_TYPE : 'text/plain';
    return this.#catalog;
  }

  /** The URL of an entity: a URL, a path, `kind/id`, an id, or a title (searched in the resource collections). */
  async resolve(ref: Ref): Promise<URL> {
    return resolveEntity(this, await this.discover(), ref);
  }

  /** The URL of a Kind's or Mixin's collection, by name or path. */
  async collection(ref: Ref): Promise<{ url: URL; category?: Kind | Mixin }> {
    const catalog = await this.discover();
    const exact = catalog.find(ref);
    if (exact === undefined && (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || ref.startsWith('/'))) {
      const url = this.url(ref.endsWith('/') ? ref : `${ref}/`);
      return { url, category: catalog.collectionAt(url.pathname) };
    }
    let category: Kind | Mixin;
    if (exact?.class === 'kind' || exact?.class === 'mixin') category = exact as Kind | Mixin;
    else try {
      category = catalog.resolveKind(ref);
    } catch (kindError) {
      try {
        category = catalog.resolveMixin(ref);
      } catch {
        throw kindError;
      }
    }
    const location = catalog.location(category);
    if (location === undefined) throw new LookupError(`${category.id} has no collection on this server`);
    return { url: this.url(location), category };
  }

  /** URLs of a collection's members (HTTP Protocol §6.1, §7), page after page when the server pages. */
  async list(collection: Ref, options: ListOptions = {}): Promise<string[]> {
    const catalog = await this.discover();
    const { url } = await this.collection(collection);
    const out: string[] = [];
    await this.#pages(url, options, catalog, (res, page) => {
      if (essence(res.headers['content-type'] ?? '').endsWith('json') && !res.body.trim().startsWith('[')) {
        out.push(...entitiesOf(res, { method: 'GET', url: page }, catalog.model).map((e) => entityUrl(e, catalog, page, this.#toUrl)));
      } else out.push(...locationsOf(res, { method: 'GET', url: page }, catalog.model));
    });
    return out;
  }

  /** A collection's members in full: one request in JSON, one per member in text renderings. */
  async listEntities(collection: Ref, options: ListOptions = {}): Promise<Entity[]> {
    const catalog = await this.discover();
    const { url } = await this.collection(collection);
    const full: Entity[] = [];
    const urls: string[] = [];
    await this.#pages(url, options, catalog, (res, page) => {
      if (essence(res.headers['content-type'] ?? '').endsWith('json') && !res.body.trim().startsWith('[')) {
        for (const e of entitiesOf(res, { method: 'GET', url: page }, catalog.model)) full.push(toEntity(e, new URL(entityUrl(e, catalog, page, this.#toUrl)), catalog));
      } else urls.push(...locationsOf(res, { method: 'GET', url: page }, catalog.model));
    });
    const fetched = await mapLimit(urls, 6, async (u) => {
      try {
        return await this.get(u);
      } catch (err) {
        // Deleted between the listing and the read.
        if (err instanceof HttpError && err.status === 404) return undefined;
        throw err;
      }
    });
    return [...full, ...fetched.filter((e): e is Entity => e !== undefined)];
  }

  /** One entity (HTTP Protocol §5.1), with its ETag as `version`. */
  async get(ref: Ref): Promise<Entity> {
    const catalog = await this.discover();
    const url = await this.resolve(ref);
    const res = await this.#send('GET', url);
    const [input] = entitiesOf(res, { method: 'GET', url }, catalog.model);
    if (!input) throw new ResponseError(`GET ${url.href}: the answer holds no entity`);
    return toEntity(input, url, catalog, res.headers.etag);
  }

  /** Creates an entity in its Kind's collection (HTTP Protocol §6.2); the new entity's URL. */
  async create(spec: CreateSpec): Promise<string> {
    const catalog = await this.discover();
    const kind = catalog.resolveKind(spec.kind);
    const location = catalog.location(kind);
    if (location === undefined) throw new LookupError(`${kind.id} has no collection to create in`);
    const input: EntityInput = {
      kind: kind.id,
      mixins: (spec.mixins ?? []).map((m) => catalog.resolveMixin(m).id),
      attributes: { ...spec.attributes },
      links: await Promise.all((spec.links ?? []).map((l) => this.#linkInput(catalog, l))),
      actionLinks: 0,
    };
    const url = this.url(location);
    const res = await this.#send('POST', url, { content: { type: 'entity', entity: input } });
    return createdUrl(res, url, catalog, this.#toUrl);
  }

  /** Partial update (HTTP Protocol §5.3): attributes set, mixins added, links added; the entity after it when the server shows it. */
  async update(ref: Ref, change: ChangeSpec): Promise<Entity | undefined> {
    const catalog = await this.discover();
    const url = await this.resolve(ref);
    const kind = catalog.kindOfPath(url.pathname) ?? catalog.find((await this.get(url.href)).kind);
    const input: EntityInput = {
      ...(kind ? { kind: kind.id } : {}),
      mixins: (change.mixins ?? []).map((m) => catalog.resolveMixin(m).id),
      attributes: { ...change.attributes },
      links: await Promise.all((change.links ?? []).map((l) => this.#linkInput(catalog, l))),
      actionLinks: 0,
    };
    return entityAnswer(await this.#send('POST', url, { content: { type: 'entity', entity: input } }), url, catalog);
  }

  /** Full replacement (HTTP Protocol §5.2, PUT): the entity becomes what `spec` says. */
  async replace(ref: Ref, spec: Partial<CreateSpec>): Promise<Entity | undefined> {
    const catalog = await this.discover();
    const url = await this.resolve(ref);
    const kind = spec.kind !== undefined ? catalog.resolveKind(spec.kind) : catalog.kindOfPath(url.pathname);
    const input: EntityInput = {
      ...(kind ? { kind: kind.id } : {}),
      mixins: (spec.mixins ?? []).map((m) => catalog.resolveMixin(m).id),
      attributes: { ...spec.attributes },
      links: await Promise.all((spec.links ?? []).map((l) => this.#linkInput(catalog, l))),
      actionLinks: 0,
    };
    return entityAnswer(await this.#send('PUT', url, { content: { type: 'entity', entity: input } }), url, catalog);
  }

  /** Deletes one entity (HTTP Protocol §5.5); its links go with it. */
  async delete(ref: Ref): Promise<void> {
    await this.#send('DELETE', await this.resolve(ref));
  }

  /** Deletes every member of a Kind's collection (HTTP Protocol 1.2 §6.5). */
  async deleteAll(collection: Ref): Promise<void> {
    const { url } = await this.collection(collection);
    await this.#send('DELETE', url);
  }

  /** Invokes an action on one entity (HTTP Protocol §5.4), by term or type id, with its parameters. */
  async trigger(ref: Ref, action: string, parameters: Attributes = {}): Promise<TriggerResult> {
    const catalog = await this.discover();
    const url = await this.resolve(ref);
    let among = catalog.actionsFor(catalog.kindOfPath(url.pathname), []);
    if (!action.includes('#') && among.filter((a) => a.term === action).length !== 1) {
      const entity = await this.get(url.href);
      among = catalog.actionsFor(catalog.find(entity.kind) as Kind | undefined, entity.mixins);
    }
    const found = catalog.resolveAction(action, among);
    const target = new URL(url);
    target.searchParams.set('action', found.term);
    const res = await this.#send('POST', target, { content: { type: 'action', action: { action: found.id, attributes: parameters } } });
    if (res.body.trim() === '' && !res.headers.category) return {};
    const categories = categoriesAnswer(res, target, catalog);
    if (categories) return { categories };
    return { entity: entityAnswer(res, url, catalog) };
  }

  /** Invokes an action on every member of a collection (HTTP Protocol §6.3). */
  async triggerAll(collection: Ref, action: string, parameters: Attributes = {}): Promise<void> {
    const catalog = await this.discover();
    const { url, category } = await this.collection(collection);
    const found = catalog.resolveAction(action, category?.class === 'kind' ? catalog.actionsFor(category, []) : []);
    const target = new URL(url);
    target.searchParams.set('action', found.term);
    await this.#send('POST', target, { content: { type: 'action', action: { action: found.id, attributes: parameters } } });
  }

  /** Links two resources (a networkinterface to a network, a storagelink to a storage, or `kind`); the new link's URL. */
  async link(source: Ref, target: Ref, options: Omit<LinkSpec, 'target'> = {}): Promise<string> {
    const catalog = await this.discover();
    const from = await this.resolve(source);
    const spec = await this.#linkInput(catalog, { ...options, target });
    const kind = catalog.find(spec.kind!) as Kind;
    const location = catalog.location(kind);
    if (location === undefined) throw new LookupError(`${kind.id} has no collection to create links in`);
    const attributes: Attributes = { ...spec.attributes, 'occi.core.source': pathOf(from.href, this.endpoint), 'occi.core.target': spec.target! };
    // JSON carries the target's Kind as a member; the text renderings of 1.1 servers know no such attribute.
    if (this.mediaType === JSON_TYPE && spec.targetKind !== undefined) attributes['occi.core.target.kind'] = spec.targetKind;
    const url = this.url(location);
    const res = await this.#send('POST', url, { content: { type: 'entity', entity: { kind: kind.id, mixins: spec.mixins, attributes, links: [], actionLinks: 0 } } });
    return createdUrl(res, url, catalog, this.#toUrl);
  }

  /** Deletes a link. */
  async unlink(ref: Ref): Promise<void> {
    await this.delete(ref);
  }

  /** Associates a mixin with entities (HTTP Protocol §7.2: POST of their locations to the mixin's collection). */
  async addMixin(mixin: string, refs: readonly Ref[]): Promise<void> {
    await membership(this, 'POST', mixin, refs);
  }

  /** Dissociates a mixin from entities (HTTP Protocol §7.4). */
  async removeMixin(mixin: string, refs: readonly Ref[]): Promise<void> {
    await membership(this, 'DELETE', mixin, refs);
  }

  /** Defines a user mixin (a tag) at the query interface (HTTP Protocol §3.2); the mixin as the server now lists it. */
  defineMixin(def: MixinDefinition): Promise<Mixin> {
    return defineMixin(this, def);
  }

  /** Removes a user mixin (HTTP Protocol §3.3). */
  undefineMixin(mixin: string): Promise<void> {
    return undefineMixin(this, mixin);
  }

  /** Polls an entity until its state attribute reads `state` (or `error`, or time runs out: WaitError). */
  async waitFor(ref: Ref, state: string, options: WaitOptions = {}): Promise<Entity> {
    const catalog = await this.discover();
    return waitFor(this, catalog, await this.resolve(ref), state, options);
  }

  /** A path or URL of this server as a URL: paths under the endpoint's own path as they are, others relative to the endpoint. */
  url(ref: string): URL {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) return new URL(ref);
    const base = this.endpoint.pathname;
    if (ref.startsWith('/') && (base === '/' || ref.startsWith(base))) return new URL(ref, this.endpoint.origin);
    return new URL(ref.replace(/^\/+/, ''), this.endpoint);
  }

  /** A raw request with the client's credentials and content negotiation (for what the methods above do not cover). */
  async request(method: string, url: URL, options: { content?: RequestContent; accept?: string; headers?: Record<string, string>; ok404?: boolean } = {}): Promise<HttpResponse> {
    return this.#send(method, url, options);
  }

  async #pages(first: URL, options: ListOptions, catalog: Catalog, each: (res: HttpResponse, page: URL) => void): Promise<void> {
    const filter = options.filter;
    const headers: Record<string, string> = {};
    if (filter && ((filter.categories?.length ?? 0) > 0 || Object.keys(filter.attributes ?? {}).length > 0)) {
      const categories = (filter.categories ?? []).map((c) => {
        const exact = catalog.find(c);
        if (exact) return exact.id;
        try {
          return catalog.resolveKind(c).id;
        } catch {
          return catalog.resolveMixin(c).id;
        }
      });
      const rendered = HEADER_RENDERING.renderRequest!({ type: 'filter', filter: { categories, attributes: { ...filter.attributes } } });
      for (const [name, value] of rendered.headers) headers[name] = value;
    }
    const seen = new Set<string>();
    for (let page: URL | undefined = first; page && !seen.has(page.href) && seen.size < 10_000; ) {
      seen.add(page.href);
      const res = await this.#send('GET', page, { headers });
      each(res, page);
      page = nextPage(res, page);
    }
  }

  async #linkInput(catalog: Catalog, spec: LinkSpec): Promise<LinkInput & { kind: string; target: string }> {
    const external = /^[a-z][a-z0-9+.-]*:/i.test(spec.target) && new URL(spec.target).origin !== this.endpoint.origin;
    const target = external ? spec.target : pathOf((await this.resolve(spec.target)).href, this.endpoint);
    const targetKind = external ? undefined : catalog.kindOfPath(target);
    const kind = spec.kind !== undefined ? catalog.resolveKind(spec.kind) : catalog.linkKindFor(targetKind);
    if (!kind) throw new UsageError(`which kind of link leads to ${spec.target}? Name it (e.g. networkinterface, storagelink)`);
    return {
      kind: kind.id,
      mixins: (spec.mixins ?? []).map((m) => catalog.resolveMixin(m).id),
      attributes: { ...spec.attributes },
      target,
      ...(targetKind ? { targetKind: targetKind.id } : {}),
    };
  }

  readonly #toUrl = (path: string): URL => this.url(path);

  #userAgent(): string {
    return `occi-client/${CLIENT_VERSION} OCCI/${this.#version}`;
  }

  async #send(method: string, url: URL, options: { content?: RequestContent; accept?: string; headers?: Record<string, string>; ok404?: boolean } = {}): Promise<HttpResponse> {
    await this.#credentials.prepare();
    const headers: Record<string, string> = { 'User-Agent': this.#userAgent(), Accept: options.accept ?? this.#accept() };
    let body: string | undefined;
    if (options.content) {
      const rendering = findRendering(this.mediaType)!;
      const rendered = rendering.renderRequest!(options.content);
      headers['Content-Type'] = rendering.mediaType;
      for (const [name, value] of rendered.headers) headers[name] = value;
      body = rendered.body;
    }
    Object.assign(headers, options.headers);
    const attempt = () => this.#transport.send({ method, url, headers: { ...headers, ...this.#credentials.headers() }, body });
    let res = await attempt();
    if (res.status === 401 && (await this.#credentials.recover(res))) res = await attempt();
    if (res.status >= 400 && !(options.ok404 && res.status === 404)) throw httpError({ method, url }, res);
    return res;
  }

  #accept(): string {
    const type = this.mediaType;
    return this.#forced !== undefined || type === 'text/plain' ? type : `${type}, text/plain;q=0.5`;
  }
}
