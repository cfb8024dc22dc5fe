import { DEFAULT_TEMPLATES, type TemplatesConfig } from '../backends/index.js';

/** The server's configuration: one key per flag, `OCCI_*` variable and YAML key. */
export interface Config {
  /** Address to listen on. */
  listen: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Where the embedded backend keeps its database. */
  dataDir: string;
  /** Absolute URL clients reach the server at (behind a proxy); default: http://<Host header>. */
  publicUrl: string | undefined;
  /** Backend name (see src/backends/registry.ts). */
  backend: string;
  /** OS and resource templates the embedded backend offers. */
  templates: TemplatesConfig;
  /** Largest page (`number`) a client may ask for. */
  maxPageSize: number;
  /** Largest request body, bytes. */
  maxBodySize: number;
  /** Largest request head, bytes (text/occi carries renderings in headers). */
  maxHeaderSize: number;
  /** SQLite synchronous mode: NORMAL survives a crash of the process, FULL also a power loss. */
  synchronous: 'NORMAL' | 'FULL';
}

export const DEFAULTS: Config = {
  listen: '127.0.0.1',
  port: 8787,
  dataDir: './data',
  publicUrl: undefined,
  backend: 'embedded',
  templates: DEFAULT_TEMPLATES,
  maxPageSize: 1000,
  maxBodySize: 8 * 1024 * 1024,
  maxHeaderSize: 64 * 1024,
  synchronous: 'NORMAL',
};

/** How each key is read from text (flags, env) and checked; the YAML file gives typed values. */
export const KEYS: Readonly<Record<keyof Config, { flag: string; env: string; kind: 'string' | 'port' | 'int' | 'url' | 'sync' | 'object' }>> = {
  listen: { flag: 'listen', env: 'OCCI_LISTEN', kind: 'string' },
  port: { flag: 'port', env: 'OCCI_PORT', kind: 'port' },
  dataDir: { flag: 'data-dir', env: 'OCCI_DATA_DIR', kind: 'string' },
  publicUrl: { flag: 'public-url', env: 'OCCI_PUBLIC_URL', kind: 'url' },
  backend: { flag: 'backend', env: 'OCCI_BACKEND', kind: 'string' },
  templates: { flag: '', env: '', kind: 'object' },
  maxPageSize: { flag: 'max-page-size', env: 'OCCI_MAX_PAGE_SIZE', kind: 'int' },
  maxBodySize: { flag: 'max-body-size', env: 'OCCI_MAX_BODY_SIZE', kind: 'int' },
  maxHeaderSize: { flag: 'max-header-size', env: 'OCCI_MAX_HEADER_SIZE', kind: 'int' },
  synchronous: { flag: 'synchronous', env: 'OCCI_SYNCHRONOUS', kind: 'sync' },
};
