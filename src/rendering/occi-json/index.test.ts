import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InternalError, ParsingError } from '../../errors.js';
import {
  COMPUTE, ENTITY, ENTITY_JSON_LOCATION, Kind, Mixin, attr, type CategoryInput, type EntityInput, type Link, type Model, type Resource,
} from '../../model/index.js';
import { BASE_URL, COMPUTE_A, DISK_A, NIC_A, fixtureModel } from '../compute-a.testing.js';
import { describeRenderingContract } from '../rendering.contract.js';
import type { ParseInput, Renderable } from '../rendering.js';
import { occiJson } from './index.js';
import { describeDefinition } from './render.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);
const SCHEMA_FILE = new URL('../../../test/fixtures/occi-1.2-json-schema.json', import.meta.url);
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const ID = COMPUTE_A.id;

const input = (body: string): ParseInput => ({ body, headers: { 'content-type': 'application/occi+json' } });
const parser = occiJson.parser!;

function render(value: Renderable, model: Model = fixtureModel()): string {
  const out = occiJson.render(value, { model, baseUrl: BASE_URL });
  assert.deepEqual(out.headers, []);
  return out.body;
}

function renderObject(value: Renderable, model?: Model): Record<string, any> {
  return JSON.parse(render(value, model));
}

describeRenderingContract(occiJson);

describe('occiJson', () => {
  it('names application/occi+json, accepts application/json, and renders full entities', () => {
    assert.equal(occiJson.mediaType, 'application/occi+json');
    assert.deepEqual(occiJson.aliases, ['application/json']);
    assert.equal(occiJson.contentTypeParameters, '');
    assert.equal(occiJson.collectionDetail, 'entities');
    for (const t of ['entity', 'collection', 'categories', 'empty', 'error'] as const) assert.equal(occiJson.canRender(t), true, t);
    assert.ok(occiJson.parser);
  });
});

describe('render() of COMPUTE_A (golden file)', () => {
  const golden = readFileSync(new URL('compute-a.json', FIXTURES), 'utf8');
  const body = render({ type: 'entity', entity: COMPUTE_A });

  it('equals test/fixtures/compute-a.json', () => {
    assert.deepEqual(JSON.parse(body), JSON.parse(golden));
  });

  it('keeps the golden member order and is compact JSON', () => {
    assert.equal(body, JSON.stringify(JSON.parse(golden)));
  });

  it('orders resource members as json-rendering.md §1 lists them', () => {
    assert.deepEqual(Object.keys(JSON.parse(body)), ['kind', 'mixins', 'attributes', 'actions', 'id', 'links', 'summary', 'title']);
  });

  it('repeats occi.core.id, title and summary first inside attributes (§6, rOCCI-core 5 reads them there)', () => {
    const attributes = JSON.parse(body).attributes;
    assert.deepEqual(Object.keys(attributes).slice(0, 3), ['occi.core.id', 'occi.core.title', 'occi.core.summary']);
    assert.equal(attributes['occi.core.id'], ID);
  });

  it('offers only the actions valid in the active state', () => {
    assert.deepEqual(JSON.parse(body).actions, ['stop', 'restart', 'suspend', 'save'].map((t) => `${INFRA.slice(0, -1)}/compute/action#${t}`));
  });

  it('renders links in full, with source and target objects (§2)', () => {
    const [nic, disk] = JSON.parse(body).links;
    assert.deepEqual(Object.keys(nic), ['kind', 'mixins', 'attributes', 'id', 'source', 'target']);
    assert.deepEqual(Object.keys(disk), ['kind', 'attributes', 'id', 'source', 'target', 'title']);
    assert.deepEqual(nic.source, { location: `/compute/${ID}`, kind: COMPUTE.id });
    assert.deepEqual(nic.target, { location: NIC_A.target, kind: `${INFRA}network` });
    assert.equal(nic.attributes['occi.core.target.kind'], `${INFRA}network`);
  });
});

