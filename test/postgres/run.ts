/**
 * `npm run test:postgres`: starts a throw-away PostgreSQL cluster on
 * loopback (test/support/postgres.ts), runs the suites that need it with
 * its admin URL in OCCI_TEST_POSTGRES, and stops it, whatever they did:
 * the backend contract on the PostgreSQL store, the conformance suites on a
 * server using it, two instances sharing one database, the cloud backends'
 * TagStore on it, the OpenNebula backend (oned simulator) with its tags there,
 * and the embedded store's schema migrations and link-lookup plans.
 */
import { spawnSync } from 'node:child_process';
import { postgresUnavailable, startPostgres } from '../support/postgres.js';

const SUITES = [
  'test/postgres/contract.test.ts', 'test/conformance/etsi.test.ts', 'test/conformance/clients.test.ts', 'test/postgres/multi-instance.test.ts',
  'test/postgres/tag-store.test.ts', 'test/postgres/opennebula.test.ts', 'test/postgres/schema.test.ts',
];

const reason = postgresUnavailable();
if (reason) {
  console.error(`test:postgres: ${reason}`);
  process.exit(1);
}
const cluster = await startPostgres();
console.log(`PostgreSQL on 127.0.0.1:${cluster.port} (throw-away cluster)`);
let status = 1;
try {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...SUITES], {
    stdio: 'inherit', env: { ...process.env, OCCI_TEST_POSTGRES: cluster.url('postgres') },
  });
  status = run.status ?? 1;
} finally {
  await cluster.stop();
}
process.exit(status);
