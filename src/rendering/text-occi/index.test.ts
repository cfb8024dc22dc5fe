/**
 * Golden file format of `test/fixtures/compute-a.occi`: the response headers
 * text/occi renders, one `Name: value` CRLF each, in the rendered order; then
 * an empty line (CRLF); then the body, exactly as rendered (`OK`, no newline).
 * Content-Type and other HTTP headers are not part of it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BASE_URL, COLLECTION_A, COMPUTE_A, fixtureModel } from '../compute-a.testing.js';
import { ParsingError } from '../../errors.js';
import { COMPUTE, STOP } from '../../model/index.js';
import { asParseInput, describeRenderingContract } from '../rendering.contract.js';
import type { Rendered } from '../rendering.js';
import { parseHeaderFilter, textOcci } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8');
const model = fixtureModel();
const ctx = { model, baseUrl: BASE_URL };
const parser = textOcci.parser!;
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const CAT = `compute; scheme="${INFRA}"; class="kind"`;

/** The golden file format described at the top of this file. */
const asGolden = (out: Rendered) => `${out.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${out.body}`;
const header = (out: Rendered, name: string) => out.headers.find(([n]) => n === name)?.[1];

describeRenderingContract(textOcci, { toParseInput: asParseInput });

describe('textOcci', () => {
  it('is text/occi without aliases or parameters, listing locations', () => {
    assert.equal(textOcci.mediaType, 'text/occi');
    assert.deepEqual(textOcci.aliases, []);
    assert.equal(textOcci.contentTypeParameters, '');
    assert.equal(textOcci.collectionDetail, 'locations');
  });

  it('renders COMPUTE_A byte for byte as test/fixtures/compute-a.occi', () => {
    assert.equal(asGolden(textOcci.render({ type: 'entity', entity: COMPUTE_A }, ctx)), fixture('compute-a.occi'));
  });

  it('puts each line type in one header, in the order Category, Link, X-OCCI-Attribute', () => {
    const out = textOcci.render({ type: 'entity', entity: COMPUTE_A }, ctx);
    assert.deepEqual(out.headers.map(([n]) => n), ['Category', 'Link', 'X-OCCI-Attribute']);
    assert.equal(out.body, 'OK');
  });

  it('lists a collection in one X-OCCI-Location header of absolute URLs, body OK', () => {
    const out = textOcci.render({ type: 'collection', locations: COLLECTION_A }, ctx);
    assert.deepEqual(out.headers, [['X-OCCI-Location', COLLECTION_A.map((l) => BASE_URL + l).join(', ')]]);
    assert.equal(out.body, 'OK');
  });

  it('answers an empty collection and an empty result with no header and body OK', () => {
    assert.deepEqual(textOcci.render({ type: 'collection', locations: [] }, ctx), { headers: [], body: 'OK' });
    assert.deepEqual(textOcci.render({ type: 'empty' }, ctx), { headers: [], body: 'OK' });
  });

  it('renders categories as full lines in one Category header', () => {
    const out = textOcci.render({ type: 'categories', categories: [COMPUTE, STOP] }, ctx);
    assert.equal(out.headers.length, 1);
    assert.match(header(out, 'Category')!, /^compute; .*; actions="[^"]+", stop; scheme="[^"]+"; class="action"; title="Stop compute"; attributes="method"$/);
  });

  it('renders an error in X-OCCI-Error and in the body', () => {
    const out = textOcci.render({ type: 'error', status: 404, code: 'OCCI_ERR_NOT_FOUND', message: 'no entity\r\nSet-Cookie: x' }, ctx);
    assert.deepEqual(out, { headers: [['X-OCCI-Error', 'no entity  Set-Cookie: x']], body: 'no entity  Set-Cookie: x\r\n' });
  });

  it('keeps a title holding CR LF and a header out of the header values (injection)', () => {
    const entity = { ...COMPUTE_A, attributes: { ...COMPUTE_A.attributes, 'occi.core.title': 'x\r\nSet-Cookie: x' } };
    const attrs = header(textOcci.render({ type: 'entity', entity }, ctx), 'X-OCCI-Attribute')!;
    assert.ok(attrs.includes('occi.core.title="x  Set-Cookie: x"'));
    assert.doesNotMatch(attrs, /[\r\n]/);
  });

  it('sends non-ASCII text as its UTF-8 bytes (headers are ISO-8859-1) and reads it back', () => {
    const entity = { ...COMPUTE_A, attributes: { 'occi.core.title': 'Zürich – 東京' } };
    const out = textOcci.render({ type: 'entity', entity }, ctx);
    const attrs = header(out, 'X-OCCI-Attribute')!;
    assert.ok(attrs.includes(`occi.core.title="${Buffer.from('Zürich – 東京', 'utf8').toString('latin1')}"`));
    assert.ok(/^[\x00-\xff]*$/.test(attrs));
    const [input] = parser.parseEntities(asParseInput(out), model);
    assert.equal(input.attributes['occi.core.title'], 'Zürich – 東京');
  });

  it('keeps ISO-8859-1 header text that is not UTF-8 as it is', () => {
    const [input] = parser.parseEntities({ body: '', headers: { 'x-occi-attribute': 'occi.core.title="caf\xe9"' } }, model);
    assert.equal(input.attributes['occi.core.title'], 'café');
  });
});

