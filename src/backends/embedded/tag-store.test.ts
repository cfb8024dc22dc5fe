import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import { Mixin, standardModel } from '../../model/index.js';
import { TagStore } from './tag-store.js';

const ALICE = { user: 'alice', owner: 'alice', admin: false };
const BOB = { user: 'bob', owner: 'bob', admin: false };
const tag = (term: string, location = `/tags/${term}/`) => new Mixin({ scheme: 'http://example.org/alice#', term, location, origin: 'user', owner: 'alice' });

describe('TagStore', () => {
  it('keeps definitions and memberships across a reopen, and gives a listing its tags in one call', () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-tags-'));
    try {
      const store = TagStore.open(dir);
      const [prod, web] = [tag('prod'), tag('web')];
      store.define(ALICE, prod);
      store.define(ALICE, web);
      store.define(ALICE, prod);
      store.set('alice', '/compute/a', [prod.id, web.id, 'http://unknown#x']);
      store.set('alice', '/compute/b', [web.id]);
      store.close();
      const again = TagStore.open(dir);
      const model = standardModel();
      again.load(model);
      assert.equal(model.visibleTo('alice').findMixin(prod.id)?.owner, 'alice');
      assert.deepEqual([...again.tagsOf(['/compute/a', '/compute/b', '/compute/c'])], [['/compute/a', [prod.id, web.id]], ['/compute/b', [web.id]]]);
      assert.deepEqual([...again.members('alice', [web.id])].sort(), ['/compute/a', '/compute/b']);
      again.forget(['/compute/a']);
      assert.deepEqual([...again.members('alice', [prod.id])], []);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a taken id or location, hides another owner\'s tag on removal, and drops memberships with the tag', () => {
    const store = TagStore.open(':memory:');
    store.define(ALICE, tag('prod'));
    assert.throws(() => store.define(ALICE, tag('prod', '/tags/other/')), (e: unknown) => e instanceof ConflictError && e.code === 'OCCI_ERR_CONFLICT_CATEGORY');
    assert.throws(() => store.define(ALICE, tag('dev', '/tags/prod/')), (e: unknown) => e instanceof ConflictError && e.code === 'OCCI_ERR_CONFLICT_LOCATION');
    store.set('alice', '/compute/a', [tag('prod').id]);
    assert.throws(() => store.remove(BOB, tag('prod').id), NotFoundError);
    store.remove(ALICE, tag('prod').id);
    assert.deepEqual([...store.tagsOf(['/compute/a'])], []);
  });

  it("keeps a name space per owner: bob may define alice's id at alice's location, and each owner's tags stay theirs (issue 13 §7)", () => {
    const store = TagStore.open(':memory:');
    const bobs = new Mixin({ scheme: 'http://example.org/alice#', term: 'prod', location: '/tags/prod/', origin: 'user', owner: 'bob' });
    store.define(ALICE, tag('prod'));
    store.define(BOB, bobs);
    store.set('alice', '/compute/a', [tag('prod').id]);
    store.set('bob', '/compute/b', [bobs.id]);
    assert.deepEqual([...store.members('alice', [bobs.id])], ['/compute/a']);
    assert.deepEqual([...store.members('bob', [bobs.id])], ['/compute/b']);
    store.remove(BOB, bobs.id);
    assert.deepEqual([...store.tagsOf(['/compute/a', '/compute/b'])], [['/compute/a', [tag('prod').id]]]);
  });

  it('moves a version-0 file (one name space) into per-owner spaces on open, memberships with it', () => {
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
      const store = TagStore.open(dir);
      const model = standardModel();
      store.load(model);
      assert.equal(model.findOwned('alice', tag('prod').id)?.location, '/tags/prod/');
      assert.deepEqual([...store.members('alice', [tag('prod').id])], ['/compute/a']);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
