import { it } from 'node:test';
import { postgresUnavailable } from './support/postgres.js';

// The PostgreSQL suites need a cluster: `npm run test:postgres` starts one, runs them and stops it.
it('PostgreSQL store suites', (t) => {
  const why = postgresUnavailable();
  const message = why
    ? `skipped: ${why} (npm run test:postgres starts one)`
    : 'skipped: no PostgreSQL running for npm test (npm run test:postgres starts one and runs the contract, conformance and multi-instance suites, and the cloud backends\' tag store suites)';
  console.log(message);
  t.skip(message);
});
