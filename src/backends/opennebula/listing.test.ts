import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../errors.js';
import { COMPUTE, NETWORK, NETWORKINTERFACE, standardModel, STORAGE, type Entity, type Link, type Resource } from '../../model/index.js';
import { flatten, poolsFor, select } from './listing.js';

const e = (kind: string, location: string, title = ''): Entity => ({ id: location.split('/')[2], kind, mixins: [], attributes: { 'occi.core.title': title }, location, version: '1' });
const vm = (id: number, nics: number[] = []): Resource => ({
  ...e(COMPUTE.id, `/compute/${id}`, id % 2 ? 'odd' : 'even'),
  links: nics.map((n): Link => ({ ...e(NETWORKINTERFACE.id, `/networkinterface/${id}-${n}`), source: `/compute/${id}`, target: '/network/0' })),
});

describe('poolsFor()', () => {
  it('asks for the pools a query needs', () => {
    assert.deepEqual(poolsFor({ kinds: [COMPUTE.id], detail: 'locations' }).vnets, false);
    const nic = poolsFor({ kinds: [NETWORKINTERFACE.id], detail: 'locations' });
    assert.deepEqual([nic.vms, nic.vnets, nic.images], [true, false, false]);
    const all = poolsFor({ detail: 'locations' });
    assert.deepEqual([all.vms, all.vnets, all.images], [true, true, true]);
  });
});

describe('flatten() and select()', () => {
  const model = standardModel();
  const computes = [vm(3, [1, 0]), vm(1), vm(2, [0])];
  const others = [e(STORAGE.id, '/storage/5'), e(NETWORK.id, '/network/4')];
  const all = flatten(computes, others, poolsFor({ detail: 'locations' }).kinds);

  it('orders by kind, then by oned ID', () => {
    assert.deepEqual(all.map((x) => x.location), [
      '/compute/1', '/compute/2', '/compute/3', '/network/4', '/storage/5', '/networkinterface/2-0', '/networkinterface/3-0', '/networkinterface/3-1',
    ]);
  });

  it('pages by offset or by cursor, with next only on a full page that has more after it', () => {
    const first = select(model, all, { limit: 3, detail: 'locations' });
    assert.deepEqual([first.locations.length, first.next], [3, 'compute/3']);
    const rest = select(model, all, { cursor: first.next, limit: 10, detail: 'entities' });
    assert.deepEqual(rest.locations, all.slice(3).map((x) => x.location));
    assert.equal(rest.entities?.length, 5);
    assert.equal(rest.next, undefined);
    assert.deepEqual(select(model, all, { offset: 6, limit: 2, detail: 'locations' }).next, undefined);
    assert.throws(() => select(model, all, { cursor: 'link/1', detail: 'locations' }), ValidationError);
  });

  it('filters by attribute after the listing', () => {
    const odd = select(model, all, { kinds: [COMPUTE.id], filter: { categories: [], attributes: { 'occi.core.title': 'odd' } }, detail: 'locations' });
    assert.deepEqual(odd.locations, ['/compute/1', '/compute/3']);
  });
});
