import type { AttributeValue } from '../../model/index.js';
import type { BackendDefinition } from '../registry.js';
import { EmbeddedBackend, type StoreKind } from './index.js';
import { OWNER_SCHEMES, type Synchronous } from './schema.js';
import { STORE_SETTINGS } from './store-settings.js';
import { DEFAULT_TEMPLATES, type TemplatesConfig } from '../templates.js';

/** The embedded backend's settings (`backends.embedded.*` in the file) and its factory. */
export const EMBEDDED: BackendDefinition = {
  settings: {
    dataDir: { flag: 'data-dir', env: 'OCCI_DATA_DIR', kind: 'string', default: './data', help: 'directory of the embedded database occi.sqlite' },
    synchronous: {
      flag: 'synchronous', env: 'OCCI_SYNCHRONOUS', kind: 'string', values: ['NORMAL', 'FULL'], default: 'NORMAL',
      help: 'SQLite durability: NORMAL survives a killed process, FULL also a power loss',
    },
    legacyOwnerScheme: {
      flag: 'legacy-owner-scheme', env: 'OCCI_LEGACY_OWNER_SCHEME', kind: 'string', values: OWNER_SCHEMES,
      help: 'once, for a data directory written before owners carried their scheme: the scheme its users signed in with (alice becomes basic:alice)',
    },
    ...STORE_SETTINGS,
    templates: {
      flag: '', env: '', kind: 'object', default: DEFAULT_TEMPLATES, help: 'OS and resource templates',
      read: readTemplates, write: writeTemplates,
    },
  },
  create: (s, limits) => new EmbeddedBackend({
    dataDir: s.dataDir as string, synchronous: s.synchronous as Synchronous, legacyOwnerScheme: s.legacyOwnerScheme as string | undefined, templates: s.templates as TemplatesConfig, limits,
    store: s.store as StoreKind, databaseUrl: s.databaseUrl as string | undefined,
  }),
};

type TemplateEntry = { term: string; title: string; attributes?: Record<string, AttributeValue> };

/** Reads `templates:` from the file; every unknown key, at any depth, is an error naming it. */
export function readTemplates(value: unknown): TemplatesConfig {
  const obj = mapping(value, 'templates', ['scheme', 'default-os', 'os', 'resource']);
  const list = (k: 'os' | 'resource'): TemplateEntry[] => {
    const v = obj[k] ?? [];
    if (!Array.isArray(v)) throw new Error(`templates.${k}: expected a list`);
    return v.map((t: unknown, i: number) => {
      const where = `templates.${k}[${i}]`;
      const e = mapping(t, where, ['term', 'title', 'attributes']);
      if (typeof e.term !== 'string' || typeof e.title !== 'string') throw new Error(`${where}: each template needs a term and a title`);
      if (e.attributes === undefined) return { term: e.term, title: e.title };
      if (typeof e.attributes !== 'object' || e.attributes === null || Array.isArray(e.attributes)) {
        throw new Error(`${where}.attributes: expected a mapping of attribute names to values`);
      }
      return { term: e.term, title: e.title, attributes: e.attributes as Record<string, AttributeValue> };
    });
  };
  const scheme = obj.scheme ?? DEFAULT_TEMPLATES.scheme;
  if (typeof scheme !== 'string') throw new Error('templates.scheme: expected a URL string');
  const defaultOs = obj['default-os'];
  if (defaultOs !== undefined && typeof defaultOs !== 'string') throw new Error('templates.default-os: expected a term');
  const resource = list('resource').map((t) => ({ ...t, attributes: t.attributes ?? {} }));
  return { scheme, os: list('os'), resource, ...(defaultOs === undefined ? {} : { defaultOs }) };
}

/** `templates` as the file writes it (`default-os`, not the field name). */
function writeTemplates(value: unknown): unknown {
  const { defaultOs, ...rest } = value as TemplatesConfig;
  return defaultOs === undefined ? rest : { ...rest, 'default-os': defaultOs };
}

function mapping(value: unknown, where: string, known: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a mapping with ${known.join(', ')}`);
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) throw new Error(`${where}: unknown key "${k}"; known: ${known.join(', ')}`);
  }
  return value as Record<string, unknown>;
}
