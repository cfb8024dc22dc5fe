import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createTestApp } from '../src/http/app.testing.js';
import { MEDIA_TYPES, RENDERINGS } from '../src/rendering/index.js';

/** README's "What is supported" table says of each rendering what the server does with it. */
describe('README renderings row', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith('| Renderings:')) ?? '';

  it('names every media type the server speaks', () => {
    for (const type of MEDIA_TYPES) assert.ok(row.includes(`\`${type}\``), `README names ${type}`);
  });

  it('calls a rendering "render only" exactly when the server cannot read it', () => {
    for (const r of RENDERINGS) {
      const short = r.mediaType.split('/')[1];
      const renderOnly = new RegExp(`${short.replace(/[+]/g, '\\+')}[^|]*\\brenders? only\\b`).test(row);
      assert.equal(renderOnly, r.parser === undefined, `${r.mediaType}: README says ${renderOnly ? 'render only' : 'read and rendered'}`);
    }
  });

  it('is right that text/uri-list bodies are read: a mixin association lists its entities in one', async () => {
    const t = await createTestApp();
    try {
      const vm = await t.req('POST', '/compute/', { 'Content-Type': 'text/plain' }, 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"');
      await t.req('POST', '/-/', { 'Content-Type': 'text/plain' }, 'Category: prod; scheme="http://example.org/tags#"; class="mixin"; location="/tags/prod/"');
      const tag = await t.req('POST', '/tags/prod/', { 'Content-Type': 'text/uri-list', Accept: 'text/uri-list' }, `${vm.header('Location')}\r\n`);
      assert.equal(tag.status, 200, tag.body);
      assert.equal(tag.body, `${vm.header('Location')}\r\n`);
    } finally {
      await t.close();
    }
  });
});
