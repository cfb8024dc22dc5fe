import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsingError } from '../errors.js';
import { COMPUTE, ENTITY, LINK, Mixin, OS_TPL, RESOURCE, STOP, attr, standardModel, type AttributeDefinition, type AttributeValue } from '../model/index.js';
import {
  MAX_ITEMS, MAX_LINES, MAX_VALUE_BYTES, absoluteUrl, angle, formatLines, formatValue, oneLine, parseAttribute,
  parseCategory, parseLink, parseValue, quote, readLines, splitOutside, splitParams, unquote, type CategoryLine,
} from './_grammar.js';
import { fullCategory, shortCategory, textParser } from './_text-entity.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const isParsingError = (err: unknown) => err instanceof ParsingError;

describe('splitOutside()', () => {
  const cases: Array<[string, ',' | ';', string[]]> = [
    ['a, b,c', ',', ['a', 'b', 'c']],
    ['a="x, y", b=2', ',', ['a="x, y"', 'b=2']],
    ['a="x\\", y", b', ',', ['a="x\\", y"', 'b']],
    ['</a,b>; rel="x", </c>', ',', ['</a,b>; rel="x"', '</c>']],
    ['a,, b, ', ',', ['a', 'b']],
    ['', ',', []],
    ['c; scheme="x;y"; class=kind', ';', ['c', 'scheme="x;y"', 'class=kind']],
    ['c;scheme="x";', ';', ['c', 'scheme="x"', '']],
  ];
  for (const [input, sep, expected] of cases) {
    it(`splits ${JSON.stringify(input)} at "${sep}" outside quotes`, () => assert.deepEqual(splitOutside(input, sep), expected));
  }
  for (const input of ['a="x', 'a, "b', '<a, b']) {
    it(`rejects the unbalanced ${JSON.stringify(input)}`, () => assert.throws(() => splitOutside(input, ','), isParsingError));
  }
});

describe('splitParams()', () => {
  it('tolerates one trailing ";" (rOCCI, spec examples)', () => assert.deepEqual(splitParams('a; b=1;'), ['a', 'b=1']));
  it('rejects an empty parameter in the middle', () => assert.throws(() => splitParams('a;; b=1'), isParsingError));
});

describe('quote() and unquote()', () => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['a, b; c=d', '"a, b; c=d"'],
    ['', '""'],
    ['café', '"café"'],
  ];
  for (const [text, quoted] of cases) {
    it(`quotes ${JSON.stringify(text)} as ${quoted}`, () => assert.equal(quote(text), quoted));
    it(`unquotes ${quoted} back`, () => assert.deepEqual(unquote(quoted), { quoted: true, text }));
  }
  it('unquote() removes any backslash escape', () => assert.equal(unquote('"\\a\\b"').text, 'ab'));
  it('unquote() leaves a bare token as it is', () => assert.deepEqual(unquote('kind'), { quoted: false, text: 'kind' }));
  it('unquote() rejects text after the closing quote', () => assert.throws(() => unquote('"a"b'), isParsingError));
  it('unquote() rejects an escaped closing quote', () => assert.throws(() => unquote('"a\\"'), isParsingError));
  it('oneLine() turns CR, LF and other controls into spaces', () => assert.equal(oneLine('a\r\nb\u0000c\td'), 'a  b c\td'));
  it('angle() percent-encodes what would end a <uri>', () => assert.equal(angle('/a b>c'), '</a%20b%3Ec>'));
  it('absoluteUrl() prefixes paths only', () => {
    assert.equal(absoluteUrl('/compute/1', 'http://h:1'), 'http://h:1/compute/1');
    assert.equal(absoluteUrl('urn:x', 'http://h:1'), 'urn:x');
  });
});

