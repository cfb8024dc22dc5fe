import { BackendUnavailableError } from '../../errors.js';
import { ServiceHttp, type CallOptions, type ServiceHttpOptions } from './http.js';

/** `{ id }` or `{ name }`, as Keystone accepts either for users, projects and domains. */
export type DomainRef = { readonly id: string } | { readonly name: string };
export type ProjectRef = { readonly id: string } | { readonly name: string; readonly domain?: DomainRef };

export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
  /** The user's domain; `{ id: 'default' }` unless given. */
  readonly userDomain?: DomainRef;
  /** The scope; without it Keystone scopes to the user's default project, if any. */
  readonly project?: ProjectRef;
}

export interface IdName {
  readonly id: string;
  readonly name: string;
}

export interface TokenUser extends IdName {
  readonly domain: IdName;
  readonly password_expires_at?: string | null;
}

export interface TokenProject extends IdName {
  readonly domain: IdName;
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CatalogEndpoint {
  readonly id: string;
  readonly interface: EndpointInterface;
  readonly region: string | null;
  readonly region_id: string | null;
  readonly url: string;
}

export interface CatalogService {
  readonly id: string;
  /** `compute`, `network`, `volumev3`, `image`, `identity`, `placement`... */
  readonly type: string;
  readonly name: string;
  readonly endpoints: readonly CatalogEndpoint[];
}

/** The body of `POST/GET /v3/auth/tokens` (its `token`), with the fields we read. */
export interface Token {
  readonly methods: readonly string[];
  readonly expires_at: string;
  readonly issued_at: string;
  readonly audit_ids: readonly string[];
  readonly user: TokenUser;
  readonly project?: TokenProject;
  readonly roles?: readonly IdName[];
  readonly catalog?: readonly CatalogService[];
  readonly is_domain?: boolean;
}

/** A token, what Keystone says about it, and when it stops working. */
export interface KeystoneToken {
  /** The `X-Subject-Token`: what later calls send as X-Auth-Token. */
  readonly id: string;
  readonly expires: Date;
  readonly user: TokenUser;
  readonly project: TokenProject | undefined;
  readonly roles: readonly IdName[];
  readonly catalog: readonly CatalogService[];
}

/**
 * What `endpointFor` reads of a catalog: Keystone's own entries fit, and so
 * does the request context's `KeystoneCredentials.catalog` (src/context.ts).
 */
export interface CatalogLike {
  readonly type: string;
  readonly endpoints: ReadonlyArray<{ readonly interface: string; readonly region?: string | null; readonly region_id?: string | null; readonly url: string }>;
}

export interface EndpointChoice {
  /** `public` unless given. */
  readonly interface?: EndpointInterface;
  /** Any region unless given; the first endpoint found then wins. */
  readonly region?: string;
}

/**
 * Keystone v3: password authentication to a project-scoped token and token
 * validation, both with the catalog.
 *
 * @example
 *   const keystone = new KeystoneClient({ endpoint: 'http://127.0.0.1:5000/v3' });
 *   const token = await keystone.authenticate({ username: 'admin', password: 'secret', project: { name: 'admin' } });
 *   const novaUrl = endpointFor(token.catalog, 'compute', { region: 'RegionOne' });
 */
export class KeystoneClient {
  readonly #http: ServiceHttp;

  constructor(options: Omit<ServiceHttpOptions, 'service' | 'token' | 'microversion'>) {
    this.#http = new ServiceHttp({ ...options, service: 'keystone' });
  }

  get endpoint(): string {
    return this.#http.endpoint;
  }

  async authenticate(credentials: PasswordCredentials, call: CallOptions = {}): Promise<KeystoneToken> {
    const userDomain = credentials.userDomain ?? { id: 'default' };
    let scope: unknown;
    if (credentials.project !== undefined) {
      const project = credentials.project;
      scope = { project: 'id' in project ? { id: project.id } : { name: project.name, domain: project.domain ?? userDomain } };
    }
    const reply = await this.#http.request<{ token: Token }>({
      ...call,
      method: 'POST',
      path: '/auth/tokens',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: credentials.username, domain: userDomain, password: credentials.password } } },
          ...(scope === undefined ? {} : { scope }),
        },
      },
    });
    return toKeystoneToken(reply.headers.get('x-subject-token') ?? '', reply.body.token);
  }

  /**
   * Asks Keystone about `subjectToken`, authorised by `authToken` (the
   * subject itself unless given: Keystone's default policy lets a token read
   * itself). An invalid or expired subject is a 404 (OpenStackError).
   */
  async validate(subjectToken: string, call: CallOptions & { authToken?: string; noCatalog?: boolean } = {}): Promise<KeystoneToken> {
    const http = this.#http.withToken(call.authToken ?? subjectToken);
    const reply = await http.request<{ token: Token }>({
      ...call,
      path: '/auth/tokens',
      query: call.noCatalog ? { nocatalog: 1 } : undefined,
      headers: { 'X-Subject-Token': subjectToken },
    });
    return toKeystoneToken(subjectToken, reply.body.token);
  }
}

export function toKeystoneToken(id: string, token: Token): KeystoneToken {
  return {
    id,
    expires: new Date(token.expires_at),
    user: token.user,
    project: token.project,
    roles: token.roles ?? [],
    catalog: token.catalog ?? [],
  };
}

/** The URL of a service in the catalog, or undefined. */
export function findEndpoint(catalog: readonly CatalogLike[], serviceType: string, choice: EndpointChoice = {}): string | undefined {
  const wanted = choice.interface ?? 'public';
  for (const service of catalog) {
    if (service.type !== serviceType) continue;
    const hit = service.endpoints.find(
      (e) => e.interface === wanted && (choice.region === undefined || e.region_id === choice.region || e.region === choice.region),
    );
    if (hit) return hit.url.replace(/\/+$/, '');
  }
  return undefined;
}

/** The URL of a service in the catalog; a cloud without it cannot serve (503). */
export function endpointFor(catalog: readonly CatalogLike[], serviceType: string, choice: EndpointChoice = {}): string {
  const url = findEndpoint(catalog, serviceType, choice);
  if (url !== undefined) return url;
  const where = choice.region === undefined ? '' : ` in region ${choice.region}`;
  throw new BackendUnavailableError(`the Keystone catalog has no ${choice.interface ?? 'public'} ${serviceType} endpoint${where}`);
}
