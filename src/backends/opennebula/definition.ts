import type { BackendDefinition } from '../registry.js';
import { STORE_SETTINGS, type StoreKind } from '../embedded/index.js';
import { OpenNebulaBackend, type Size, type UserMapping } from './index.js';

/** Sizes offered as resource_tpl mixins when the file names none (memory in GiB). */
export const DEFAULT_SIZES: readonly Size[] = [
  { term: 'small', title: 'Small: 1 core, 1 GiB', cores: 1, memory: 1 },
  { term: 'medium', title: 'Medium: 2 cores, 4 GiB', cores: 2, memory: 4 },
  { term: 'large', title: 'Large: 4 cores, 8 GiB', cores: 4, memory: 8 },
];

/** The OpenNebula backend's settings (`backends.opennebula.*` in the file) and its factory. */
export const OPENNEBULA: BackendDefinition = {
  settings: {
    url: { flag: 'one-xmlrpc', env: 'OCCI_ONE_XMLRPC', kind: 'url', default: 'http://127.0.0.1:2633/RPC2', help: "oned's XML-RPC endpoint" },
    timeout: { flag: 'one-timeout', env: 'OCCI_ONE_TIMEOUT', kind: 'int', default: 30_000, help: 'milliseconds one oned call may take; past it 504' },
    mapping: {
      flag: 'one-user-mapping', env: 'OCCI_ONE_USER_MAPPING', kind: 'string', values: ['user', 'server'], default: 'user',
      help: 'user: call oned with each user\'s own basic credentials (--auth opennebula); server: a server admin acts for the user with a login token',
    },
    serverUser: { flag: 'one-server-user', env: 'OCCI_ONE_SERVER_USER', kind: 'string', help: 'server identity (an oneadmin-group user) of the server mapping' },
    serverPassword: { flag: 'one-server-password', env: 'OCCI_ONE_SERVER_PASSWORD', kind: 'string', secret: true, help: 'password of --one-server-user' },
    userGroup: { flag: 'one-user-group', env: 'OCCI_ONE_USER_GROUP', kind: 'int', default: 1, help: 'group ID of the users the server mapping creates on first sight' },
    tagsDir: { flag: 'one-tags-dir', env: 'OCCI_ONE_TAGS_DIR', kind: 'string', default: './data', help: 'directory of tags.sqlite, the user mixins kept beside OpenNebula (--store sqlite)' },
    ...STORE_SETTINGS,
    scheme: {
      flag: 'one-scheme', env: 'OCCI_ONE_SCHEME', kind: 'url', default: 'http://occi.opennebula.local/occi',
      help: 'scheme base of the templates: <scheme>os_tpl# and <scheme>resource_tpl#',
    },
    datastore: { flag: 'one-datastore', env: 'OCCI_ONE_DATASTORE', kind: 'int', default: 1, help: 'image datastore ID new storage goes to' },
    vnMad: { flag: 'one-vn-mad', env: 'OCCI_ONE_VN_MAD', kind: 'string', default: 'bridge', help: 'VN_MAD (network driver) of new networks' },
    cacheTtl: { flag: 'one-cache-ttl', env: 'OCCI_ONE_CACHE_TTL', kind: 'int', default: 30_000, help: "milliseconds a user's templates and networks are cached" },
    sizes: { flag: '', env: '', kind: 'object', default: DEFAULT_SIZES, help: 'resource_tpl sizes: term, title, cores, memory (GiB)', read: readSizes },
  },
  create: (s) => new OpenNebulaBackend({
    url: String(s.url), timeoutMs: s.timeout as number, mapping: s.mapping as UserMapping,
    serverUser: s.serverUser as string | undefined, serverPassword: s.serverPassword as string | undefined, userGroup: s.userGroup as number,
    tagsDir: s.tagsDir as string, store: s.store as StoreKind, databaseUrl: s.databaseUrl as string | undefined, scheme: String(s.scheme).replace(/\/*$/, '/'), datastore: s.datastore as number, vnMad: s.vnMad as string,
    sizes: s.sizes as Size[], cacheTtlMs: s.cacheTtl as number,
  }),
};

const TERM = /^[a-z][a-z0-9_-]*$/;

/** Reads `sizes:` from the file: a list of { term, title, cores, memory }; every unknown key or bad value is an error naming it. */
export function readSizes(value: unknown): Size[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('sizes: expected a non-empty list of { term, title, cores, memory }');
  const seen = new Set<string>();
  return value.map((v: unknown, i) => {
    const where = `sizes[${i}]`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected a mapping with term, title, cores, memory`);
    for (const k of Object.keys(v)) if (!['term', 'title', 'cores', 'memory'].includes(k)) throw new Error(`${where}: unknown key "${k}"; known: term, title, cores, memory`);
    const { term, title, cores, memory } = v as Record<string, unknown>;
    if (typeof term !== 'string' || !TERM.test(term)) throw new Error(`${where}.term: expected a term matching ${TERM.source}`);
    if (seen.has(term)) throw new Error(`${where}.term: "${term}" is given twice`);
    seen.add(term);
    if (typeof title !== 'string' || title === '') throw new Error(`${where}.title: expected a title`);
    if (typeof cores !== 'number' || !Number.isInteger(cores) || cores < 1) throw new Error(`${where}.cores: expected a whole number of cores, at least 1`);
    if (typeof memory !== 'number' || !(memory > 0)) throw new Error(`${where}.memory: expected GiB, more than 0`);
    return { term, title, cores, memory };
  });
}
