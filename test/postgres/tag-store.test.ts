import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { describeTagStore } from '../../src/backends/embedded/tag-store.contract.js';
import { openTagStore } from '../../src/backends/embedded/index.js';
import { testCluster } from '../support/postgres.js';

// The TagStore's rules on PostgreSQL: one database, its tag tables emptied before each case.
const cluster = await testCluster();
after(() => cluster.stop());
const url = await cluster.createDatabase('tags');

async function sql(text: string, target = url): Promise<void> {
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describeTagStore('PostgreSQL', async () => {
  await sql('TRUNCATE tag_members, tag_mixins RESTART IDENTITY CASCADE').catch((err: { code?: string }) => {
    // Not migrated yet: nothing to empty.
    if (err.code !== '42P01') throw err;
  });
  return { open: () => openTagStore({ store: 'postgres', dir: ':memory:', databaseUrl: url }), cleanup: async () => undefined };
});

describe('TagStore on PostgreSQL', () => {
  it('shares a database with the embedded store (own tables, own version key) and refuses tag tables a newer server wrote', async () => {
    const shared = await cluster.createDatabase('tags_newer');
    const { EmbeddedBackend, DEFAULT_TEMPLATES } = await import('../../src/backends/embedded/index.js');
    const { standardModel } = await import('../../src/model/index.js');
    const embedded = new EmbeddedBackend({ dataDir: ':memory:', templates: DEFAULT_TEMPLATES, store: 'postgres', databaseUrl: shared });
    await embedded.start(standardModel());
    const tags = await openTagStore({ store: 'postgres', dir: ':memory:', databaseUrl: shared });
    await tags.close();
    await embedded.stop();
    await sql("UPDATE meta SET value = '99' WHERE key = 'tag_schema_version'", shared);
    await assert.rejects(openTagStore({ store: 'postgres', dir: ':memory:', databaseUrl: shared }), /newer occi-server \(tag schema version 99\)/);
  });

  it('needs --database-url with --store postgres', async () => {
    await assert.rejects(openTagStore({ store: 'postgres', dir: ':memory:' }), /--database-url/);
  });
});
