import { after } from 'node:test';
import { standardModel } from '../../src/model/index.js';
import { describeBackendContract } from '../../src/backends/backend.contract.js';
import { DEFAULT_TEMPLATES, EmbeddedBackend } from '../../src/backends/embedded/index.js';
import { testCluster, truncateStore } from '../support/postgres.js';

// The backend contract on the PostgreSQL store: one throw-away cluster, the database emptied before each case.
const cluster = await testCluster();
after(() => cluster.stop());
const url = await cluster.createDatabase('contract');

describeBackendContract('embedded on PostgreSQL', async () => {
  await truncateStore(url);
  const model = standardModel();
  const backend = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES, store: 'postgres', databaseUrl: url });
  await backend.start(model);
  return { backend, model, teardown: () => backend.stop() };
});