describe('formatValue()', () => {
  const def = (type: AttributeDefinition['type']) => attr('x', type);
  const cases: Array<[AttributeValue, AttributeDefinition | undefined, string]> = [
    ['active', def('enum'), '"active"'],
    ['a "b" \\c', def('string'), '"a \\"b\\" \\\\c"'],
    [2, def('integer'), '2'],
    [-3, def('integer'), '-3'],
    [4, def('number'), '4.0'],
    [0.1, def('number'), '0.1'],
    [1e21, def('number'), '1000000000000000000000.0'],
    [1.5e-7, def('number'), '0.00000015'],
    [true, def('boolean'), 'true'],
    [false, def('boolean'), 'false'],
    [['a', 1], def('list'), '"[\\"a\\",1]"'],
    [{ k: 'v' }, def('hash'), '"{\\"k\\":\\"v\\"}"'],
    [5, def('string'), '"5"'],
    [2, undefined, '2'],
    [2.5, undefined, '2.5'],
    ['x', undefined, '"x"'],
    [true, undefined, 'true'],
    [Number.NaN, def('number'), '"NaN"'],
  ];
  for (const [value, d, expected] of cases) {
    it(`renders ${JSON.stringify(value)} as ${d?.type ?? 'untyped'} as ${expected}`, () => assert.equal(formatValue(value, d), expected));
  }
});

describe('parseValue()', () => {
  const cases: Array<[string, AttributeValue]> = [
    ['"active"', 'active'],
    ['"2"', '2'],
    ['"a \\"b\\""', 'a "b"'],
    ['""', ''],
    ['2', 2],
    ['+2', 2],
    ['-2', -2],
    ['2.0', 2],
    ['0.1', 0.1],
    ['.5', 0.5],
    ['true', true],
    ['false', false],
    ['x86', 'x86'],
    ['/dev/vdb', '/dev/vdb'],
    ['1.2.3', '1.2.3'],
  ];
  for (const [raw, expected] of cases) it(`types ${raw} as ${JSON.stringify(expected)}`, () => assert.deepEqual(parseValue(raw), expected));
  for (const raw of ['', 'a b', '"open', '[1]', '{}', 'x,y', '9'.repeat(400)]) {
    it(`rejects ${JSON.stringify(raw.slice(0, 20))}`, () => assert.throws(() => parseValue(raw), isParsingError));
  }
});

describe('parseAttribute()', () => {
  it('reads name=value with spaces around "="', () => assert.deepEqual(parseAttribute('occi.compute.cores = 2'), ['occi.compute.cores', 2]));
  it('accepts 1.2 names (capitals, digit first)', () => assert.deepEqual(parseAttribute('Com.Example.9x="a"'), ['Com.Example.9x', 'a']));
  for (const item of ['novalue', '=1', '.a=1', 'a b=1', '"a"=1']) {
    it(`rejects ${item}`, () => assert.throws(() => parseAttribute(item), isParsingError));
  }
});

