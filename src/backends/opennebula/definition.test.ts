import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { standardModel } from '../../model/index.js';
import { STORE_SETTINGS } from '../embedded/index.js';
import { DEFAULT_SIZES, OPENNEBULA, readSizes } from './definition.js';
import { parseCidr } from './network.js';

describe('OPENNEBULA settings', () => {
  it('declares unique one-* flags and OCCI_ONE_* variables beside the shared --store and --database-url, the passwords secret', () => {
    const settings = Object.values(OPENNEBULA.settings).filter((s) => !Object.values(STORE_SETTINGS).includes(s as never));
    assert.equal(OPENNEBULA.settings.store, STORE_SETTINGS.store);
    assert.equal(OPENNEBULA.settings.databaseUrl.secret, true);
    for (const s of settings) {
      if (s.flag) assert.match(s.flag, /^one-/);
      if (s.env) assert.match(s.env, /^OCCI_ONE_/);
    }
    assert.equal(OPENNEBULA.settings.serverPassword.secret, true);
    assert.equal(OPENNEBULA.settings.sizes.default, DEFAULT_SIZES);
  });

  it('reads sizes strictly, naming what is wrong', () => {
    assert.deepEqual(readSizes([{ term: 'tiny', title: 'Tiny', cores: 1, memory: 0.5 }]), [{ term: 'tiny', title: 'Tiny', cores: 1, memory: 0.5 }]);
    const bad: Array<[unknown, RegExp]> = [
      [[], /non-empty list/], [{ small: 1 }, /non-empty list/], [[{ term: 'a', title: 'A', cores: 1, memory: 1, disk: 2 }], /sizes\[0\]: unknown key "disk"/],
      [[{ term: 'A b', title: 'A', cores: 1, memory: 1 }], /sizes\[0\]\.term/], [[{ term: 'a', title: 'A', cores: 1.5, memory: 1 }], /sizes\[0\]\.cores/],
      [[{ term: 'a', title: 'A', cores: 1, memory: 0 }], /sizes\[0\]\.memory/], [[{ term: 'a', title: '', cores: 1, memory: 1 }], /sizes\[0\]\.title/],
      [[{ term: 'a', title: 'A', cores: 1, memory: 1 }, { term: 'a', title: 'B', cores: 2, memory: 2 }], /sizes\[1\]\.term: "a" is given twice/],
    ];
    for (const [value, message] of bad) assert.throws(() => readSizes(value), message);
  });

  it('keeps the scheme a base ending in "/" (the configuration layer strips it from URLs)', async () => {
    const defaults = Object.fromEntries(Object.entries(OPENNEBULA.settings).map(([k, s]) => [k, s.default]));
    const model = standardModel();
    await OPENNEBULA.create({ ...defaults, tagsDir: ':memory:', scheme: 'http://cloud.example.org/occi' }).start(model);
    assert.ok(model.findMixin('http://cloud.example.org/occi/resource_tpl#small'));
  });

  it('refuses the server mapping without its credentials', () => {
    assert.throws(() => OPENNEBULA.create({ ...Object.fromEntries(Object.entries(OPENNEBULA.settings).map(([k, s]) => [k, s.default])), mapping: 'server' }), /one-server-user/);
  });
});

describe('parseCidr()', () => {
  it('gives network, mask and host range', () => {
    assert.deepEqual(parseCidr('10.1.2.77/24'), { address: '10.1.2.0', mask: '255.255.255.0', prefix: 24, first: 167838209, last: 167838462 });
    for (const bad of ['10.0.0.0', '10.0.0.0/31', '300.0.0.0/24', 'fe80::/64']) assert.throws(() => parseCidr(bad), /CIDR/);
  });
});