describe('textOcci.parser', () => {
  it("reads pOCCI's comma-joined headers without spaces", () => {
    const [input] = parser.parseEntities({
      body: '',
      headers: {
        category: `compute;scheme="${INFRA}";class="kind",debian12;scheme="http://cloud.example.org/occi/os_tpl#";class="mixin"`,
        'x-occi-attribute': 'occi.core.title="x, y",occi.storage.size=0.1',
      },
    }, model);
    assert.deepEqual(input, {
      kind: COMPUTE.id, mixins: ['http://cloud.example.org/occi/os_tpl#debian12'],
      attributes: { 'occi.core.title': 'x, y', 'occi.storage.size': 0.1 }, links: [], actionLinks: 0,
    });
  });

  it('reads the golden headers back to the fixture', () => {
    const text = fixture('compute-a.occi');
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 2);
    }
    const [input] = parser.parseEntities({ body: 'OK', headers }, model);
    assert.deepEqual(input.attributes, { 'occi.core.id': COMPUTE_A.id, ...COMPUTE_A.attributes });
    assert.equal(input.links.length, 2);
    assert.equal(input.actionLinks, 4);
  });

  it('also reads OCCI lines a client put in the body', () => {
    const [input] = parser.parseEntities({ body: 'X-OCCI-Attribute: occi.core.title="b"\r\n', headers: { category: CAT } }, model);
    assert.equal(input.kind, COMPUTE.id);
    assert.equal(input.attributes['occi.core.title'], 'b');
  });

  it('ignores other request headers and a body of OK', () => {
    assert.equal(parser.parseAction({ body: 'OK', headers: { 'content-type': 'text/occi', location: '/x' } }, model), undefined);
  });

  it('reads an action invocation from headers', () => {
    assert.deepEqual(
      parser.parseAction({ body: '', headers: { category: `stop; scheme="${STOP.scheme}"; class="action"`, 'x-occi-attribute': 'method="graceful"' } }, model),
      { action: STOP.id, attributes: { method: 'graceful' } },
    );
  });

  it('reads X-OCCI-Location headers as locations', () => {
    assert.deepEqual(parser.parseLocations({ body: '', headers: { 'x-occi-location': 'http://h/compute/1, http://h/compute/2' } }, model), [
      'http://h/compute/1', 'http://h/compute/2',
    ]);
  });

  it('refuses a header value over 64 KiB', () => {
    assert.throws(() => parser.parseEntities({ body: '', headers: { 'x-occi-attribute': `a="${'x'.repeat(70_000)}"` } }, model), ParsingError);
  });
});

describe('parseHeaderFilter()', () => {
  it('reads Category and X-OCCI-Attribute headers whatever else the request holds', () => {
    assert.deepEqual(
      parseHeaderFilter({ category: `${CAT}; title="Compute Resource"`, 'x-occi-attribute': 'occi.compute.state="active"', link: '<x>', accept: 'application/json' }, model),
      { categories: [COMPUTE.id], attributes: { 'occi.compute.state': 'active' } },
    );
  });
  it('is empty without filter headers', () => assert.deepEqual(parseHeaderFilter({}, model), { categories: [], attributes: {} }));
  it('refuses a malformed filter with ParsingError', () => {
    assert.throws(() => parseHeaderFilter({ category: 'compute; class="kind"' }, model), ParsingError);
  });
});
