import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ANONYMOUS } from '../backend.js';
import { DEFAULT_TEMPLATES, type TemplatesConfig } from '../templates.js';
import { COMPUTE, draftEntity, standardModel } from '../../model/index.js';
import { EmbeddedBackend } from './index.js';

describe('EmbeddedBackend.start() and templates.scheme', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'occi-scheme-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const templates = (scheme: string): TemplatesConfig => ({ ...DEFAULT_TEMPLATES, scheme });
  const start = async (config: TemplatesConfig) => {
    const backend = new EmbeddedBackend({ dataDir, templates: config });
    await backend.start(standardModel());
    return backend;
  };

  it('starts on a data directory without template associations whatever the scheme', async () => {
    await (await start(templates('http://first.example.org/occi/'))).stop();
    await (await start(templates('http://second.example.org/occi/'))).stop();
  });

  it('refuses a changed scheme when stored computes use the old one, naming both, and starts again on the old one', async () => {
    const old = templates('http://old.example.org/occi/');
    const model = standardModel();
    const backend = new EmbeddedBackend({ dataDir, templates: old });
    await backend.start(model);
    await backend.create(ANONYMOUS, [
      draftEntity(model, COMPUTE, { kind: COMPUTE.id, mixins: ['http://old.example.org/occi/resource_tpl#small'], attributes: {}, links: [], actionLinks: 0 }, (u) => u),
    ]);
    await backend.stop();
    await assert.rejects(
      start(templates('http://new.example.org/occi/')),
      /templates of scheme http:\/\/old\.example\.org\/occi\/ \(e\.g\. http:\/\/old\.example\.org\/occi\/(os|resource)_tpl#\w+\), but backends\.embedded\.templates\.scheme is now http:\/\/new\.example\.org\/occi\/.*Set templates\.scheme back to http:\/\/old\.example\.org\/occi\//,
    );
    const again = await start(old);
    const [vm] = (await again.list(ANONYMOUS, { kinds: [COMPUTE.id], detail: 'entities' })).entities!;
    assert.ok(vm.mixins.includes('http://old.example.org/occi/resource_tpl#small'));
    await again.stop();
  });
});