describe('parseCategory()', () => {
  const compute: CategoryLine = { term: 'compute', scheme: INFRA, class: 'kind', rel: [], attributes: [], actions: [] };
  const cases: Array<[string, string, CategoryLine]> = [
    ['the short form', `compute; scheme="${INFRA}"; class="kind"`, compute],
    ["rOCCI's trailing ';' and no spaces", `compute;scheme="${INFRA}";class="kind";`, compute],
    ['an unquoted class', `compute; scheme="${INFRA}"; class=kind`, compute],
    ['any parameter order and loose whitespace', `compute ;class = "kind" ;  scheme= "${INFRA}"`, compute],
    ['a 1.1 term (lower case, underscore)', `resource_tpl; scheme="${INFRA}"; class="mixin"`, { ...compute, term: 'resource_tpl', class: 'mixin' }],
    ['1.2 term with capitals, digits and dots', `Big.VM-2; scheme="${INFRA}"; class="mixin"`, { ...compute, term: 'Big.VM-2', class: 'mixin' }],
    ['a term starting with a digit (1.2)', `2xlarge; scheme="${INFRA}"; class="mixin"`, { ...compute, term: '2xlarge', class: 'mixin' }],
    [
      'the full discovery form',
      `stop; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"; title="Stop; now, \\"please\\""; attributes="method"`,
      { term: 'stop', scheme: 'http://schemas.ogf.org/occi/infrastructure/compute/action#', class: 'action', title: 'Stop; now, "please"', rel: [], attributes: ['method'],
        definitions: [{ name: 'method', mutable: true, required: false }], actions: [] },
    ],
    [
      'rel, location, marked attributes and actions',
      `c; scheme="http://x#"; class="kind"; rel="http://a#b  http://a#c"; location="/c/"; attributes="a.b{immutable required}  c{required} d"; actions="http://x/action#go"`,
      {
        term: 'c', scheme: 'http://x#', class: 'kind', rel: ['http://a#b', 'http://a#c'], location: '/c/', attributes: ['a.b', 'c', 'd'],
        definitions: [{ name: 'a.b', mutable: false, required: true }, { name: 'c', mutable: true, required: true }, { name: 'd', mutable: true, required: false }],
        actions: ['http://x/action#go'],
      },
    ],
  ];
  for (const [what, input, expected] of cases) it(`reads ${what}`, () => assert.deepEqual(parseCategory(input), expected));

  const bad: Array<[string, string]> = [
    ['a term with a space', `com pute; scheme="${INFRA}"; class="kind"`],
    ['a term starting with "_"', `_x; scheme="${INFRA}"; class="kind"`],
    ['a missing scheme', 'compute; class="kind"'],
    ['a missing class', `compute; scheme="${INFRA}"`],
    ['an unknown class', `compute; scheme="${INFRA}"; class="thing"`],
    ['an unknown parameter', `compute; scheme="${INFRA}"; class="kind"; colour="red"`],
    ['a repeated parameter', `compute; scheme="${INFRA}"; scheme="${INFRA}"; class="kind"`],
    ['an unquoted scheme', `compute; scheme=http://x#; class="kind"`],
    ['an unknown attribute property', `c; scheme="x#"; class="kind"; attributes="a{secret}"`],
    ['an unclosed attribute property', `c; scheme="x#"; class="kind"; attributes="a{required"`],
    ['a space before an attribute property', `c; scheme="x#"; class="kind"; attributes="a {required}"`],
  ];
  for (const [what, input] of bad) it(`rejects ${what}`, () => assert.throws(() => parseCategory(input), isParsingError));
});

describe('parseLink()', () => {
  it('reads a resource link with attributes (rOCCI, no spaces)', () => {
    assert.deepEqual(
      parseLink('</storage/5401>;rel="http://schemas.ogf.org/occi/infrastructure#storage";self="/link/storagelink/d0";category="http://schemas.ogf.org/occi/infrastructure#storagelink";occi.storagelink.deviceid="/dev/vda";occi.core.title="a;b"'),
      {
        uri: '/storage/5401', rel: [`${INFRA}storage`], self: '/link/storagelink/d0', category: [`${INFRA}storagelink`],
        attributes: { 'occi.storagelink.deviceid': '/dev/vda', 'occi.core.title': 'a;b' },
      },
    );
  });
  it('reads an action link', () => {
    assert.deepEqual(parseLink(`</compute/1?action=stop>; rel="${STOP.id}"`), { uri: '/compute/1?action=stop', rel: [STOP.id], category: [], attributes: {} });
  });
  for (const [what, input] of [
    ['no <uri>', 'rel="x#y"'],
    ['no rel', '</a>'],
    ['attributes without category', '</a>; rel="x#y"; a=1'],
    ['a repeated attribute', '</a>; rel="x#y"; category="x#l"; a=1; a=2'],
  ]) {
    it(`rejects ${what}`, () => assert.throws(() => parseLink(input), isParsingError));
  }
});

