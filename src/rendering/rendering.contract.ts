/**
 * The contract every Rendering passes (STYLE §2): it renders what it says it
 * can without throwing and without breaking HTTP framing, its parser reads
 * its own output back to the same model input, and hostile input only ever
 * ends in a ParsingError. Each rendering's test calls
 * `describeRenderingContract(rendering)`.
 */
import assert from 'node:assert/strict';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import { BASE_URL, COLLECTION_A, COMPUTE_A, NIC_A, fixtureModel } from './compute-a.testing.js';
import { ParsingError, UnsupportedMediaTypeError } from '../errors.js';
import { FIELD_ATTRIBUTES, Mixin, isLink, type Attributes, type Entity, type EntityInput, type Link, type LinkInput, type Resource } from '../model/index.js';
import type { ParseInput, Parser, Renderable, Rendered, Rendering } from './rendering.js';

export interface RenderingContractOptions {
  /**
   * What a client sends back after receiving `rendered` (text/occi: headers
   * become request headers). Defaults to `asParseInput`.
   */
  toParseInput?: (rendered: Rendered) => ParseInput;
}

/** A response as the next request: header names lower-cased, repeated ones joined by `, ` (as Node hands them over). */
export function asParseInput(rendered: Rendered): ParseInput {
  const headers: Record<string, string> = {};
  for (const [name, value] of rendered.headers) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { body: rendered.body, headers };
}

export function describeRenderingContract(rendering: Rendering, opts: RenderingContractOptions = {}): void {
  const toParseInput = opts.toParseInput ?? asParseInput;
  const model = fixtureModel();
  const ctx = { model, baseUrl: BASE_URL };
  const render = (value: Renderable) => rendering.render(value, ctx);

  describe(`Rendering contract: ${rendering.mediaType}`, () => {
    it('names a media type and renders collections', () => {
      assert.match(rendering.mediaType, /^[a-z]+\/[a-z0-9.+-]+$/);
      for (const alias of rendering.aliases) assert.match(alias, /^[a-z]+\/[a-z0-9.+-]+$/);
      assert.ok(rendering.contentTypeParameters === '' || rendering.contentTypeParameters.startsWith(';'));
      assert.equal(rendering.canRender('collection'), true);
    });

    it('renders every value it can render, with valid HTTP headers', () => {
      const samples: Renderable[] = [
        { type: 'entity', entity: COMPUTE_A },
        { type: 'entity', entity: NIC_A },
        { type: 'collection', locations: COLLECTION_A, entities: [COMPUTE_A] },
        { type: 'collection', locations: [], entities: [] },
        { type: 'categories', categories: model.categories() },
        { type: 'empty' },
        { type: 'error', status: 404, code: 'OCCI_ERR_NOT_FOUND', message: 'no entity at /compute/x' },
      ];
      let rendered = 0;
      for (const value of samples) {
        if (!rendering.canRender(value.type)) continue;
        const out = render(value);
        assert.equal(typeof out.body, 'string');
        assertValidHeaders(out);
        rendered++;
      }
      assert.ok(rendered >= 2, 'renders at least collections and empty results');
    });

    it('never emits CR or LF inside a header or a line, whatever a value holds', () => {
      const evil = 'web\r\nSet-Cookie: session=1\nX-OCCI-Attribute: evil="1"';
      const link: Link = { ...NIC_A, attributes: { ...NIC_A.attributes, 'occi.core.title': evil } };
      const entity: Resource = { ...COMPUTE_A, attributes: { ...COMPUTE_A.attributes, 'occi.core.title': evil }, links: [link] };
      const outputs: Rendered[] = [];
      if (rendering.canRender('entity')) outputs.push(render({ type: 'entity', entity }));
      if (rendering.canRender('error')) outputs.push(render({ type: 'error', status: 400, code: 'OCCI_ERR_PARSE_SYNTAX', message: evil }));
      outputs.push(render({ type: 'collection', locations: ['/compute/a\r\nSet-Cookie: x'], entities: [] }));
      for (const out of outputs) {
        assertValidHeaders(out);
        for (const line of out.body.split(/\r\n|\r|\n/)) {
          assert.doesNotMatch(line, /^(Set-Cookie|X-OCCI-Attribute: evil)/i, `injected line in ${JSON.stringify(out.body)}`);
        }
      }
      const parser = rendering.parser;
      if (parser && rendering.canRender('entity')) {
        const [input] = parser.parseEntities(toParseInput(outputs[0]), model);
        assert.equal(input.attributes.evil, undefined);
      }
    });

    const parser = rendering.parser;
    if (!parser) return;

    if (rendering.canRender('entity')) {
      it('reads its own resource rendering back: parse → render → parse is a fixed point', () => {
        const first = parseOne(parser, toParseInput(render({ type: 'entity', entity: COMPUTE_A })));
        assertSameEntity(first, COMPUTE_A);
        assert.equal(first.links.length, COMPUTE_A.links.length);
        COMPUTE_A.links.forEach((link, i) => assertSameLink(first.links[i], link));
        const again = entityFromInput(first, COMPUTE_A);
        const second = parseOne(parser, toParseInput(render({ type: 'entity', entity: again })));
        assert.deepEqual(second, first);
      });

      it('reads its own link rendering back: parse → render → parse is a fixed point', () => {
        const first = parseOne(parser, toParseInput(render({ type: 'entity', entity: NIC_A })));
        assertSameEntity(first, NIC_A);
        assert.ok(sameUri(first.attributes['occi.core.source'], NIC_A.source));
        assert.ok(sameUri(first.attributes['occi.core.target'], NIC_A.target));
        const second = parseOne(parser, toParseInput(render({ type: 'entity', entity: entityFromInput(first, NIC_A) })));
        assert.deepEqual(second, first);
      });
    }

    if (rendering.collectionDetail === 'locations') {
      it('reads its own location listing back', () => {
        const out = render({ type: 'collection', locations: COLLECTION_A, entities: [] });
        const locations = parser.parseLocations(toParseInput(out), model);
        assert.deepEqual(locations, COLLECTION_A.map((l) => BASE_URL + l));
      });
    }

    if (rendering.canRender('categories')) {
      it('reads its own category rendering back (a user mixin definition)', () => {
        const tag = new Mixin({ scheme: 'http://example.org/tags#', term: 'prod', title: 'Production', location: '/tags/prod/', origin: 'user' });
        const [input, ...rest] = parser.parseCategories(toParseInput(render({ type: 'categories', categories: [tag] })), model);
        assert.equal(rest.length, 0);
        assert.equal(input.class, 'mixin');
        assert.equal(input.scheme, tag.scheme);
        assert.equal(input.term, tag.term);
        assert.equal(input.title, tag.title);
        assert.equal(input.location, tag.location);
      });
    }

    it('answers malformed input with ParsingError and nothing else', () => {
      let calls = 0;
      for (const text of malformedInputs()) {
        const inputs: ParseInput[] = [
          { body: text, headers: {} },
          { body: '', headers: { category: text, link: text, 'x-occi-attribute': text, 'x-occi-location': text } },
        ];
        for (const input of inputs) {
          for (const method of ['parseEntities', 'parseAction', 'parseCategories', 'parseLocations', 'parseFilter'] as const) {
            calls++;
            try {
              parser[method](input, model);
            } catch (err) {
              if (err instanceof ParsingError || err instanceof UnsupportedMediaTypeError) continue;
              assert.fail(`${method}(${JSON.stringify(text.slice(0, 80))}) threw ${String(err)}`);
            }
          }
        }
      }
      assert.ok(calls > 1000);
    });
  });
}