describe('render() of entities', () => {
  const bare: Resource = {
    id: 'bare', kind: COMPUTE.id, mixins: [], location: '/compute/bare', version: '1',
    attributes: { 'occi.compute.state': 'error' }, links: [],
  };

  it('omits empty and absent members but always has attributes (§11)', () => {
    const model = fixtureModel();
    const out = renderObject({ type: 'entity', entity: { ...bare, attributes: {} } }, model);
    // No state: the machine's initial state (inactive) offers start.
    assert.deepEqual(Object.keys(out), ['kind', 'attributes', 'actions', 'id']);
    assert.deepEqual(out.attributes, { 'occi.core.id': 'bare' });
  });

  it('omits actions when none apply', () => {
    const model = fixtureModel();
    const kind = model.findKind(`${INFRA}storagelink`)!;
    const link: Link = { ...DISK_A, kind: kind.id, attributes: {} };
    assert.equal('actions' in renderObject({ type: 'entity', entity: link }, model), false);
  });

  it('orders attributes: occi.core first, then definition order, then unknown names sorted', () => {
    const entity: Resource = {
      ...bare,
      attributes: { 'z.extra': 1, 'occi.compute.hostname': 'h', 'a.extra': true, 'occi.compute.cores': 1, 'occi.core.title': 't' },
    };
    const out = renderObject({ type: 'entity', entity });
    assert.deepEqual(Object.keys(out.attributes), ['occi.core.id', 'occi.core.title', 'occi.compute.cores', 'occi.compute.hostname', 'a.extra', 'z.extra']);
  });

  it('puts occi.core.* first even when the model does not know the Kind', () => {
    const entity: Resource = { ...bare, kind: 'http://example.org/gone#thing', attributes: { 'a.x': 1, 'occi.core.summary': 's', 'occi.core.title': 't' } };
    const out = renderObject({ type: 'entity', entity });
    assert.deepEqual(Object.keys(out.attributes), ['occi.core.id', 'occi.core.title', 'occi.core.summary', 'a.x']);
    assert.equal('actions' in out, false);
  });

  it('takes id, source and target from the entity fields, not from stale attributes', () => {
    const link: Link = { ...NIC_A, attributes: { ...NIC_A.attributes, 'occi.core.id': 'stale', 'occi.core.source': '/stale' } };
    const out = renderObject({ type: 'entity', entity: link });
    assert.equal(out.attributes['occi.core.id'], NIC_A.id);
    assert.equal(out.attributes['occi.core.source'], NIC_A.source);
  });

  it('renders a link on its own, with an external target that has no kind', () => {
    const link: Link = { ...NIC_A, target: 'http://other.example.org/net/1', targetKind: undefined, sourceKind: undefined };
    const out = renderObject({ type: 'entity', entity: link });
    assert.deepEqual(out.target, { location: 'http://other.example.org/net/1' });
    // The source is local: its Kind comes from its collection.
    assert.deepEqual(out.source, { location: NIC_A.source, kind: COMPUTE.id });
    assert.equal('occi.core.target.kind' in out.attributes, false);
  });

  it('skips a mixin the model no longer knows', () => {
    const entity: Resource = { ...bare, mixins: ['http://example.org/gone#tag', ...COMPUTE_A.mixins] };
    assert.deepEqual(renderObject({ type: 'entity', entity }).mixins, COMPUTE_A.mixins);
  });

  it('refuses, as our bug, a value JSON cannot carry', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, [1, null], { a: null }]) {
      const entity = { ...bare, attributes: { 'com.example.x': value } } as unknown as Resource;
      assert.throws(() => render({ type: 'entity', entity }), InternalError);
    }
  });

  it('renders list and hash values as JSON arrays and objects (§6)', () => {
    const entity: Resource = { ...bare, attributes: { 'com.example.tags': ['a', 'b'], 'com.example.flags': { ha: true } } };
    const out = renderObject({ type: 'entity', entity });
    assert.deepEqual(out.attributes['com.example.tags'], ['a', 'b']);
    assert.deepEqual(out.attributes['com.example.flags'], { ha: true });
  });
});