describe('readLines()', () => {
  const cat = `compute; scheme="${INFRA}"; class="kind"`;
  const cases: Array<[string, string, Array<[string, string]>]> = [
    ['CRLF', `Category: ${cat}\r\nX-OCCI-Attribute: a=1\r\n`, [['Category', cat], ['X-OCCI-Attribute', 'a=1']]],
    ['bare LF', `Category: ${cat}\nX-OCCI-Attribute: a=1`, [['Category', cat], ['X-OCCI-Attribute', 'a=1']]],
    ["pOCCI's \\n\\r", `Category: ${cat}\n\rX-OCCI-Attribute: a=1\n\r`, [['Category', cat], ['X-OCCI-Attribute', 'a=1']]],
    ['blank lines', `\r\n\r\nX-OCCI-Attribute: a=1\r\n\r\n`, [['X-OCCI-Attribute', 'a=1']]],
    ['continuation lines', `Category: compute;\r\n  scheme="${INFRA}";\r\n\tclass="kind"`, [['Category', `compute; scheme="${INFRA}"; class="kind"`]]],
    ['names in any case', 'category: a\r\nLINK: </x>\r\nx-occi-attribute: a=1\r\nX-Occi-Location: /x', [['Category', 'a'], ['Link', '</x>'], ['X-OCCI-Attribute', 'a=1'], ['X-OCCI-Location', '/x']]],
    ['Location as a synonym of X-OCCI-Location', 'Location: http://h/x', [['X-OCCI-Location', 'http://h/x']]],
    ['an empty value', 'Category:', [['Category', '']]],
  ];
  for (const [what, body, expected] of cases) {
    it(`reads ${what}`, () => assert.deepEqual(readLines(body).map((l) => [l.name, l.value]), expected));
  }
  const bad: Array<[string, string]> = [
    ['an unknown line name', 'Content-Type: text/plain'],
    ['a line without a colon', 'OK'],
    ['a first line that is a continuation', ' Category: a'],
    ['a NUL byte', 'Category: a\u0000'],
    ['a CR inside a line', 'Category: a\rb'],
    ['more lines than the limit', 'X-OCCI-Location: /a\n'.repeat(MAX_LINES + 1)],
    ['a value over 64 KiB', `X-OCCI-Attribute: a="${'x'.repeat(MAX_VALUE_BYTES)}"`],
  ];
  for (const [what, body] of bad) it(`rejects ${what}`, () => assert.throws(() => readLines(body), isParsingError));
});

describe('formatLines()', () => {
  it('writes Name: value CRLF per line and never a raw CR or LF in a value', () => {
    assert.equal(formatLines([{ name: 'X-OCCI-Attribute', value: 'a="x\r\nSet-Cookie: y"' }]), 'X-OCCI-Attribute: a="x  Set-Cookie: y"\r\n');
  });
});

describe('shortCategory() and fullCategory()', () => {
  it('shortCategory() quotes the class too', () => assert.equal(shortCategory(COMPUTE), `compute; scheme="${INFRA}"; class="kind"`));
  const model = standardModel();
  const cases: Array<[string, string]> = [
    [ENTITY.id, 'entity; scheme="http://schemas.ogf.org/occi/core#"; class="kind"; title="Entity"; attributes="occi.core.id{immutable required} occi.core.title"'],
    [RESOURCE.id, 'resource; scheme="http://schemas.ogf.org/occi/core#"; class="kind"; title="Resource"; rel="http://schemas.ogf.org/occi/core#entity"; location="/resource/"; attributes="occi.core.id{immutable required} occi.core.title occi.core.summary"'],
    [LINK.id, 'link; scheme="http://schemas.ogf.org/occi/core#"; class="kind"; title="Link"; rel="http://schemas.ogf.org/occi/core#entity"; location="/link/"; attributes="occi.core.id{immutable required} occi.core.title occi.core.source{required} occi.core.target{required} occi.core.target.kind occi.core.source.kind{immutable}"'],
    [STOP.id, 'stop; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"; title="Stop compute"; attributes="method"'],
    [OS_TPL.id, `os_tpl; scheme="${INFRA}"; class="mixin"; title="OS template"; location="/mixin/os_tpl/"`],
  ];
  for (const [id, expected] of cases) it(`fullCategory() renders ${id} in ABNF order`, () => assert.equal(fullCategory(model.findCategory(id)!), expected));
  it('fullCategory() gives a Kind its actions and a Mixin only its first depends as rel', () => {
    const a = new Mixin({ scheme: 'http://x#', term: 'a', location: '/a/' });
    const b = new Mixin({ scheme: 'http://x#', term: 'b', location: '/b/' });
    const c = new Mixin({ scheme: 'http://x#', term: 'c', location: '/c/', depends: [a, b], applies: [COMPUTE], actions: [STOP] });
    assert.equal(fullCategory(c), `c; scheme="http://x#"; class="mixin"; rel="http://x#a"; location="/c/"; actions="${STOP.id}"`);
    assert.match(fullCategory(COMPUTE), new RegExp(`; actions="${COMPUTE.actions.map((x) => x.id).join(' ')}"$`));
  });
  it('a full category line parses back to what it says', () => {
    const c = parseCategory(fullCategory(COMPUTE));
    assert.equal(c.rel[0], RESOURCE.id);
    assert.equal(c.location, '/compute/');
    assert.deepEqual(c.attributes, [...COMPUTE.allAttributes.keys()]);
    assert.deepEqual(c.actions, COMPUTE.actions.map((x) => x.id));
  });
});

