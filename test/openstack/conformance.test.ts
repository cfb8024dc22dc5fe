/**
 * The conformance suites (test/conformance/etsi.test.ts in text/plain,
 * text/occi and application/occi+json, and clients.test.ts), unchanged,
 * against a real occi-server with `--backend openstack --auth keystone` in
 * front of the local stack (OCCI_TEST_BACKEND in test/support/server.ts): a
 * fresh project per suite, whose user signs in with basic credentials; the
 * cases read the backend's capabilities (eventual state, no client ids).
 */
import { describe } from 'node:test';
import { SKIP } from './_stack.js';

if (SKIP) {
  describe('conformance suites on the openstack backend', { skip: SKIP }, () => undefined);
} else {
  process.env.OCCI_TEST_BACKEND = 'openstack';
  await import('../conformance/etsi.test.js');
  await import('../conformance/clients.test.js');
}
