/**
 * The backend contract on OpenNebula, against a fresh oned simulator per
 * case. The simulator plays every transition at once (`immediate`): the
 * cases then see settled states without waiting; transitional states
 * (PROLOG, BOOT, HOTPLUG...) are tested in backend.test.ts, stepping by hand.
 */
import { describeBackendContract } from '../../src/backends/backend.contract.js';
import { onedSubject } from './_setup.js';

describeBackendContract('opennebula (oned simulator)', () => onedSubject({ stepMode: 'immediate' }), {
  skip: [
    {
      reason: 'oned numbers VMs, virtual networks and images with separate counters and stamps them to the second: a listing of several kinds is ordered by kind, then by ID',
      tests: ['list() lists in creation order'],
    },
    { reason: 'OpenNebula virtual networks have no up/down: a network is active while it exists (up and down answer 501)', tests: ['brings a network up and down'] },
    { reason: 'OpenNebula images have no online/offline this backend can drive (online and offline answer 501)', tests: ['brings a storage online and offline'] },
  ],
});