describe('render() of collections, errors and empty answers', () => {
  it('puts resources under "resources" and links under "links" (§5)', () => {
    const out = renderObject({ type: 'collection', locations: [], entities: [COMPUTE_A, NIC_A] });
    assert.deepEqual(Object.keys(out), ['resources', 'links']);
    assert.equal(out.resources[0].id, ID);
    assert.equal(out.links[0].id, NIC_A.id);
    assert.deepEqual(Object.keys(renderObject({ type: 'collection', locations: [], entities: [DISK_A] })), ['links']);
  });

  it('renders an empty collection as {} (rOCCI-core 5 refuses empty arrays)', () => {
    assert.equal(render({ type: 'collection', locations: [], entities: [] }), '{}');
  });

  it('throws InternalError when handed locations only', () => {
    assert.throws(() => render({ type: 'collection', locations: [COMPUTE_A.location] }), InternalError);
  });

  it('renders an error as code, message and error code', () => {
    const body = render({ type: 'error', status: 404, code: 'OCCI_ERR_NOT_FOUND', message: 'no "x"' });
    assert.equal(body, '{"code":404,"message":"no \\"x\\"","error":"OCCI_ERR_NOT_FOUND"}');
  });

  it('renders empty as {}', () => {
    assert.equal(render({ type: 'empty' }), '{}');
  });
});

describe('render() of categories', () => {
  const model = fixtureModel();
  const qi = renderObject({ type: 'categories', categories: model.categories() }, model);

  it('groups kinds, mixins and actions, each action once (§5)', () => {
    assert.deepEqual(Object.keys(qi), ['kinds', 'mixins', 'actions']);
    assert.equal(qi.kinds.length, model.kinds.length);
    assert.equal(qi.mixins.length, model.mixins.length);
    assert.deepEqual(qi.actions.map((a: any) => a.scheme + a.term), model.actions.map((a) => a.id));
  });

  it('renders a Kind as term, scheme, title, attributes, actions, parent, location (§4)', () => {
    const compute = qi.kinds.find((k: any) => k.term === 'compute');
    assert.deepEqual(Object.keys(compute), ['term', 'scheme', 'title', 'attributes', 'actions', 'parent', 'location']);
    assert.equal(compute.parent, 'http://schemas.ogf.org/occi/core#resource');
    assert.equal(compute.location, '/compute/');
    // Inherited attributes are listed too (core.md §6).
    assert.deepEqual(Object.keys(compute.attributes), [...COMPUTE.allAttributes.keys()]);
  });

  it('gives core#entity no parent, and the location rOCCI-core 5 requires of every Kind, /entity/', () => {
    const entity = qi.kinds.find((k: any) => k.term === 'entity');
    assert.deepEqual(Object.keys(entity), ['term', 'scheme', 'title', 'attributes', 'location']);
    assert.equal(entity.location, '/entity/');
  });

  it('renders a Mixin with depends, applies and location, and omits what it lacks', () => {
    const medium = qi.mixins.find((m: any) => m.term === 'medium');
    assert.deepEqual(Object.keys(medium), ['term', 'scheme', 'title', 'attributes', 'depends', 'applies', 'location']);
    assert.deepEqual(medium.depends, [`${INFRA}resource_tpl`]);
    assert.deepEqual(medium.attributes['occi.compute.cores'], {
      mutable: true, required: false, type: 'number', default: 2, description: 'Number of virtual CPU cores (integer, at least 1)',
    });
    const osTpl = qi.mixins.find((m: any) => m.term === 'os_tpl');
    assert.deepEqual(Object.keys(osTpl), ['term', 'scheme', 'title', 'applies', 'location']);
  });

  it('renders an Action as term, scheme, title, attributes', () => {
    const stop = qi.actions.find((a: any) => a.term === 'stop');
    assert.deepEqual(stop, {
      term: 'stop', scheme: 'http://schemas.ogf.org/occi/infrastructure/compute/action#', title: 'Stop compute',
      attributes: { method: { mutable: true, required: false, type: 'string', default: 'poweroff', description: 'One of graceful, acpioff, poweroff' } },
    });
    assert.deepEqual(Object.keys(qi.actions.find((a: any) => a.term === 'start')), ['term', 'scheme', 'title']);
  });

  it('maps every attribute type to its JSON type and never emits pattern (§7, §11)', () => {
    const state = qi.kinds.find((k: any) => k.term === 'compute').attributes['occi.compute.state'];
    assert.deepEqual(state, {
      mutable: false, required: true, type: 'string', default: 'inactive',
      description: 'Current state of the compute (one of active, inactive, suspended, error)',
    });
    const types = ['string', 'enum', 'number', 'integer', 'boolean', 'list', 'hash'] as const;
    const kind = new Kind({
      scheme: 'http://example.org/t#', term: 't', location: '/t/', attributes: types.map((t) => attr(`x.${t}`, t, { pattern: '.*' })),
    });
    const out = renderObject({ type: 'categories', categories: [kind] });
    const defs = out.kinds[0].attributes;
    assert.deepEqual(types.map((t) => defs[`x.${t}`].type), ['string', 'string', 'number', 'number', 'boolean', 'array', 'object']);
    for (const t of types) assert.equal('pattern' in defs[`x.${t}`], false);
  });

  it('omits empty keys; an empty category list is {}', () => {
    assert.deepEqual(Object.keys(renderObject({ type: 'categories', categories: [model.findMixin(`${INFRA}os_tpl`)!] })), ['mixins']);
    assert.equal(render({ type: 'categories', categories: [] }), '{}');
  });
});

