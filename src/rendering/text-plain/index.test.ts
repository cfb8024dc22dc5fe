import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BASE_URL, COLLECTION_A, COMPUTE_A, fixtureModel } from '../compute-a.testing.js';
import { ParsingError } from '../../errors.js';
import { COMPUTE, SUSPEND } from '../../model/index.js';
import { describeRenderingContract } from '../rendering.contract.js';
import { textPlain } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8');
const model = fixtureModel();
const ctx = { model, baseUrl: BASE_URL };
const parser = textPlain.parser!;
const parse = (body: string) => parser.parseEntities({ body, headers: {} }, model);
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

describeRenderingContract(textPlain);

describe('textPlain', () => {
  it('is text/plain, alias text/occi+plain, sent with charset=utf-8, listing locations', () => {
    assert.equal(textPlain.mediaType, 'text/plain');
    assert.deepEqual(textPlain.aliases, ['text/occi+plain']);
    assert.equal(textPlain.contentTypeParameters, '; charset=utf-8');
    assert.equal(textPlain.collectionDetail, 'locations');
    for (const type of ['entity', 'collection', 'categories', 'empty', 'error'] as const) assert.equal(textPlain.canRender(type), true);
  });

  it('renders COMPUTE_A byte for byte as test/fixtures/compute-a.txt', () => {
    const out = textPlain.render({ type: 'entity', entity: COMPUTE_A }, ctx);
    assert.deepEqual(out.headers, []);
    assert.equal(out.body, fixture('compute-a.txt'));
  });

  it('renders COLLECTION_A byte for byte as test/fixtures/compute-a-list.txt (absolute URLs)', () => {
    assert.equal(textPlain.render({ type: 'collection', locations: COLLECTION_A }, ctx).body, fixture('compute-a-list.txt'));
  });

  it('renders an empty collection and an empty result as an empty body', () => {
    assert.equal(textPlain.render({ type: 'collection', locations: [] }, ctx).body, '');
    assert.equal(textPlain.render({ type: 'empty' }, ctx).body, '');
  });

  it('renders the query interface as one full Category line per category, CRLF each', () => {
    const body = textPlain.render({ type: 'categories', categories: model.categories() }, ctx).body;
    const lines = body.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, model.categories().length);
    assert.ok(lines.every((l) => l.startsWith('Category: ')));
    assert.ok(lines.includes(`Category: compute; scheme="${INFRA}"; class="kind"; title="Compute Resource"; rel="http://schemas.ogf.org/occi/core#resource"; location="/compute/"; attributes="occi.core.id{immutable required} occi.core.title occi.core.summary occi.compute.architecture occi.compute.cores occi.compute.hostname occi.compute.share occi.compute.memory occi.compute.speed occi.compute.state{immutable required} occi.compute.state.message{immutable}"; actions="${COMPUTE.actions.map((a) => a.id).join(' ')}"`));
  });

  it('renders an error as its message on one line, never as an OCCI line', () => {
    const render = (message: string) => textPlain.render({ type: 'error', status: 400, code: 'OCCI_ERR_PARSE_SYNTAX', message }, ctx).body;
    assert.equal(render('no kind /compute/x'), 'no kind /compute/x\r\n');
    assert.equal(render('two\r\nlines'), 'two  lines\r\n');
    assert.equal(render('Category: x is unknown'), 'error: Category: x is unknown\r\n');
  });

  it('keeps a title holding CR LF and a header out of the lines (injection)', () => {
    const entity = { ...COMPUTE_A, attributes: { ...COMPUTE_A.attributes, 'occi.core.title': 'x\r\nSet-Cookie: x' } };
    const body = textPlain.render({ type: 'entity', entity }, ctx).body;
    assert.ok(body.includes('X-OCCI-Attribute: occi.core.title="x  Set-Cookie: x"\r\n'));
    assert.ok(!body.split('\r\n').some((l) => l.startsWith('Set-Cookie')));
  });

  it('renders non-ASCII text as UTF-8 in the body', () => {
    const entity = { ...COMPUTE_A, attributes: { 'occi.core.title': 'Zürich – 東京' } };
    assert.ok(textPlain.render({ type: 'entity', entity }, ctx).body.includes('occi.core.title="Zürich – 東京"'));
  });
});