function assertValidHeaders(out: Rendered): void {
  for (const [name, value] of out.headers) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    assert.doesNotMatch(value, /[\r\n]/);
  }
}

function parseOne(parser: Parser, input: ParseInput): EntityInput {
  const inputs = parser.parseEntities(input, fixtureModel());
  assert.equal(inputs.length, 1);
  return inputs[0];
}

/** A location as a path or as this server's absolute URL. */
function sameUri(actual: unknown, path: string): boolean {
  return actual === path || actual === BASE_URL + path;
}

function assertSameEntity(input: EntityInput, entity: Entity): void {
  assert.equal(input.kind, entity.kind);
  assert.deepEqual(input.mixins, entity.mixins);
  assert.equal(input.attributes['occi.core.id'], entity.id);
  for (const [name, value] of Object.entries(entity.attributes)) assert.deepEqual(input.attributes[name], value, name);
}

function assertSameLink(input: LinkInput, link: Link): void {
  assert.ok(sameUri(input.target, link.target), `target ${String(input.target)}`);
  assert.equal(input.kind, link.kind);
  assert.deepEqual(input.mixins, link.mixins);
  for (const [name, value] of Object.entries(link.attributes)) assert.deepEqual(input.attributes[name], value, name);
}


function withoutFields(attributes: Attributes): Attributes {
  const out = { ...attributes };
  for (const f of FIELD_ATTRIBUTES) delete out[f];
  return out;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The entity a parsed input describes, placed where `template` lives: what a backend would store. */
function entityFromInput(input: EntityInput, template: Entity): Entity {
  const base: Entity = {
    id: text(input.attributes['occi.core.id']) ?? template.id,
    kind: input.kind ?? template.kind,
    mixins: input.mixins,
    attributes: withoutFields(input.attributes),
    location: template.location,
    version: String(Number(template.version) + 1),
  };
  if (isLink(template)) {
    const link: Link = {
      ...base,
      source: text(input.attributes['occi.core.source']) ?? template.source,
      target: text(input.attributes['occi.core.target']) ?? template.target,
    };
    const targetKind = text(input.attributes['occi.core.target.kind']);
    if (targetKind !== undefined) link.targetKind = targetKind;
    return link;
  }
  const resource: Resource = { ...base, links: input.links.map((l) => linkFromInput(l, template.location)) };
  return resource;
}

function linkFromInput(input: LinkInput, source: string): Link {
  const id = text(input.attributes['occi.core.id']) ?? input.self?.split('/').pop() ?? 'x';
  const link: Link = {
    id,
    kind: input.kind ?? 'http://schemas.ogf.org/occi/core#link',
    mixins: input.mixins,
    attributes: withoutFields(input.attributes),
    location: input.self ?? `/link/${id}`,
    version: '1',
    source,
    target: input.target ?? '/',
  };
  if (input.targetKind !== undefined) link.targetKind = input.targetKind;
  return link;
}

/** Hostile and broken request content: fixed cases, then a seeded fuzz of OCCI-ish fragments and raw bytes. */
function malformedInputs(): string[] {
  const fixed = [
    '', ' ', '\r\n', 'Category:', 'Category: ;', 'Category: ;;;', 'Category: "', 'Category: compute; scheme="http://x#',
    'Category: compute; scheme="x#"; class="kind"; class="kind"', 'Category: a b; scheme="x#"; class="kind"',
    'Link: <', 'Link: </a>; rel="', 'Link: </a', 'Link: <>; rel="x#y"', 'X-OCCI-Attribute: a="\\', 'X-OCCI-Attribute: =',
    'X-OCCI-Attribute: a=b=c', 'X-OCCI-Attribute: a=1e999999', 'X-OCCI-Attribute: a=' + '9'.repeat(400),
    'X-OCCI-Location: ', 'X-OCCI-Location: a b', ' continued', '\u0000', 'Category: a\u0000; scheme="x#"; class="kind"',
    ','.repeat(100_000), `X-OCCI-Attribute: ${','.repeat(100_000)}`, `X-OCCI-Attribute: ${'a=1,'.repeat(2_000)}`,
    '"'.repeat(1_001), '<'.repeat(1_000), '\\'.repeat(1_001), '\n'.repeat(20_000), 'X-OCCI-Location: /a\n'.repeat(20_000),
    '\uFEFFCategory: compute; scheme="x#"; class="kind"', '\ud800', 'Ï»¿', 'OK',
    '{', '[', 'null', '1', '"x"', '{"kind": ', '{"kind": 1}', '{"kind":"x","attributes":{"a":null}}', '['.repeat(100_000),
    '{"a":'.repeat(10_000), '{"__proto__": {"kind": "x"}}', '{"action": []}', '{"mixins": [{}]}', '{"resources": [1]}',
  ];
  const fragments = [
    'Category: ', 'Link: ', 'X-OCCI-Attribute: ', 'X-OCCI-Location: ', 'Location: ', 'compute', 'stop', ';', '; ',
    'scheme="http://schemas.ogf.org/occi/infrastructure#"', 'scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"',
    'class="kind"', 'class=mixin', 'class="action"', ',', '"', '\\', '<', '>', '</compute/1>', '?action=start',
    'rel="http://schemas.ogf.org/occi/infrastructure/compute/action#start"', 'occi.core.title=', 'occi.compute.cores=', '=',
    '1.5', '-2', 'true', '{', '}', '[', ']', ':', '\r\n', '\n', '\n\r', ' ', '\t', '\u0000', 'é', '\ud800',
    'attributes="a{immutable}"', 'attributes="a{', 'title=', 'category="http://x#y"', 'self="/a"', '{"kind":', '"attributes":',
    'null', '-', 'http://cloud.example.org:8787/compute/1', '#',
  ];
  const random = mulberry32(0x0cc1);
  const pick = (n: number) => Math.floor(random() * n);
  const fuzz: string[] = [];
  for (let i = 0; i < 300; i++) {
    let s = '';
    for (let j = pick(12) + 1; j > 0; j--) s += fragments[pick(fragments.length)];
    fuzz.push(s);
  }
  for (let i = 0; i < 60; i++) {
    const bytes = Buffer.alloc(pick(300), 0);
    for (let j = 0; j < bytes.length; j++) bytes[j] = pick(256);
    fuzz.push(bytes.toString(i % 2 === 0 ? 'latin1' : 'utf8'));
  }
  return [...fixed, ...fuzz];
}

/** A small seeded PRNG, so that a failing fuzz case fails again. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
