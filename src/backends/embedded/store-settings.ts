import type { BackendSetting } from '../registry.js';

/**
 * `--store` and `--database-url`: where occi-server keeps its own state,
 * declared once and shared by every backend that keeps some (the embedded
 * backend's entities and user mixins, the OpenStack and OpenNebula
 * backends' tags); one flag sets all of them.
 */
export const STORE_SETTINGS = {
  store: {
    flag: 'store', env: 'OCCI_STORE', kind: 'string', values: ['sqlite', 'postgres'], default: 'sqlite',
    help: "where occi-server keeps its own state (the embedded backend's, the cloud backends' tags): sqlite (one machine) or postgres (several instances share one database)",
  },
  databaseUrl: {
    flag: 'database-url', env: 'OCCI_DATABASE_URL', kind: 'string', secret: true,
    help: 'the PostgreSQL database of --store postgres, postgres://USER@HOST:PORT/DB',
  },
} as const satisfies Record<string, BackendSetting>;
