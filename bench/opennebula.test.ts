/** The OpenNebula bench, tiny: it runs, and a listing costs as many oned calls for 100 VMs as for 10. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneTable, runOpenNebulaBench } from './opennebula.js';

describe('npm run bench: OpenNebula scenarios (smoke)', () => {
  it('counts oned calls per OCCI request: one per listing whatever the number of VMs, one per read, two per creation', async () => {
    const rows = await runOpenNebulaBench({ requests: 3 });
    const calls = Object.fromEntries(rows.map((r) => [r.name, r.calls_per_request]));
    for (const r of rows) assert.equal(r.errors, 0, r.name);
    assert.deepEqual(calls, {
      'one-get-compute': 1, 'one-list-10-vms': 1, 'one-list-10-vms-json': 1, 'one-list-100-vms': 1, 'one-list-100-vms-json': 1, 'one-create-compute': 2,
    });
    assert.equal(rows.find((r) => r.name === 'one-list-100-vms')!.methods, 'one.vmpool.infoextended');
    assert.match(oneTable(rows), /\| one-create-compute \| 2 \|/);
  });
});