describe('textPlain.parser', () => {
  it('reads the golden rendering back to the fixture', () => {
    const [input] = parse(fixture('compute-a.txt'));
    assert.equal(input.kind, COMPUTE_A.kind);
    assert.deepEqual(input.mixins, COMPUTE_A.mixins);
    assert.deepEqual(input.attributes, { 'occi.core.id': COMPUTE_A.id, ...COMPUTE_A.attributes });
    assert.equal(input.actionLinks, 4);
    assert.deepEqual(input.links[1], {
      kind: `${INFRA}storagelink`, mixins: [], target: COMPUTE_A.links[1].target, targetKind: `${INFRA}storage`, self: COMPUTE_A.links[1].location,
      attributes: {
        'occi.core.id': COMPUTE_A.links[1].id, 'occi.core.title': 'data disk', 'occi.core.source': COMPUTE_A.location,
        'occi.core.target': COMPUTE_A.links[1].target, 'occi.storagelink.deviceid': '/dev/vdb', 'occi.storagelink.state': 'active',
      },
    });
  });

  it("reads rOCCI-core's instance.txt (trailing ';', no spaces, links with attributes)", () => {
    const [input] = parse(fixture('rocci-core.instance.txt'));
    assert.equal(input.kind, COMPUTE.id);
    assert.deepEqual(input.mixins, []);
    assert.deepEqual(input.attributes, {
      'occi.core.id': '89878', 'occi.core.title': 'my_compute',
      'occi.core.summary': 'Instantiated with rOCCI-server on Tue, 18 Apr 2017 16:55:12 +0200.',
      'occi.compute.cores': 1, 'occi.compute.memory': 1, 'occi.compute.state': 'active',
    });
    assert.equal(input.actionLinks, 3);
    assert.equal(input.links.length, 2);
    assert.deepEqual(input.links[1], {
      kind: `${INFRA}networkinterface`, mixins: ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
      target: '/network/24', targetKind: `${INFRA}network`, self: '/link/networkinterface/compute_89878_nic_0',
      attributes: {
        'occi.core.id': 'compute_89878_nic_0', 'occi.core.title': 'public', 'occi.core.target': '/network/24', 'occi.core.source': '/compute/89878',
        'occi.networkinterface.interface': 'eth0', 'occi.networkinterface.mac': '02:00:93:e4:f2:a3', 'occi.networkinterface.state': 'active',
        'occi.networkinterface.address': '172.16.0.1',
      },
    });
  });

  it("reads rOCCI-core's action_instance.txt", () => {
    assert.deepEqual(parser.parseAction({ body: fixture('rocci-core.action_instance.txt'), headers: {} }, model), {
      action: SUSPEND.id, attributes: { method: 'suspend' },
    });
  });

  it("reads pOCCI's action invocation: the action's full discovery line", () => {
    const body = `Category: suspend; scheme="${SUSPEND.scheme}"; class="action"; title="Suspend compute"; attributes="method"\r\n`;
    assert.deepEqual(parser.parseAction({ body, headers: {} }, model), { action: SUSPEND.id, attributes: {} });
  });

  it("reads pOCCI's inline links separated by \\n\\r (INFRA/CREATE/005)", () => {
    const body = `Category: compute; scheme="${INFRA}"; class="kind"\n\rLink: <http://h/storage/1>; rel="${INFRA}storage"\n\rLink: <http://h/network/2>; rel="${INFRA}network"\n\r`;
    const [input] = parse(body);
    assert.deepEqual(input.links.map((l) => [l.target, l.targetKind]), [['http://h/storage/1', `${INFRA}storage`], ['http://h/network/2', `${INFRA}network`]]);
  });

  it('reads folded continuation lines', () => {
    const [input] = parse(`Category: compute;\r\n scheme="${INFRA}";\r\n class="kind"\r\n`);
    assert.equal(input.kind, COMPUTE.id);
  });

  it('reads an entity with only attributes, leaving the kind to the location', () => {
    assert.deepEqual(parse('X-OCCI-Attribute: occi.core.title="x"'), [{ mixins: [], attributes: { 'occi.core.title': 'x' }, links: [], actionLinks: 0 }]);
  });

  it('refuses OK and X-OCCI-Location lines in an entity', () => {
    assert.throws(() => parse('OK'), ParsingError);
    assert.throws(() => parse('X-OCCI-Location: /compute/1'), ParsingError);
  });

  it('reads its own location listing back', () => {
    assert.deepEqual(parser.parseLocations({ body: fixture('compute-a-list.txt'), headers: {} }, model), COLLECTION_A.map((l) => BASE_URL + l));
  });
});
