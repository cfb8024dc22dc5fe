/**
 * The end-to-end scenario (test/clouds/scenario.ts) on a real occi-server
 * in front of the oned simulator, `--backend opennebula --auth opennebula`:
 * alice and bob sign in with their OpenNebula passwords. The simulator plays
 * one step of an object's state sequence each time it is read (`info`), so
 * the scenario sees PENDING, PROLOG, BOOT, HOTPLUG... and waits them out.
 */
import { describeCloudScenario } from '../clouds/scenario.js';
import { startOnedServer } from './_server.js';

describeCloudScenario('opennebula (oned simulator)', async () => {
  const server = await startOnedServer({ stepMode: 'info' });
  return { base: server.base, users: { alice: server.alice, bob: server.bob }, settleMs: 10_000, teardown: () => server.stop() };
});
