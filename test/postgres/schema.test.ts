import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { runAsync } from '../../src/backends/embedded/op.js';
import { PG_MIGRATIONS, migratePostgres } from '../../src/backends/embedded/postgres-schema.js';
import { PostgresStore } from '../../src/backends/embedded/postgres-store.js';
import { SCHEMA_VERSION } from '../../src/backends/embedded/schema.js';
import { testCluster } from '../support/postgres.js';

// The embedded store's PostgreSQL schema: migrating a database in place, and the plans of the link lookups.
const cluster = await testCluster();
after(() => cluster.stop());

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** A database at schema version 4 (PG_MIGRATIONS as they shipped) holding resources and links of two owners. */
async function version4(client: pg.Client): Promise<void> {
  await client.query('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  for (let v = 0; v < 4; v++) await client.query(PG_MIGRATIONS[v]);
  await client.query("INSERT INTO meta VALUES ('schema_version', '4')");
  const rows: Array<[string, string, string, string | null, string | null]> = [
    ['/compute/a', 'a', 'basic:alice', null, null],
    ['/storage/s', 's', 'basic:alice', null, null],
    ['/link/l', 'l', 'basic:alice', '/compute/a', '/storage/s'],
    ['/link/x', 'x', 'basic:alice', '/compute/a', 'http://example.org/elsewhere'],
    ['/compute/a', 'a', 'basic:bob', null, null],
  ];
  for (const r of rows) {
    await client.query("INSERT INTO entities (location, id, kind, owner, source, target, version, data) VALUES ($1, $2, 'k', $3, $4, $5, 1, '{}')", r);
  }
  await client.query("INSERT INTO memberships (owner, mixin, location) VALUES ('basic:alice', 's#t', '/compute/a')");
}

const indexdef = async (client: pg.Client, name: string) =>
  (await client.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [name])).rows[0]?.indexdef;

describe('embedded schema on PostgreSQL', () => {
  it('migration 5 makes the source and target indexes of a version-4 database partial (links only), keeping every row', async () => {
    const client = await connect(await cluster.createDatabase('schema_v4'));
    try {
      await version4(client);
      const rows = async () => (await client.query('SELECT * FROM entities ORDER BY seq')).rows;
      const before = await rows();
      await migratePostgres(client, 'schema_v4');
      assert.equal((await client.query("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0].value, String(SCHEMA_VERSION));
      assert.deepEqual(await rows(), before, 'every row as it was');
      assert.equal((await client.query('SELECT count(*)::int AS n FROM memberships')).rows[0].n, 1);
      assert.equal(await indexdef(client, 'entities_source'), 'CREATE INDEX entities_source ON public.entities USING btree (owner, source) WHERE (source IS NOT NULL)');
      assert.equal(await indexdef(client, 'entities_target'), 'CREATE INDEX entities_target ON public.entities USING btree (owner, target) WHERE (target IS NOT NULL)');
      await migratePostgres(client, 'schema_v4');
      assert.deepEqual(await rows(), before, 'migrating again changes nothing');
    } finally {
      await client.end();
    }
  });

  it('every statement of PostgresStore that looks links up by source or target uses their index in its generic plan, and so does the foreign key', async () => {
    const client = await connect(await cluster.createDatabase('schema_plans'));
    try {
      await version4(client);
      await migratePostgres(client, 'schema_plans');
      // The statements as the store sends them, so that one changed later is checked as it is.
      const sent: Array<{ text: string; values: unknown[] }> = [];
      const recording = { query: (q: { text: string; values: unknown[] }) => (sent.push(q), client.query(q)) } as unknown as pg.ClientBase;
      const store = new PostgresStore(recording, false);
      await client.query('BEGIN');
      await runAsync(store.linkRowsOf('basic:alice', '/compute/a'));
      await runAsync(store.linkRowsFrom([['basic:alice', '/compute/a'], ['basic:bob', '/compute/a']]));
      await runAsync(store.linkRowsTo('basic:alice', '/storage/s'));
      await runAsync(store.delete('basic:alice', '/storage/s'));
      await client.query('ROLLBACK');

      // Sequential scans off: a partial index is usable at all only where the query implies its WHERE,
      // so the planner reads entities through it whenever it may (linkRowsFrom's hash join may read it
      // whole on a table this small; the point is that it can).
      await client.query('SET enable_seqscan = off');
      await client.query('SET plan_cache_mode = force_generic_plan');
      const byEnd = sent.filter((q) => /\b(?:WHERE|ON)\b.*\b(?:source|target)\b/.test(q.text));
      assert.ok(byEnd.length >= 4, `found ${byEnd.length}: linkRowsOf, linkRowsFrom, linkRowsTo, delete's incoming links`);
      for (const [i, q] of byEnd.entries()) {
        const column = /\b(?:WHERE|ON)\b.*\btarget\s*=/.test(q.text) ? 'target' : 'source';
        await client.query(`PREPARE link_${i} AS ${q.text}`);
        const args = q.values.map((v) => client.escapeLiteral(String(v))).join(', ');
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE link_${i}(${args})`)).rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.match(plan, new RegExp(`(?:Index Scan using|Index Only Scan using|Bitmap Index Scan on) entities_${column}\\b`), `${q.text}\n${plan}`);
        if (!/\bJOIN\b/.test(q.text)) assert.match(plan, new RegExp(`Index Cond: \\(\\(owner = \\$1\\) AND \\(${column} = \\$2\\)\\)`), `${q.text}\n${plan}`);
        assert.doesNotMatch(plan, /Seq Scan on entities/, `${q.text}\n${plan}`);
      }
      // ON DELETE CASCADE: the foreign key's own search for the links of a deleted resource.
      // (The counter also holds scans not yet reported from earlier transactions: the difference counts.)
      const scans = async () => (await client.query("SELECT pg_stat_get_xact_numscans('entities_source'::regclass)::int AS n")).rows[0].n as number;
      await client.query('BEGIN');
      const before = await scans();
      await client.query("DELETE FROM entities WHERE owner = 'basic:alice' AND location = '/compute/a'");
      const cascaded = (await scans()) - before;
      assert.equal((await client.query("SELECT count(*)::int AS n FROM entities WHERE owner = 'basic:alice'")).rows[0].n, 1, 'the links went with their source');
      await client.query('ROLLBACK');
      assert.ok(cascaded > 0, 'the cascade searched entities_source');
    } finally {
      await client.end();
    }
  });
});
