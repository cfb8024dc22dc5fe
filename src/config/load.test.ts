import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TEMPLATES } from '../backends/index.js';
import { ConfigError, DEFAULTS, loadConfig } from './index.js';

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
    assert.deepEqual(config.templates, DEFAULT_TEMPLATES);
    assert.deepEqual({ ...config, templates: DEFAULTS.templates }, DEFAULTS);
  });

  it('applies flags over environment over file over defaults', () => {
    const f = file('a.yaml', 'port: 1000\nlisten: 0.0.0.0\ndata-dir: /tmp/file\n');
    const env = { OCCI_CONFIG: f, OCCI_PORT: '2000', OCCI_DATA_DIR: '/tmp/env' };
    const { config } = loadConfig(['--port', '3000'], env);
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, '/tmp/env');
    assert.equal(config.listen, '0.0.0.0');
    assert.equal(config.maxPageSize, DEFAULTS.maxPageSize);
  });

  it('refuses bad values and unknown keys, naming them', () => {
    assert.throws(() => loadConfig(['--port', 'eighty'], {}), (e: Error) => e instanceof ConfigError && /--port/.test(e.message));
    assert.throws(() => loadConfig([], { OCCI_PUBLIC_URL: 'ftp://x' }), /OCCI_PUBLIC_URL/);
    assert.throws(() => loadConfig(['--nope'], {}), ConfigError);
    assert.throws(() => loadConfig(['--config', file('b.yaml', 'prot: 1\n')], {}), /unknown key "prot"/);
    assert.throws(() => loadConfig(['--config', file('c.yaml', 'templates: [1]\n')], {}), /templates/);
    assert.throws(() => loadConfig(['--config', join(dir, 'missing.yaml')], {}), /cannot read/);
  });

  it('keeps a public URL without its trailing slash', () => {
    assert.equal(loadConfig(['--public-url', 'https://cloud.example.org/occi/'], {}).config.publicUrl, 'https://cloud.example.org/occi');
  });
});
