import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TEMPLATES, backendSettings } from '../src/backends/index.js';
import { ConfigError, DEFAULTS, checkConfig, loadConfig as load, printableConfig } from '../src/config/index.js';

/** The server's loader with the backends' sections, as the CLI calls it. */
const SECTIONS = backendSettings();
const loadConfig = (argv: string[], env: Record<string, string>) => load(argv, env, SECTIONS);

describe('loadConfig()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occi-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('gives the defaults with nothing set', () => {
    assert.deepEqual(loadConfig([], {}).config, DEFAULTS);
  });

  it('reads the shipped example file as the defaults', () => {
    const { config } = loadConfig(['--config', 'config/occi-server.example.yaml'], {});
    assert.deepEqual(config.backends, { embedded: { dataDir: './data', synchronous: 'NORMAL', templates: DEFAULT_TEMPLATES } });
    assert.deepEqual({ ...config, backends: {} }, DEFAULTS);
  });

  it("reads a top-level store section as every backend's --store and --database-url; a backend's own section and the flags win", () => {
    const f = file('store.yaml', 'store:\n  type: postgres\n  database-url: postgres://occi@127.0.0.1:5432/occi\nbackends:\n  opennebula:\n    store: sqlite\n');
    const { config } = loadConfig(['--config', f], {});
    for (const name of ['embedded', 'openstack']) {
      assert.equal(config.backends[name].store, 'postgres', name);
      assert.equal(config.backends[name].databaseUrl, 'postgres://occi@127.0.0.1:5432/occi', name);
    }
    assert.equal(config.backends.opennebula.store, 'sqlite', 'its own section wins');
    assert.equal(loadConfig(['--config', f, '--store', 'sqlite'], {}).config.backends.embedded.store, 'sqlite', 'the flag wins');
    assert.throws(() => loadConfig(['--config', file('s2.yaml', 'store:\n  kind: postgres\n')], {}), /store: unknown key "kind"; known: type, database-url/);
    assert.throws(() => loadConfig(['--config', file('s3.yaml', 'store:\n  type: mysql\n')], {}), /store\.type.*sqlite, postgres|mysql/);
  });

  it('applies flags over environment over file over defaults, for backend settings too', () => {
    const f = file('a.yaml', 'port: 1000\nlisten: 0.0.0.0\nbackends:\n  embedded:\n    data-dir: /tmp/file\n    synchronous: FULL\n');
    const env = { OCCI_CONFIG: f, OCCI_PORT: '2000', OCCI_DATA_DIR: '/tmp/env' };
    const { config } = loadConfig(['--port', '3000'], env);
    assert.equal(config.port, 3000);
    assert.deepEqual(config.backends.embedded, { dataDir: '/tmp/env', synchronous: 'FULL' });
    assert.equal(config.listen, '0.0.0.0');
    assert.equal(config.maxPageSize, DEFAULTS.maxPageSize);
    assert.equal(loadConfig(['--data-dir', '/tmp/flag'], env).config.backends.embedded.dataDir, '/tmp/flag');
  });

  it("refuses a backend's key outside its section, and unknown keys at any depth, naming them", () => {
    assert.throws(() => loadConfig(['--config', file('d.yaml', 'data-dir: /x\n')], {}), /"data-dir" belongs to the embedded backend: write it under backends/);
    assert.throws(() => loadConfig(['--config', file('e.yaml', 'backends:\n  cloudy: {}\n')], {}), /unknown backend "cloudy"/);
    assert.throws(() => loadConfig(['--config', file('f.yaml', 'backends:\n  embedded:\n    dir: /x\n')], {}), /backends.embedded: unknown key "dir"/);
    assert.throws(() => loadConfig(['--config', file('g.yaml', 'backends:\n  embedded:\n    templates:\n      resourse: []\n')], {}), /templates: unknown key "resourse"/);
    assert.throws(
      () => loadConfig(['--config', file('h.yaml', 'backends:\n  embedded:\n    templates:\n      os: [{ term: a, title: A, attribs: {} }]\n')], {}),
      /templates.os\[0\]: unknown key "attribs"/,
    );
    assert.throws(() => loadConfig(['--synchronous', 'SOMETIMES'], {}), /--synchronous: must be NORMAL or FULL/);
  });

  it('--print-config output fed back with --config gives the same configuration', () => {
    const f = file('i.yaml', 'backends:\n  embedded:\n    templates:\n      default-os: b\n      os: [{ term: a, title: A }, { term: b, title: B }]\n');
    const { config } = loadConfig(['--config', f, '--port', '9000', '--cors-origins', 'https://a.example,https://b.example'], {});
    const printed = file('printed.yaml', JSON.stringify(printableConfig(config, SECTIONS)));
    const again = loadConfig(['--config', printed], {}).config;
    assert.equal((again.backends.embedded.templates as { defaultOs?: string }).defaultOs, 'b');
    // Every backend's section comes back with its defaults (what was printed), the settings given on top.
    const sections = Object.fromEntries(Object.entries(SECTIONS).map(([name, settings]) => [name, {
      ...Object.fromEntries(Object.entries(settings).filter(([, st]) => st.default !== undefined).map(([k, st]) => [k, st.default])),
      ...config.backends[name],
    }]));
    assert.deepEqual(again, { ...config, backends: sections });
  });

  it('refuses bad values and unknown keys, naming them', () => {
    assert.throws(() => loadConfig(['--port', 'eighty'], {}), (e: Error) => e instanceof ConfigError && /--port/.test(e.message));
    assert.throws(() => loadConfig([], { OCCI_PUBLIC_URL: 'ftp://x' }), /OCCI_PUBLIC_URL/);
    assert.throws(() => loadConfig(['--nope'], {}), ConfigError);
    assert.throws(() => loadConfig(['--config', file('b.yaml', 'prot: 1\n')], {}), /unknown key "prot"/);
    assert.throws(() => loadConfig(['--config', file('c.yaml', 'backends:\n  embedded:\n    templates: [1]\n')], {}), /templates/);
    assert.throws(() => loadConfig(['--config', join(dir, 'missing.yaml')], {}), /cannot read/);
  });

  it('keeps a public URL without its trailing slash', () => {
    assert.equal(loadConfig(['--public-url', 'https://cloud.example.org/occi/'], {}).config.publicUrl, 'https://cloud.example.org/occi');
  });
});

