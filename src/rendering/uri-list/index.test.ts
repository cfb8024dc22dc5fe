import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BASE_URL, COLLECTION_A, COMPUTE_A, fixtureModel } from '../compute-a.testing.js';
import { InternalError, ParsingError, UnsupportedMediaTypeError } from '../../errors.js';
import { describeRenderingContract } from '../rendering.contract.js';
import { MAX_LINES } from '../_grammar.js';
import { uriList } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8');
const model = fixtureModel();
const ctx = { model, baseUrl: BASE_URL };
const parser = uriList.parser!;

describeRenderingContract(uriList);

describe('uriList', () => {
  it('is text/uri-list without parameters, rendering only listings and empty results', () => {
    assert.equal(uriList.mediaType, 'text/uri-list');
    assert.deepEqual(uriList.aliases, []);
    assert.equal(uriList.contentTypeParameters, '');
    assert.equal(uriList.collectionDetail, 'locations');
    assert.deepEqual(
      (['entity', 'collection', 'categories', 'empty', 'error'] as const).filter((t) => uriList.canRender(t)),
      ['collection', 'empty'],
    );
  });

  it('renders COLLECTION_A byte for byte as test/fixtures/compute-a-list.uri', () => {
    const out = uriList.render({ type: 'collection', locations: COLLECTION_A }, ctx);
    assert.deepEqual(out.headers, []);
    assert.equal(out.body, fixture('compute-a-list.uri'));
  });

  it('keeps absolute URLs as they are and renders nothing for an empty collection', () => {
    assert.equal(uriList.render({ type: 'collection', locations: ['http://other.example/x'] }, ctx).body, 'http://other.example/x\r\n');
    assert.equal(uriList.render({ type: 'collection', locations: [] }, ctx).body, '');
    assert.equal(uriList.render({ type: 'empty' }, ctx).body, '');
  });

  it('refuses, as our bug, to render what it cannot', () => {
    assert.throws(() => uriList.render({ type: 'entity', entity: COMPUTE_A }, ctx), InternalError);
  });
});

describe('uriList.parser', () => {
  it('reads URI lines, skipping comments and blank lines, any line end', () => {
    const body = '# members\r\nhttp://h/compute/1\r\n\r\n  /compute/2  \n\rhttp://h/compute/3';
    assert.deepEqual(parser.parseLocations({ body, headers: {} }, model), ['http://h/compute/1', '/compute/2', 'http://h/compute/3']);
  });

  it('reads the golden listing back', () => {
    assert.deepEqual(parser.parseLocations({ body: fixture('compute-a-list.uri'), headers: {} }, model), COLLECTION_A.map((l) => BASE_URL + l));
  });

  it('refuses a line that is not one URI', () => {
    assert.throws(() => parser.parseLocations({ body: 'http://h/a http://h/b', headers: {} }, model), ParsingError);
    assert.throws(() => parser.parseLocations({ body: 'http://h/a\u0000', headers: {} }, model), ParsingError);
  });

  it(`reads exactly ${MAX_LINES.toLocaleString('en')} locations ending in a line end, and refuses one more (issue 13 §10)`, () => {
    const lines = Array.from({ length: MAX_LINES }, (_, i) => `/compute/${i}`);
    for (const end of ['\n', '\r\n']) {
      assert.equal(parser.parseLocations({ body: lines.join(end) + end, headers: {} }, model).length, MAX_LINES);
      assert.throws(() => parser.parseLocations({ body: [...lines, '/compute/x'].join(end) + end, headers: {} }, model), /more than 10000 lines/);
    }
  });

  it('carries only locations: every other parse is an unsupported media type', () => {
    const input = { body: 'http://h/compute/1', headers: {} };
    for (const method of ['parseEntities', 'parseAction', 'parseCategories', 'parseFilter'] as const) {
      assert.throws(() => parser[method](input, model), (err) => err instanceof UnsupportedMediaTypeError && /only locations/.test(err.message), method);
    }
  });
});