describe('textParser() on lines', () => {
  const parser = textParser(({ body }) => readLines(body));
  const model = standardModel();
  const parse = (body: string) => parser.parseEntities({ body, headers: {} }, model)[0];
  const cat = `compute; scheme="${INFRA}"; class="kind"`;

  it('splits one Category value holding a kind and a mixin at the comma (pOCCI joins without spaces)', () => {
    const input = parse(`Category: ${cat},debian; scheme="http://x/os#"; class="mixin"`);
    assert.equal(input.kind, COMPUTE.id);
    assert.deepEqual(input.mixins, ['http://x/os#debian']);
  });
  it('reads comma lists and separate lines of attributes alike', () => {
    assert.deepEqual(parse('X-OCCI-Attribute: a=1,b="x, y"\nX-OCCI-Attribute: c=true').attributes, { a: 1, b: 'x, y', c: true });
  });
  it('refuses more than one kind', () => assert.throws(() => parse(`Category: ${cat}\nCategory: ${cat}`), /more than one kind/));
  it('refuses an action category in an entity', () => assert.throws(() => parse(`Category: stop; scheme="${STOP.scheme}"; class="action"`), isParsingError));
  it('refuses an attribute given twice', () => assert.throws(() => parse('X-OCCI-Attribute: a=1\nX-OCCI-Attribute: a=1'), /twice/));
  it(`refuses more than ${MAX_ITEMS} attributes`, () => {
    const body = Array.from({ length: MAX_ITEMS + 1 }, (_, i) => `X-OCCI-Attribute: a${i}=1`).join('\n');
    assert.throws(() => parse(body), isParsingError);
  });
  it('counts action links (by ?action= or by a known action rel) and keeps other links', () => {
    const input = parse(`Category: ${cat}\nLink: </compute/1?action=stop>; rel="${STOP.id}"\nLink: </x>; rel="${STOP.id}"\nLink: </storage/1>; rel="${INFRA}storage"`);
    assert.equal(input.actionLinks, 2);
    assert.deepEqual(input.links, [{ mixins: [], attributes: {}, target: '/storage/1', targetKind: `${INFRA}storage` }]);
  });
  it('parseAction() is undefined for empty content and reads an action with parameters', () => {
    assert.equal(parser.parseAction({ body: '\r\n', headers: {} }, model), undefined);
    assert.deepEqual(parser.parseAction({ body: `Category: stop; scheme="${STOP.scheme}"; class="action"\nX-OCCI-Attribute: method="graceful"`, headers: {} }, model), {
      action: STOP.id, attributes: { method: 'graceful' },
    });
  });
  it('parseAction() refuses a kind, two categories or parameters without a category', () => {
    for (const body of [`Category: ${cat}`, `Category: stop; scheme="${STOP.scheme}"; class="action", stop; scheme="${STOP.scheme}"; class="action"`, 'X-OCCI-Attribute: method="x"']) {
      assert.throws(() => parser.parseAction({ body, headers: {} }, model), isParsingError, body);
    }
  });
  it('parseCategories() reads a user mixin definition (pOCCI CORE/CREATE/006)', () => {
    const body = 'Category: stufik; scheme="http://example.com/occi/my_stuff#"; class="mixin"; location="/mixin/resource_tpl/extra_large/"; rel="http://schemas.ogf.org/occi/infrastructure#resource_tpl"';
    assert.deepEqual(parser.parseCategories({ body, headers: {} }, model), [{
      class: 'mixin', scheme: 'http://example.com/occi/my_stuff#', term: 'stufik', location: '/mixin/resource_tpl/extra_large/',
      depends: [`${INFRA}resource_tpl`], applies: [], attributes: [], actions: [],
    }]);
  });
  it('parseLocations() reads X-OCCI-Location and Location lines, comma lists too', () => {
    assert.deepEqual(parser.parseLocations({ body: 'X-OCCI-Location: http://h/a, /b\nLocation: /c', headers: {} }, model), ['http://h/a', '/b', '/c']);
  });
  it('parseFilter() reads categories and attributes', () => {
    assert.deepEqual(parser.parseFilter({ body: `Category: ${cat}\nX-OCCI-Attribute: occi.compute.state="active"`, headers: {} }, model), {
      categories: [COMPUTE.id], attributes: { 'occi.compute.state': 'active' },
    });
  });
  it('refuses lines a rendering does not carry', () => {
    assert.throws(() => parse('X-OCCI-Location: /a'), isParsingError);
    assert.throws(() => parser.parseLocations({ body: `Category: ${cat}`, headers: {} }, model), isParsingError);
    assert.throws(() => parser.parseCategories({ body: 'X-OCCI-Attribute: a=1', headers: {} }, model), isParsingError);
  });
});

