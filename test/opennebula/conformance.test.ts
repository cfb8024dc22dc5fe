/**
 * The conformance suites (test/conformance/etsi.test.ts in text/plain,
 * text/occi and application/occi+json, and clients.test.ts), unchanged,
 * against a real occi-server with `--backend opennebula --auth opennebula`
 * in front of a fresh oned simulator per suite (OCCI_TEST_BACKEND in
 * test/support/server.ts): requests sign in as alice, and the cases read the
 * backend's capabilities (eventual state, no client ids, no multi-attach).
 */
process.env.OCCI_TEST_BACKEND = 'opennebula';
await import('../conformance/etsi.test.js');
await import('../conformance/clients.test.js');