describe('describeDefinition()', () => {
  const cases: Array<[string, Parameters<typeof attr>[2] & { type?: Parameters<typeof attr>[1] }, string | undefined]> = [
    ['enum', { type: 'enum', enum: ['x86', 'x64'], description: 'CPU architecture' }, 'CPU architecture (one of x86, x64)'],
    ['integer with minimum', { type: 'integer', minimum: 1, description: 'Cores' }, 'Cores (integer, at least 1)'],
    ['range', { type: 'integer', minimum: 0, maximum: 4095, description: 'VLAN' }, 'VLAN (integer, from 0 to 4095)'],
    ['maximum', { type: 'number', maximum: 9 }, 'At most 9'],
    ['pattern', { type: 'string', pattern: '\\S+', description: 'Name' }, 'Name (matching the regular expression \\S+)'],
    ['already says it', { type: 'enum', enum: ['a', 'b'], description: 'One of a, b' }, 'One of a, b'],
    ['enum and pattern', { type: 'enum', enum: ['a', 'b'], pattern: 'a|b' }, 'One of a, b; matching the regular expression a|b'],
    ['own parenthesis', { type: 'number', minimum: 0, description: 'Speed (OCCI 1.1)' }, 'Speed (OCCI 1.1); at least 0'],
    ['plain', { type: 'string', description: 'Host' }, 'Host'],
    ['nothing', { type: 'boolean' }, undefined],
  ];
  for (const [name, { type, ...options }, expected] of cases) {
    it(`describes ${name}`, () => {
      assert.equal(describeDefinition(attr('x', type ?? 'string', options)), expected);
    });
  }
});

/**
 * A draft-04 subset, enough for the spec's schema: $ref (local), type,
 * required, properties, patternProperties, additionalProperties, items,
 * minItems, minProperties, oneOf, anyOf.
 */