describe('readLines() under hostile sizes (issue 13 §6)', () => {
  /** The fastest of three runs of `fn`, in milliseconds. */
  const fastest = (fn: () => unknown) => Math.min(...[0, 1, 2].map(() => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  }));
  const continued = (n: number) => `X-OCCI-Attribute: occi.core.title="a${'\r\n bbbbb'.repeat(n)}"\r\n`;

  it('joins a value continued over n lines in time linear in n, not quadratic', () => {
    assert.equal(readLines(continued(2))[0].value, 'occi.core.title="a bbbbb bbbbb"');
    fastest(() => readLines(continued(1_000)));
    const small = fastest(() => readLines(continued(1_125)));
    const large = fastest(() => readLines(continued(9_000)));
    assert.equal(readLines(continued(9_000))[0].value.length, 'occi.core.title="a"'.length + 6 * 9_000);
    // 8 times the lines: ~8 times the time when parts are joined once, ~64 when the value is re-checked at every line.
    assert.ok(large / small < 24, `1,125 lines ${small.toFixed(2)} ms, 9,000 lines ${large.toFixed(2)} ms (${(large / small).toFixed(1)}x)`);
  });

  it('refuses a continued value past the value limit as soon as it gets there, and reads 10,000 lines with a final line end', () => {
    const long = `X-OCCI-Attribute: occi.core.title="a${`\r\n ${'b'.repeat(39)}`.repeat(2_000)}"`;
    assert.throws(() => readLines(long), (err: ParsingError) => err.code === 'OCCI_ERR_PARSE_BODY_TOO_LARGE' && /longer than 65536 bytes/.test(err.message));
    const body = Array.from({ length: MAX_LINES }, (_, i) => `X-OCCI-Location: /compute/${i}`).join('\r\n') + '\r\n';
    assert.equal(readLines(body).length, MAX_LINES);
  });
});
