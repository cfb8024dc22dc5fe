import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsingError } from '../../errors.js';
import { COMPUTE, type Model } from '../../model/index.js';
import { fixtureModel } from '../compute-a.testing.js';
import type { ParseInput } from '../rendering.js';
import { MAX_DEPTH, MAX_ITEMS } from './_read.js';
import { parseAction, parseCategories, parseEntities, parseFilter, parseLocations } from './parse.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const NIC = `${INFRA}networkinterface`;
const STORAGELINK = `${INFRA}storagelink`;
const model: Model = fixtureModel();
const input = (body: string): ParseInput => ({ body, headers: { 'content-type': 'application/occi+json' } });
const json = (value: unknown) => input(JSON.stringify(value));

/** Asserts a ParsingError whose message contains `part`. */
function refuses(fn: () => unknown, part: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ParsingError, `expected ParsingError, got ${String(err)}`);
    assert.equal(err.code, 'OCCI_ERR_PARSE_SYNTAX');
    if (typeof part === 'string') assert.ok(err.message.includes(part), `"${err.message}" should contain "${part}"`);
    else assert.match(err.message, part);
    return true;
  });
}

describe('parseEntities()', () => {
  it('reads a resource: id, title and summary go into attributes', () => {
    const [e] = parseEntities(json({ kind: COMPUTE.id, id: 'x', title: 't', summary: 's', attributes: { 'occi.compute.cores': 2 } }), model);
    assert.deepEqual(e, {
      kind: COMPUTE.id, mixins: [], links: [], actionLinks: 0,
      attributes: { 'occi.compute.cores': 2, 'occi.core.id': 'x', 'occi.core.title': 't', 'occi.core.summary': 's' },
    });
  });

  it('lets the top-level member win over the attribute (§6)', () => {
    const [e] = parseEntities(json({ kind: COMPUTE.id, title: 'top', attributes: { 'occi.core.title': 'inner', 'occi.core.id': 'a' } }), model);
    assert.equal(e.attributes['occi.core.title'], 'top');
    assert.equal(e.attributes['occi.core.id'], 'a');
  });

  it('reads the creation request of §8 (inline link without id or source)', () => {
    const [e] = parseEntities(json({
      kind: COMPUTE.id,
      mixins: ['http://example.org/occi/os_tpl#debian9'],
      title: 'web-2',
      attributes: { 'occi.compute.cores': 1 },
      links: [{ kind: STORAGELINK, target: { location: '/storage/d1' }, attributes: { 'occi.storagelink.deviceid': '/dev/vdb' } }],
    }), model);
    assert.deepEqual(e.links, [{
      kind: STORAGELINK, mixins: [], target: '/storage/d1',
      attributes: { 'occi.storagelink.deviceid': '/dev/vdb', 'occi.core.target': '/storage/d1' },
    }]);
  });

  it('reads an inline link without kind, and one that names its target only in attributes (rOCCI-core 5)', () => {
    const [e] = parseEntities(json({
      kind: COMPUTE.id,
      links: [
        { target: { location: '/network/n', kind: `${INFRA}network` } },
        { kind: NIC, id: 'l2', attributes: { 'occi.core.target': '/network/m' } },
      ],
    }), model);
    assert.deepEqual(e.links[0], {
      mixins: [], target: '/network/n', targetKind: `${INFRA}network`,
      attributes: { 'occi.core.target': '/network/n', 'occi.core.target.kind': `${INFRA}network` },
    });
    assert.equal(e.links[1].target, '/network/m');
    assert.equal(e.links[1].self, '/networkinterface/l2');
  });

  it('gives no self for an inline link id that is not one path segment', () => {
    const [e] = parseEntities(json({ kind: COMPUTE.id, links: [{ kind: NIC, id: '../x', target: { location: '/network/n' } }] }), model);
    assert.equal(e.links[0].self, undefined);
  });

  it('counts echoed actions and ignores them', () => {
    const [e] = parseEntities(json({ kind: COMPUTE.id, actions: [`${INFRA.slice(0, -1)}/compute/action#start`, 'x#y'] }), model);
    assert.equal(e.actionLinks, 2);
  });

  it('reads a link by its source or target member', () => {
    const [e] = parseEntities(json({
      kind: 'http://example.org/unknown#link', id: 'l', title: 't', rel: `${INFRA}network`, actions: ['a#b'],
      source: { location: '/compute/c', kind: COMPUTE.id }, target: { location: '/network/n', kind: `${INFRA}network` },
    }), model);
    assert.deepEqual(e, {
      kind: 'http://example.org/unknown#link', mixins: [], links: [], actionLinks: 1, actions: ['a#b'],
      attributes: {
        'occi.core.id': 'l', 'occi.core.title': 't', 'occi.core.source': '/compute/c',
        'occi.core.target': '/network/n', 'occi.core.target.kind': `${INFRA}network`,
      },
    });
  });

  it('reads a link by its Kind when it names neither source nor target', () => {
    refuses(() => parseEntities(json({ kind: NIC, links: [] }), model), 'unknown member "links"');
    const [e] = parseEntities(json({ kind: NIC, attributes: { 'occi.core.source': '/compute/c', 'occi.core.target': '/network/n' } }), model);
    assert.equal(e.attributes['occi.core.source'], '/compute/c');
  });

  it('reads an entity collection, resources then links', () => {
    const parsed = parseEntities(json({
      links: [{ kind: NIC, source: { location: '/compute/a' }, target: { location: '/network/b' } }],
      resources: [{ kind: COMPUTE.id, id: 'a' }, { kind: `${INFRA}network`, id: 'b' }],
    }), model);
    assert.deepEqual(parsed.map((e) => e.kind), [COMPUTE.id, `${INFRA}network`, NIC]);
  });

  it('reads {}, {"resources": []} and a blank body as nothing', () => {
    for (const body of ['{}', '{"resources": []}', '{"resources": [], "links": []}', '', ' \r\n\t']) {
      assert.deepEqual(parseEntities(input(body), model), [], JSON.stringify(body));
    }
  });

  it('accepts a byte order mark', () => {
    assert.equal(parseEntities(input(`\ufeff${JSON.stringify({ kind: COMPUTE.id })}`), model).length, 1);
  });

  it('keeps list and hash values, and keys like __proto__ inside a hash as plain data', () => {
    const body = '{"kind": "k", "attributes": {"com.example.tags": ["a", 1, true], "com.example.h": {"__proto__": {"x": 1}, "constructor": 2}}}';
    const [e] = parseEntities(input(body), model);
    assert.deepEqual(e.attributes['com.example.tags'], ['a', 1, true]);
    const h = e.attributes['com.example.h'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(h), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(h), Object.prototype);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  const refusals: Array<[string, unknown, string | RegExp]> = [
    ['a body that is not an object', ['x'], 'the body must be a JSON object'],
    ['a resource without kind', { attributes: {} }, 'kind is required'],
    ['a kind that is not a string', { kind: 5 }, 'kind must be a string, got a number'],
    ['a mixin that is not a string', { kind: 'k', mixins: ['a', 2] }, 'mixins[1] must be a string'],
    ['mixins that are not an array', { kind: 'k', mixins: 'a' }, 'mixins must be an array'],
    ['attributes that are not an object', { kind: 'k', attributes: [] }, 'attributes must be an object'],
    ['an invalid attribute name', { kind: 'k', attributes: { 'bad name': 1 } }, 'attributes["bad name"]: "bad name" is not an attribute name'],
    ['an unknown member', { kind: 'k', colour: 'red' }, 'unknown member "colour"'],
    ['summary on a link', { kind: NIC, source: { location: '/a' }, target: { location: '/b' }, summary: 's' }, 'unknown member "summary"'],
    ['a target without location', { kind: NIC, target: { kind: 'k' } }, 'target.location is required'],
    ['a target that is a string', { kind: NIC, target: '/network/n' }, 'target must be an object'],
    ['an unknown member in a target', { kind: NIC, target: { location: '/n', rel: 'x' } }, 'target: unknown member "rel"'],
    ['an inline link that is not an object', { kind: 'k', links: ['/network/n'] }, 'links[0] must be an object'],
    ['an inline link with an unknown member', { kind: 'k', links: [{ target: { location: '/n' }, links: [] }] }, 'links[0]: unknown member "links"'],
    ['a mixin in a collection that is not a string', { resources: [{ kind: 'k', mixins: [1] }] }, 'resources[0].mixins[0] must be a string'],
    ['a link in a collection without kind', { links: [{ source: { location: '/a' }, target: { location: '/b' } }] }, 'links[0].kind is required'],
    ['a collection with another member', { resources: [], kinds: [] }, 'unknown member "resources"'],
    ['a null attribute', { kind: 'k', attributes: { 'occi.core.title': null } }, 'attributes["occi.core.title"] is null'],
    ['null in a list', { kind: 'k', attributes: { 'a.b': [1, null] } }, 'attributes["a.b"][1] is null'],
    ['a null member', { kind: 'k', title: null }, 'title is null'],
  ];
  for (const [name, body, message] of refusals) {
    it(`refuses ${name}`, () => refuses(() => parseEntities(json(body), model), message));
  }

  it('refuses a number JSON.parse makes infinite', () => {
    refuses(() => parseEntities(input('{"kind": "k", "attributes": {"a.b": 1e999}}'), model), 'attributes["a.b"] is not a finite number');
  });

  it('reports what JSON.parse said', () => {
    refuses(() => parseEntities(input('{"kind": '), model), /^the body is not valid JSON: /);
  });

  it(`accepts ${MAX_ITEMS} entities and refuses one more`, () => {
    const resources = Array.from({ length: MAX_ITEMS }, (_, i) => ({ kind: COMPUTE.id, id: `c${i}` }));
    assert.equal(parseEntities(json({ resources }), model).length, MAX_ITEMS);
    refuses(() => parseEntities(json({ resources: [...resources, { kind: COMPUTE.id }] }), model), `more than ${MAX_ITEMS}`);
  });

  it('counts inline links towards the limit', () => {
    const links = Array.from({ length: MAX_ITEMS }, () => ({ target: { location: '/network/n' } }));
    refuses(() => parseEntities(json({ kind: COMPUTE.id, links }), model), `links[${MAX_ITEMS - 1}]: more than ${MAX_ITEMS}`);
  });

  it(`accepts nesting of ${MAX_DEPTH} levels and refuses ${MAX_DEPTH + 1}`, () => {
    // The body, attributes and the value's own object make 3 levels.
    const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    assert.equal(parseEntities(input(`{"kind": "k", "attributes": {"a.b": ${nest(MAX_DEPTH - 2)}}}`), model).length, 1);
    refuses(() => parseEntities(input(`{"kind": "k", "attributes": {"a.b": ${nest(MAX_DEPTH - 1)}}}`), model), `deeper than ${MAX_DEPTH}`);
  });

  it('refuses deep nesting from the raw text, before JSON.parse reads it', () => {
    refuses(() => parseEntities(input('['.repeat(10_000)), model), `the body is nested deeper than ${MAX_DEPTH} levels (at character ${MAX_DEPTH})`);
  });

  it('reads only members the body has, not ones a polluted Object.prototype would lend', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.title = 'polluted';
    proto.links = [{ target: { location: '/x' } }];
    try {
      assert.deepEqual(parseEntities(input('{"kind": "k"}'), model), [{ kind: 'k', mixins: [], attributes: {}, links: [], actionLinks: 0 }]);
    } finally {
      delete proto.title;
      delete proto.links;
    }
  });

  it('does not count brackets inside strings as nesting', () => {
    const [e] = parseEntities(json({ kind: 'k', title: '['.repeat(1000) + '\\"{' }), model);
    assert.equal(e.attributes['occi.core.title'], '['.repeat(1000) + '\\"{');
  });
});

describe('parseAction()', () => {
  it('reads action and attributes (§3)', () => {
    assert.deepEqual(parseAction(json({ action: 'a#stop', attributes: { method: 'graceful' } }), model), { action: 'a#stop', attributes: { method: 'graceful' } });
    assert.deepEqual(parseAction(json({ action: 'a#start' }), model), { action: 'a#start', attributes: {} });
  });

  it('gives undefined for a blank body', () => {
    assert.equal(parseAction(input(''), model), undefined);
    assert.equal(parseAction(input('  \n'), model), undefined);
  });

  it('refuses a missing action, a wrong type and unknown members', () => {
    refuses(() => parseAction(json({ attributes: {} }), model), 'action is required');
    refuses(() => parseAction(json({ action: ['a#b'] }), model), 'action must be a string');
    refuses(() => parseAction(json({ action: 'a#b', attributes: 'x' }), model), 'attributes must be an object');
    refuses(() => parseAction(json({ action: 'a#b', kind: 'k' }), model), 'unknown member "kind"');
    refuses(() => parseAction(json('a#b'), model), 'the body must be a JSON object');
  });
});

describe('parseCategories()', () => {
  const mixin = {
    term: 'prod', scheme: 'http://example.org/tags#', title: 'Production', location: '/tags/prod/',
    depends: [`${INFRA}os_tpl`], applies: [COMPUTE.id],
    attributes: { 'x.y': { mutable: true, required: false, type: 'string', pattern: '\\S+' }, 'x.z': { pattern: { type: 'string' } } },
    actions: ['http://example.org/a#go'],
  };

  it('reads {"mixins": [...]} and a bare mixin alike', () => {
    const expected = [{
      class: 'mixin', scheme: 'http://example.org/tags#', term: 'prod', title: 'Production', location: '/tags/prod/',
      depends: [`${INFRA}os_tpl`], applies: [COMPUTE.id], attributes: ['x.y', 'x.z'], actions: ['http://example.org/a#go'],
      definitions: [{ name: 'x.y', mutable: true, required: false, type: 'string' }, { name: 'x.z', mutable: true, required: false }],
    }];
    assert.deepEqual(parseCategories(json({ mixins: [mixin] }), model), expected);
    assert.deepEqual(parseCategories(json(mixin), model), expected);
  });

  it('reads kinds and actions with their class, a kind\'s parent as depends', () => {
    const parsed = parseCategories(json({
      actions: [{ term: 'go', scheme: 'http://example.org/a#' }],
      kinds: [{ term: 'k', scheme: 'http://example.org/k#', parent: 'http://schemas.ogf.org/occi/core#resource', location: '/k/' }],
    }), model);
    assert.deepEqual(parsed.map((c) => [c.class, c.term, c.depends]), [
      ['kind', 'k', ['http://schemas.ogf.org/occi/core#resource']],
      ['action', 'go', []],
    ]);
  });

  it('gives [] for a blank body', () => {
    assert.deepEqual(parseCategories(input(''), model), []);
  });

  const refusals: Array<[string, unknown, string]> = [
    ['a mixin without scheme', { mixins: [{ term: 't', location: '/t/' }] }, 'mixins[0].scheme is required'],
    ['a bare mixin without term', { scheme: 's#' }, 'term is required'],
    ['a term that is not a string', { term: 1, scheme: 's#' }, 'term must be a string'],
    ['a type id split nowhere', { mixins: ['http://example.org/tags#prod'] }, 'mixins[0] must be an object'],
    ['depends that is not a list of strings', { term: 't', scheme: 's#', depends: 'x' }, 'depends must be an array'],
    ['a parent on a mixin', { term: 't', scheme: 's#', parent: 'x' }, 'unknown member "parent"'],
    ['a location on an action', { actions: [{ term: 't', scheme: 's#', location: '/t/' }] }, 'actions[0]: unknown member "location"'],
    ['an unknown collection key', { categories: [] }, 'unknown member "categories"'],
    ['a definition that is not an object', { term: 't', scheme: 's#', attributes: { 'a.b': 'string' } }, 'attributes["a.b"] must be an attribute definition object'],
    ['an unknown definition member', { term: 't', scheme: 's#', attributes: { 'a.b': { kind: 'x' } } }, 'attributes["a.b"]: unknown member "kind"'],
    ['a definition with a string mutable', { term: 't', scheme: 's#', attributes: { 'a.b': { mutable: 'yes' } } }, 'attributes["a.b"].mutable must be a boolean'],
    ['a pattern that is an array', { term: 't', scheme: 's#', attributes: { 'a.b': { pattern: [] } } }, 'attributes["a.b"].pattern must be an object or a string'],
  ];
  for (const [name, body, message] of refusals) {
    it(`refuses ${name}`, () => refuses(() => parseCategories(json(body), model), message));
  }
});

describe('parseLocations()', () => {
  it('reads an array of URLs and paths', () => {
    assert.deepEqual(parseLocations(json(['http://h/compute/a', '/compute/b']), model), ['http://h/compute/a', '/compute/b']);
    assert.deepEqual(parseLocations(json([]), model), []);
    assert.deepEqual(parseLocations(input(''), model), []);
  });

  it('reads an entity collection as Kind location + id (§8)', () => {
    const body = { resources: [{ kind: COMPUTE.id, id: 'a' }, { kind: COMPUTE.id, attributes: { 'occi.core.id': 'b' } }], links: [{ kind: NIC, id: 'l' }] };
    assert.deepEqual(parseLocations(json(body), model), ['/compute/a', '/compute/b', '/networkinterface/l']);
  });

  const refusals: Array<[string, unknown, string]> = [
    ['an item that is not a string', ['/compute/a', 3], '[1] must be a string'],
    ['an empty location', [''], '[0] must not be empty'],
    ['an unknown kind', { resources: [{ kind: 'http://example.org/x#y', id: 'a' }] }, 'resources[0].kind: unknown kind "http://example.org/x#y"'],
    ['a kind without location', { resources: [{ kind: 'http://schemas.ogf.org/occi/core#entity', id: 'a' }] }, 'has no location'],
    ['an entity without id', { resources: [{ kind: COMPUTE.id }] }, 'resources[0].id is required'],
    ['an id with a slash', { resources: [{ kind: COMPUTE.id, id: '../../-/' }] }, 'resources[0].id is not a valid entity id'],
    ['an entity without kind', { resources: [{ id: 'a' }] }, 'resources[0].kind is required'],
    ['a single resource', { kind: COMPUTE.id, id: 'a' }, 'unknown member "kind"'],
    ['a string', 'http://h/compute/a', 'the body must be an array of locations'],
  ];
  for (const [name, body, message] of refusals) {
    it(`refuses ${name}`, () => refuses(() => parseLocations(json(body), model), message));
  }

  it(`refuses more than ${MAX_ITEMS} locations`, () => {
    refuses(() => parseLocations(json(Array.from({ length: MAX_ITEMS + 1 }, (_, i) => `/compute/${i}`)), model), `more than ${MAX_ITEMS}`);
  });
});

describe('parseFilter()', () => {
  it('returns an empty filter whatever the body', () => {
    assert.deepEqual(parseFilter(json({ kind: 'k' }), model), { categories: [], attributes: {} });
    assert.deepEqual(parseFilter(input('not json'), model), { categories: [], attributes: {} });
  });
});

describe('hostile input: only ParsingError, whatever the bytes', () => {
  const deep = 10_000;
  const oneMegabyte = 'a'.repeat(1 << 20);
  const hostile: Array<[string, string]> = [
    ['truncated JSON', '{"kind": "http://schemas.ogf.org/occi/infrastructure#compute", "attributes": {"occi.core.'],
    ['null', 'null'],
    ['an empty array', '[]'],
    ['a number kind', '{"kind": 5}'],
    ['a bare number', '42'],
    ['a bare string', '"x"'],
    [`${deep}-deep arrays`, '['.repeat(deep) + ']'.repeat(deep)],
    [`${deep}-deep unclosed arrays`, '['.repeat(deep)],
    [`${deep}-deep objects`, '{"a":'.repeat(deep) + '1' + '}'.repeat(deep)],
    ['a 1 MB bare word', oneMegabyte],
    ['a 1 MB JSON string', JSON.stringify(oneMegabyte)],
    ['a 1 MB attribute name', `{"kind": "k", "attributes": {"${oneMegabyte} x": 1}}`],
    ['a __proto__ member', '{"__proto__": {"x": 1}}'],
    ['a __proto__ attribute', '{"kind": "k", "attributes": {"__proto__": {"x": 1}}}'],
    ['a null constructor attribute', '{"attributes": {"constructor": null}}'],
    ['a constructor member', '{"constructor": {"name": "x"}}'],
    ['a toString kind', '{"kind": {"toString": 1}}'],
    ['invalid UTF-8 decoded as a string', Buffer.from([0x7b, 0x22, 0x6b, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d]).toString('utf8')],
    ['a lone surrogate escape as a kind', '{"kind": "\\ud800", "mixins": {"length": 3}}'],
    ['NUL bytes', '\u0000{"kind": "k"}'],
    ['a number too large', '{"kind": "k", "attributes": {"a.b": -1e400}}'],
  ];
  const parsers = { parseEntities, parseAction, parseCategories, parseLocations } as const;

  for (const [name, body] of hostile) {
    it(`parseEntities() refuses ${name}`, () => {
      assert.throws(() => parseEntities(input(body), model), ParsingError);
    });
    it(`the other parsers answer ${name} with a value or a ParsingError`, () => {
      for (const [parserName, parse] of Object.entries(parsers)) {
        try {
          parse(input(body), model);
        } catch (err) {
          assert.ok(err instanceof ParsingError, `${parserName}: ${String(err)}`);
          assert.ok(err.message.length < 400, `${parserName}: message of ${err.message.length} characters`);
        }
      }
    });
  }

  it('did not pollute Object.prototype', () => {
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(typeof ({}).constructor, 'function');
  });
});
