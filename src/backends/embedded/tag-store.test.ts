import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
      store.set('/compute/a', [prod.id, web.id, 'http://unknown#x']);
      store.set('/compute/b', [web.id]);
      store.close();
      const again = TagStore.open(dir);
      const model = standardModel();
      again.load(model);
      assert.equal(model.findMixin(prod.id)?.owner, 'alice');
      assert.deepEqual([...again.tagsOf(['/compute/a', '/compute/b', '/compute/c'])], [['/compute/a', [prod.id, web.id]], ['/compute/b', [web.id]]]);
      assert.deepEqual([...again.members([web.id])].sort(), ['/compute/a', '/compute/b']);
      again.forget(['/compute/a']);
      assert.deepEqual([...again.members([prod.id])], []);
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
    store.set('/compute/a', [tag('prod').id]);
    assert.throws(() => store.remove(BOB, tag('prod').id), NotFoundError);
    store.remove(ALICE, tag('prod').id);
    assert.deepEqual([...store.tagsOf(['/compute/a'])], []);
  });
});
