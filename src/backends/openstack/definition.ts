import type { BackendDefinition } from '../registry.js';
import { STORE_SETTINGS, type StoreKind } from '../embedded/index.js';
import { OpenStackBackend } from './backend.js';

/** The OpenStack backend's settings (`backends.openstack.*` in the file) and its factory; endpoints come from each user's Keystone catalog. */
export const OPENSTACK: BackendDefinition = {
  settings: {
    region: { flag: 'os-region', env: 'OCCI_OS_REGION', kind: 'string', help: 'region of the endpoints taken from the Keystone catalog (any when unset)' },
    interface: {
      flag: 'os-interface', env: 'OCCI_OS_INTERFACE', kind: 'string', values: ['public', 'internal', 'admin'], default: 'public',
      help: 'catalog interface of the endpoints: public, internal or admin',
    },
    timeoutMs: { flag: 'os-timeout', env: 'OCCI_OS_TIMEOUT', kind: 'int', default: 30_000, help: 'milliseconds one OpenStack call may take (503/504 naming the service beyond)' },
    cacheTtlMs: { flag: 'os-cache-ttl', env: 'OCCI_OS_CACHE_TTL', kind: 'int', default: 30_000, help: "milliseconds a project's images, flavours and networks are kept" },
    scheme: {
      flag: 'os-template-scheme', env: 'OCCI_OS_TEMPLATE_SCHEME', kind: 'url', default: 'http://schemas.openstack.org/template',
      help: 'scheme base of the templates: <base>/os_tpl# (images), <base>/resource_tpl# (flavours)',
    },
    defaultImage: {
      flag: 'os-default-image', env: 'OCCI_OS_DEFAULT_IMAGE', kind: 'string',
      help: 'name or id of the image a compute boots when it names no OS template (else such a compute is refused)',
    },
    dataDir: { flag: 'os-data-dir', env: 'OCCI_OS_DATA_DIR', kind: 'string', default: './data', help: "directory of occi-server's own store of user mixins (tags.sqlite, --store sqlite)" },
    ...STORE_SETTINGS,
  },
  create: (s) => new OpenStackBackend({
    region: s.region as string | undefined,
    interface: s.interface as 'public' | 'internal' | 'admin',
    timeoutMs: s.timeoutMs as number,
    cacheTtlMs: s.cacheTtlMs as number,
    scheme: `${String(s.scheme).replace(/\/+$/, '')}/`,
    dataDir: s.dataDir as string,
    store: s.store as StoreKind,
    databaseUrl: s.databaseUrl as string | undefined,
    defaultImage: s.defaultImage as string | undefined,
  }),
};
