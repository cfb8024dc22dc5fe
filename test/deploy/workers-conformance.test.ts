/**
 * The ETSI conformance suite (test/conformance/etsi.test.ts, unchanged)
 * against a server process with two cluster workers sharing one database:
 * requests of one client land on either worker.
 */
process.env.OCCI_TEST_WORKERS = '2';
await import('../conformance/etsi.test.js');
