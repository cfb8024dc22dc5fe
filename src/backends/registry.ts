import type { Backend } from './backend.js';
import { EmbeddedBackend } from './embedded/index.js';
import type { TemplatesConfig } from './embedded/templates.js';

/** What the configuration hands every backend factory. */
export interface BackendOptions {
  /** Where a backend with local state (embedded) keeps it. */
  dataDir: string;
  /** OS and resource templates the embedded backend offers. */
  templates: TemplatesConfig;
  /** SQLite synchronous mode of the embedded backend. */
  synchronous?: 'NORMAL' | 'FULL';
}

/** THE list of backends, by configuration name; a new backend is one line here. */
export const BACKENDS: Readonly<Record<string, (options: BackendOptions) => Backend>> = Object.freeze({
  embedded: (o: BackendOptions) => new EmbeddedBackend({ dataDir: o.dataDir, templates: o.templates, synchronous: o.synchronous }),
});

/** The backend configured under `name`; an unknown name is an Error listing the known ones. */
export function createBackend(name: string, options: BackendOptions): Backend {
  if (!Object.hasOwn(BACKENDS, name)) {
    throw new Error(`unknown backend "${name}"; known backends: ${Object.keys(BACKENDS).join(', ')}`);
  }
  return BACKENDS[name](options);
}
