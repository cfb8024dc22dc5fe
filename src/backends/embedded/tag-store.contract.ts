import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../../errors.js';
import { Mixin, standardModel } from '../../model/index.js';
import type { TagStore } from './tag-store.js';

/** One place a TagStore keeps its tables: `open()` opens a store over it (again, for a reopen), `cleanup()` removes it. */
export interface TagStoreSubject {
  open(): Promise<TagStore>;
  cleanup(): Promise<void>;
}

const ALICE = { user: 'alice', owner: 'alice', admin: false };
const BOB = { user: 'bob', owner: 'bob', admin: false };
const tag = (term: string, location = `/tags/${term}/`) => new Mixin({ scheme: 'http://example.org/alice#', term, location, origin: 'user', owner: 'alice' });

/** The TagStore's rules, the same on every database (tag-store.test.ts: SQLite; test/postgres/tag-store.test.ts: PostgreSQL). */
export function describeTagStore(name: string, subject: () => Promise<TagStoreSubject>): void {
  const using = async (fn: (s: TagStoreSubject, store: TagStore) => Promise<void>) => {
    const s = await subject();
    const store = await s.open();
    try {
      await fn(s, store);
    } finally {
      await store.close();
      await s.cleanup();
    }
  };

  describe(`TagStore on ${name}`, () => {
    it('keeps definitions and memberships across a reopen, and gives a listing its tags in one call', () => using(async (s, store) => {
      const [prod, web] = [tag('prod'), tag('web')];
      await store.define(ALICE, prod);
      await store.define(ALICE, web);
      await store.define(ALICE, prod);
      await store.set('alice', '/compute/a', [prod.id, web.id, 'http://unknown#x']);
      await store.set('alice', '/compute/b', [web.id]);
      await store.close();
      const again = await s.open();
      try {
        const model = standardModel();
        await again.load(model);
        assert.equal(model.visibleTo('alice').findMixin(prod.id)?.owner, 'alice');
        assert.deepEqual([...await again.tagsOf(['/compute/a', '/compute/b', '/compute/c'])], [['/compute/a', [prod.id, web.id]], ['/compute/b', [web.id]]]);
        assert.deepEqual([...await again.all()], [['/compute/a', [prod.id, web.id]], ['/compute/b', [web.id]]]);
        assert.deepEqual([...await again.members('alice', [web.id])].sort(), ['/compute/a', '/compute/b']);
        await again.forget(['/compute/a']);
        assert.deepEqual([...await again.members('alice', [prod.id])], []);
      } finally {
        await again.close();
      }
    }));

    it('refuses a taken id or location, hides another owner\'s tag on removal, and drops memberships with the tag', () => using(async (_, store) => {
      await store.define(ALICE, tag('prod'));
      await assert.rejects(store.define(ALICE, tag('prod', '/tags/other/')), (e: unknown) => e instanceof ConflictError && e.code === 'OCCI_ERR_CONFLICT_CATEGORY');
      await assert.rejects(store.define(ALICE, tag('dev', '/tags/prod/')), (e: unknown) => e instanceof ConflictError && e.code === 'OCCI_ERR_CONFLICT_LOCATION');
      await store.set('alice', '/compute/a', [tag('prod').id]);
      await assert.rejects(store.remove(BOB, tag('prod').id), NotFoundError);
      await assert.rejects(store.remove(ALICE, tag('absent').id), NotFoundError);
      await store.remove(ALICE, tag('prod').id);
      assert.deepEqual([...await store.tagsOf(['/compute/a'])], []);
    }));

    it("keeps a name space per owner: bob may define alice's id at alice's location, and each owner's tags stay theirs (issue 13 §7)", () => using(async (_, store) => {
      const bobs = new Mixin({ scheme: 'http://example.org/alice#', term: 'prod', location: '/tags/prod/', origin: 'user', owner: 'bob' });
      await store.define(ALICE, tag('prod'));
      await store.define(BOB, bobs);
      await store.set('alice', '/compute/a', [tag('prod').id]);
      await store.set('bob', '/compute/b', [bobs.id]);
      assert.deepEqual([...await store.members('alice', [bobs.id])], ['/compute/a']);
      assert.deepEqual([...await store.members('bob', [bobs.id])], ['/compute/b']);
      await store.remove(BOB, bobs.id);
      assert.deepEqual([...await store.tagsOf(['/compute/a', '/compute/b'])], [['/compute/a', [tag('prod').id]]]);
    }));

    it('refresh() brings definitions another store over the same tables made or removed into the model', () => using(async (s, store) => {
      const model = standardModel();
      await store.load(model);
      const other = await s.open();
      try {
        await other.define(ALICE, tag('shared'));
        await eventually(async () => {
          await store.refresh(model);
          return model.findOwned('alice', tag('shared').id) !== undefined;
        });
        await other.remove(ALICE, tag('shared').id);
        await eventually(async () => {
          await store.refresh(model);
          return model.findOwned('alice', tag('shared').id) === undefined;
        });
      } finally {
        await other.close();
      }
    }));
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
