import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Mixin, standardModel } from '../../model/index.js';
import { describeTagStore } from './tag-store.contract.js';
import { openTagStore } from './tag-store.js';

const tag = (term: string) => new Mixin({ scheme: 'http://example.org/alice#', term, location: `/tags/${term}/`, origin: 'user', owner: 'alice' });

describeTagStore('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-tags-'));
  return { open: () => openTagStore({ store: 'sqlite', dir }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('TagStore on SQLite', () => {
  it('moves a version-0 file (one name space) into per-owner spaces on open, memberships with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-tags-v0-'));
    try {
      const db = new Database(join(dir, 'tags.sqlite'));
      db.exec(`
        CREATE TABLE tag_mixins (id TEXT PRIMARY KEY, owner TEXT NOT NULL, location TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
        CREATE TABLE tag_members (location TEXT NOT NULL, mixin TEXT NOT NULL REFERENCES tag_mixins(id) ON DELETE CASCADE, PRIMARY KEY (location, mixin));
      `);
      db.prepare('INSERT INTO tag_mixins VALUES (?, ?, ?, ?)').run(tag('prod').id, 'alice', '/tags/prod/', JSON.stringify({ scheme: 'http://example.org/alice#', term: 'prod', depends: [], applies: [] }));
      db.prepare('INSERT INTO tag_members VALUES (?, ?)').run('/compute/a', tag('prod').id);
      db.close();
      const store = await openTagStore({ dir });
      const model = standardModel();
      await store.load(model);
      assert.equal(model.findOwned('alice', tag('prod').id)?.location, '/tags/prod/');
      assert.deepEqual([...await store.members('alice', [tag('prod').id])], ['/compute/a']);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file written by a newer occi-server, naming its version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-tags-new-'));
    try {
      const db = new Database(join(dir, 'tags.sqlite'));
      db.pragma('user_version = 99');
      db.close();
      await assert.rejects(openTagStore({ dir }), /newer occi-server \(tag schema version 99\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