function schemaErrors(schema: any, root: any, value: unknown, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const m = /^#\/definitions\/(.+)$/.exec(schema.$ref);
    if (!m) throw new Error(`unsupported $ref ${schema.$ref}`);
    return schemaErrors(root.definitions[m[1]], root, value, path);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (!types.includes(actual)) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...schemaErrors(schema.items, root, v, `${path}[${i}]`)));
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path}: missing ${r}`);
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) errors.push(`${path}: too few members`);
    for (const [k, v] of Object.entries(obj)) {
      let known = false;
      if (schema.properties?.[k]) {
        known = true;
        errors.push(...schemaErrors(schema.properties[k], root, v, `${path}.${k}`));
      }
      for (const [re, s] of Object.entries(schema.patternProperties ?? {})) {
        if (new RegExp(re).test(k)) {
          known = true;
          errors.push(...schemaErrors(s, root, v, `${path}.${k}`));
        }
      }
      if (!known && schema.additionalProperties === false) errors.push(`${path}: unknown member ${k}`);
      else if (!known && typeof schema.additionalProperties === 'object') errors.push(...schemaErrors(schema.additionalProperties, root, v, `${path}.${k}`));
    }
  }
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s: any) => schemaErrors(s, root, value, path).length === 0).length;
    if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf`);
  }
  if (schema.anyOf && !schema.anyOf.some((s: any) => schemaErrors(s, root, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  return errors;
}

/** What rOCCI-core 5 requires beyond the spec (json-rendering.md §11), and no nulls anywhere. */
function rocciErrors(value: unknown, path = '$', parentKey = ''): string[] {
  if (value === null) return [`${path}: null`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${path}: empty array`];
    return value.flatMap((v, i) => rocciErrors(v, `${path}[${i}]`, parentKey));
  }
  if (typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  const errors: string[] = [];
  if ((parentKey === 'resources' || parentKey === 'links' || path === '$') && 'kind' in obj && 'id' in obj && !('attributes' in obj)) {
    errors.push(`${path}: entity without attributes`);
  }
  if (parentKey === 'kinds' && !('location' in obj) && obj.scheme + String(obj.term) !== ENTITY.id) errors.push(`${path}: kind without location`);
  if (['kinds', 'mixins', 'actions'].includes(parentKey) && typeof obj.attributes === 'object') {
    for (const [name, def] of Object.entries(obj.attributes as Record<string, Record<string, unknown>>)) {
      for (const m of ['mutable', 'required', 'type']) if (!(m in def)) errors.push(`${path}.attributes.${name}: no ${m}`);
      if ('pattern' in def) errors.push(`${path}.attributes.${name}: pattern`);
    }
  }
  for (const [k, v] of Object.entries(obj)) errors.push(...rocciErrors(v, `${path}.${k}`, k));
  return errors;
}

describe('renderings against the JSON Schema (json-rendering.md §9) and rOCCI-core 5 (§11)', () => {
  // §9 defect 1: `#definitions/x` references, fixed in memory; the file stays as published.
  const root = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8').replaceAll('"#definitions/', '"#/definitions/'));
  const model = fixtureModel();
  const check = (definition: string, value: unknown) => {
    assert.deepEqual(schemaErrors(root.definitions[definition], root, value), [], `against #/definitions/${definition}`);
    assert.deepEqual(rocciErrors(value), [], 'rOCCI-core 5 rules');
  };

  it('the checker catches what it is meant to catch', () => {
    const resource = root.definitions.resource;
    assert.notDeepEqual(schemaErrors(resource, root, { id: 'x' }), []);
    assert.notDeepEqual(schemaErrors(resource, root, { kind: 'k', id: 'x', extra: 1 }), []);
    assert.notDeepEqual(schemaErrors(resource, root, { kind: 'k', id: 'x', links: [{ kind: 'l', id: 'y' }] }), []);
    assert.notDeepEqual(schemaErrors(root.definitions.model, root, { kinds: [{ term: 't', scheme: 's', attributes: { a: { mutable: 'yes' } } }] }), []);
    assert.notDeepEqual(rocciErrors({ kind: 'k', id: 'x', mixins: [] }), []);
    assert.notDeepEqual(rocciErrors({ kinds: [{ term: 't', scheme: 's', location: '/t/', attributes: { a: { type: 'string' } } }] }), []);
    assert.notDeepEqual(rocciErrors({ kinds: [{ term: 'compute', scheme: INFRA }] }), []);
    assert.notDeepEqual(rocciErrors({ a: [1, null] }), []);
  });

  it('COMPUTE_A is a valid resource', () => {
    check('resource', renderObject({ type: 'entity', entity: COMPUTE_A }, model));
  });

  it('a link on its own is a valid link', () => {
    check('link', renderObject({ type: 'entity', entity: NIC_A }, model));
  });

  it('the query interface is a valid model', () => {
    check('model', renderObject({ type: 'categories', categories: model.categories() }, model));
  });

  it('a mixed entity collection is a valid model', () => {
    check('model', renderObject({ type: 'collection', locations: [], entities: [COMPUTE_A, DISK_A] }, model));
  });
});

describe('round trips', () => {
  it('parse(render(COMPUTE_A)) gives back the entity as input', () => {
    const model = fixtureModel();
    const [parsed, ...rest] = parser.parseEntities(input(render({ type: 'entity', entity: COMPUTE_A }, model)), model);
    assert.equal(rest.length, 0);
    const expected: EntityInput = {
      kind: COMPUTE.id,
      mixins: ['http://cloud.example.org/occi/os_tpl#debian12', 'http://cloud.example.org/occi/resource_tpl#medium'],
      attributes: {
        'occi.core.id': ID,
        'occi.core.title': 'web-1',
        'occi.core.summary': 'Front end "A" of the shop',
        'occi.compute.architecture': 'x64',
        'occi.compute.cores': 2,
        'occi.compute.hostname': 'web-1.example.org',
        'occi.compute.memory': 4,
        'occi.compute.state': 'active',
      },
      links: [
        {
          kind: `${INFRA}networkinterface`,
          mixins: ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
          attributes: {
            'occi.core.id': 'a1b2c3d4-0000-4000-8000-000000000001',
            'occi.core.source': `/compute/${ID}`,
            'occi.core.target': '/network/5e1f0d7c-9a4b-4c3e-8f2a-1b0c9d8e7f60',
            'occi.core.target.kind': `${INFRA}network`,
            'occi.networkinterface.interface': 'eth0',
            'occi.networkinterface.mac': '02:00:0a:00:00:05',
            'occi.networkinterface.state': 'active',
            'occi.networkinterface.address': '10.0.0.5',
            'occi.networkinterface.allocation': 'dynamic',
          },
          target: '/network/5e1f0d7c-9a4b-4c3e-8f2a-1b0c9d8e7f60',
          targetKind: `${INFRA}network`,
          self: '/networkinterface/a1b2c3d4-0000-4000-8000-000000000001',
        },
        {
          kind: `${INFRA}storagelink`,
          mixins: [],
          attributes: {
            'occi.core.id': 'a1b2c3d4-0000-4000-8000-000000000002',
            'occi.core.title': 'data disk',
            'occi.core.source': `/compute/${ID}`,
            'occi.core.target': '/storage/0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c',
            'occi.core.target.kind': `${INFRA}storage`,
            'occi.storagelink.deviceid': '/dev/vdb',
            'occi.storagelink.state': 'active',
          },
          target: '/storage/0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c',
          targetKind: `${INFRA}storage`,
          self: '/storagelink/a1b2c3d4-0000-4000-8000-000000000002',
        },
      ],
      actionLinks: 4,
      actions: ['stop', 'restart', 'suspend', 'save'].map((term) => `${INFRA.slice(0, -1)}/compute/action#${term}`),
    };
    assert.deepEqual(parsed, expected);
  });

  it('parse(render(link)) gives source, target and target.kind as attributes', () => {
    const model = fixtureModel();
    const [parsed] = parser.parseEntities(input(render({ type: 'entity', entity: NIC_A }, model)), model);
    assert.equal(parsed.kind, NIC_A.kind);
    assert.deepEqual(parsed.links, []);
    assert.equal(parsed.attributes['occi.core.source'], NIC_A.source);
    assert.equal(parsed.attributes['occi.core.target'], NIC_A.target);
    assert.equal(parsed.attributes['occi.core.target.kind'], NIC_A.targetKind);
  });

  it('parse(render(collection)) gives one input per entity', () => {
    const model = fixtureModel();
    const parsed = parser.parseEntities(input(render({ type: 'collection', locations: [], entities: [COMPUTE_A, DISK_A] }, model)), model);
    assert.deepEqual(parsed.map((e) => e.attributes['occi.core.id']), [COMPUTE_A.id, DISK_A.id]);
  });

  it('the query interface parses to CategoryInputs that match the model', () => {
    const model = fixtureModel();
    const parsed = parser.parseCategories(input(render({ type: 'categories', categories: model.categories() }, model)), model);
    assert.equal(parsed.length, model.categories().length);
    for (const c of parsed) {
      const original = model.findCategory(c.scheme + c.term);
      assert.ok(original, `${c.scheme}${c.term}`);
      const expected: CategoryInput = { class: original.class, scheme: original.scheme, term: original.term, depends: [], applies: [], attributes: [], actions: [] };
      if (original.title !== undefined) expected.title = original.title;
      if (original.class === 'kind') {
        const k = original as Kind;
        // core#entity has none in the model; JSON names the one rOCCI-core 5 requires.
        expected.location = k.location ?? ENTITY_JSON_LOCATION;
        if (k.parent) expected.depends = [k.parent.id];
        expected.attributes = [...k.allAttributes.keys()];
        expected.actions = k.actions.map((a) => a.id);
      } else if (original.class === 'mixin') {
        const m = original as Mixin;
        expected.location = m.location;
        expected.depends = m.depends.map((d) => d.id);
        expected.applies = m.applies.map((k) => k.id);
        expected.attributes = [...m.attributes.keys()];
        expected.actions = m.actions.map((a) => a.id);
      } else {
        expected.attributes = [...original.attributes.keys()];
      }
      const { definitions, ...named } = c;
      assert.deepEqual(named, expected);
      assert.deepEqual(definitions?.map((d) => d.name) ?? [], expected.attributes);
    }
  });

  it('render → parse → render of mixins is stable', () => {
    const model = fixtureModel();
    const mixins = model.mixins.filter((m) => m.attributes.size === 0);
    const first = render({ type: 'categories', categories: mixins }, model);
    const rebuilt = parser.parseCategories(input(first), model).map((c) => new Mixin({
      scheme: c.scheme, term: c.term, title: c.title, location: c.location!,
      depends: c.depends.map((id) => model.getMixin(id)), applies: c.applies.map((id) => model.getKind(id)),
    }));
    assert.equal(render({ type: 'categories', categories: rebuilt }, model), first);
  });
});

describe('rOCCI-core 5 renderings (test/fixtures/rocci-core.*.json)', () => {
  it('parses the compute create body', () => {
    const model = fixtureModel();
    const body = readFileSync(new URL('rocci-core.compute.json', FIXTURES), 'utf8');
    assert.deepEqual(parser.parseEntities(input(body), model), [{
      kind: COMPUTE.id,
      mixins: [],
      attributes: {
        'occi.compute.architecture': 'x64',
        'occi.compute.cores': 4,
        'occi.compute.memory': 2,
        'occi.compute.state': 'inactive',
        'occi.core.id': '488f6764-d4e3-4668-8cbb-1aaa06e92d5f',
        'occi.core.title': 'My Compute Instance',
      },
      links: [],
      actionLinks: 0,
    }]);
  });

  it('parses the action invocation', () => {
    const model = fixtureModel();
    const body = readFileSync(new URL('rocci-core.action_instance.json', FIXTURES), 'utf8');
    assert.deepEqual(parser.parseAction(input(body), model), {
      action: 'http://schemas.ogf.org/occi/infrastructure/compute/action#suspend',
      attributes: { method: 'suspend' },
    });
  });
});

describe('parser basics', () => {
  it('parseFilter() finds no filter in a JSON body', () => {
    assert.deepEqual(parser.parseFilter(input('{"kind": "x"}'), fixtureModel()), { categories: [], attributes: {} });
  });

  it('parse errors are ParsingError with status class 400 code', () => {
    assert.throws(() => parser.parseEntities(input('{'), fixtureModel()), (err: unknown) => err instanceof ParsingError && err.code === 'OCCI_ERR_PARSE_SYNTAX');
  });

  it('a user mixin definition parses with its location (§8)', () => {
    const body = '{ "mixins": [ { "term": "prod", "scheme": "http://example.org/occi/tags/alice#", "title": "production machines", "location": "/tags/alice/prod/" } ] }';
    assert.deepEqual(parser.parseCategories(input(body), fixtureModel()), [{
      class: 'mixin', scheme: 'http://example.org/occi/tags/alice#', term: 'prod', title: 'production machines', location: '/tags/alice/prod/',
      depends: [], applies: [], attributes: [], actions: [],
    }]);
  });
});
