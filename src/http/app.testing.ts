import { EmbeddedBackend } from '../backends/embedded/index.js';
import { DEFAULT_TEMPLATES, type Backend } from '../backends/index.js';
import { createApp, type AppOptions, type OcciResponse } from './index.js';
import { standardModel, type Model } from '../model/index.js';

export interface TestApp {
  readonly model: Model;
  readonly backend: Backend;
  /** One request, in process (no socket). */
  req(method: string, url: string, headers?: Record<string, string>, body?: string): Promise<InProcessResponse>;
  close(): Promise<void>;
}

export interface InProcessResponse extends OcciResponse {
  header(name: string): string | undefined;
}

export const HOST = 'cloud.example.org:8787';
export const BASE = `http://${HOST}`;

/** The app on an in-memory embedded backend (or the backend given, started here), as the HTTP tests use it. */
export async function createTestApp(
  options: {
    maxPageSize?: number; authenticate?: AppOptions['authenticate']; backend?: Backend; backendTimeout?: number;
    maxItemsPerRequest?: number; maxUserMixins?: number;
  } = {},
): Promise<TestApp> {
  const model = standardModel();
  const backend = options.backend ?? new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES });
  await backend.start(model);
  const app = createApp({
    model, backend, defaultHost: '127.0.0.1:8787', maxPageSize: options.maxPageSize ?? 1000, authenticate: options.authenticate, backendTimeout: options.backendTimeout,
    maxItemsPerRequest: options.maxItemsPerRequest, maxUserMixins: options.maxUserMixins,
  });
  return {
    model,
    backend,
    req: async (method, url, headers = {}, body = '') => {
      const lower: Record<string, string> = { host: HOST };
      for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
      const res = await app.handle({ method, url, headers: lower, body });
      return { ...res, header: (name) => res.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] };
    },
    close: () => backend.stop(),
  };
}

export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const COMPUTE_LINE = `Category: compute; scheme="${INFRA}"; class="kind"`;
export const TEXT = { 'Content-Type': 'text/plain', Accept: 'text/plain' };

/** Creates a compute (text/plain) and returns its path. */
export async function createCompute(t: TestApp, extra = ''): Promise<string> {
  const res = await t.req('POST', '/compute/', TEXT, `${COMPUTE_LINE}\r\n${extra}`);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.body}`);
  return new URL(res.header('Location')!).pathname;
}