describe('loadConfig() for authentication and deployment keys', () => {
  it('reads lists, booleans, workers and rates from flags, environment and file alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'occi-config-'));
    try {
      const f = join(dir, 'd.yaml');
      writeFileSync(f, 'auth: [basic, oidc]\nhtpasswd: /etc/occi/htpasswd\ntrust-proxy: true\ntrusted-proxies: [10.0.0.0/8]\nworkers: auto\n');
      const { config } = loadConfig(['--config', f, '--rate-limit', '100/60', '--allow-anonymous'], { OCCI_ADMIN_USERS: 'root, ops', OCCI_WORKERS: '3' });
      assert.deepEqual(config.auth, ['basic', 'oidc']);
      assert.equal(config.trustProxy, true);
      assert.deepEqual(config.trustedProxies, ['10.0.0.0/8']);
      assert.equal(config.workers, 3);
      assert.equal(config.rateLimit, '100/60');
      assert.equal(config.allowAnonymous, true);
      assert.deepEqual(config.adminUsers, ['root', 'ops']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the bad key', () => {
    assert.throws(() => loadConfig(['--auth', 'basic,kerberos'], {}), /--auth: must list schemes/);
    assert.throws(() => loadConfig([], { OCCI_WORKERS: 'many' }), /OCCI_WORKERS/);
    assert.throws(() => loadConfig([], { OCCI_RATE_LIMIT: '10' }), /OCCI_RATE_LIMIT: must be REQUESTS\/SECONDS/);
    assert.throws(() => loadConfig([], { OCCI_TRUST_PROXY: 'maybe' }), /OCCI_TRUST_PROXY/);
  });

  it('checkConfig() refuses none off loopback without --allow-anonymous, and schemes without what they need', () => {
    assert.throws(() => checkConfig(loadConfig(['--listen', '0.0.0.0'], {}).config), /allow-anonymous/);
    checkConfig(loadConfig(['--listen', '0.0.0.0', '--allow-anonymous'], {}).config);
    checkConfig(loadConfig(['--listen', '::1'], {}).config);
    assert.throws(() => checkConfig(loadConfig(['--auth', 'basic'], {}).config), /--htpasswd/);
    assert.throws(() => checkConfig(loadConfig(['--auth', 'oidc'], {}).config), /--oidc-issuer/);
    assert.throws(() => checkConfig(loadConfig(['--auth', 'keystone'], {}).config), /--keystone-url/);
    assert.throws(() => checkConfig(loadConfig(['--tls-cert', 'c.pem'], {}).config), /tls-key/);
    assert.throws(() => checkConfig(loadConfig(['--trust-proxy'], {}).config), /trusted-proxies/);
  });

  it('printableConfig() masks credentials in URLs and names keys as in the file', () => {
    const { config } = loadConfig(['--keystone-url', 'https://svc:s3cret@keystone.example.org:5000/v3'], {});
    const printed = JSON.stringify(printableConfig(config));
    assert.doesNotMatch(printed, /s3cret/);
    assert.match(printed, /"keystone-url":"https:\/\/\*+@keystone.example.org:5000\/v3"/);
    assert.match(printed, /"max-body-size":1048576/);
  });
});
