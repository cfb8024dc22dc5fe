import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendUnavailableError } from '../../errors.js';
import { fixture } from './replay.testing.js';
import { CINDER_MICROVERSION } from './cinder.js';
import { createClients } from './clients.js';
import { UpstreamCounter } from './http.js';
import type { Token } from './keystone.js';
import { NOVA_MICROVERSION } from './nova.js';

const token = fixture('keystone-token').body.token as Token;

describe('createClients()', () => {
  it('puts each client on its catalog URL, with the default microversions and the shared counter', () => {
    const counter = new UpstreamCounter();
    const { nova, neutron, cinder, glance } = createClients('t', token.catalog!, { region: 'RegionOne', counter, timeoutMs: 5000 });
    assert.equal(nova.http.endpoint, 'http://127.0.0.1:8774/v2.1');
    assert.equal(nova.http.microversion, NOVA_MICROVERSION);
    assert.equal(neutron.http.endpoint, 'http://127.0.0.1:9696');
    assert.equal(cinder.http.endpoint, `http://127.0.0.1:8776/v3/${token.project!.id}`);
    assert.equal(cinder.http.microversion, CINDER_MICROVERSION);
    assert.equal(glance.http.endpoint, 'http://127.0.0.1:9292');
    for (const c of [nova, neutron, cinder, glance]) {
      assert.equal(c.http.counter, counter);
      assert.equal(c.http.timeoutMs, 5000);
    }
    assert.equal(createClients('t', token.catalog!, { microversions: { nova: '2.90' } }).nova.http.microversion, '2.90');
  });

  it('fails with 503 when the catalog lacks a service', () => {
    const noVolume = token.catalog!.filter((s) => s.type !== 'volumev3');
    assert.throws(() => createClients('t', noVolume), BackendUnavailableError);
  });
});
