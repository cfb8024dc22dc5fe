import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../errors.js';
import { COMPUTE, NETWORKINTERFACE, STOP, standardModel, type Attributes, type EntityInput, type LinkInput } from '../model/index.js';
import { RENDERINGS, type ParseInput, type Rendered, type RequestContent } from './index.js';

/** What a server receives: the rendered headers (lower-case names, repeated ones joined) and the body. */
function received(out: Rendered): ParseInput {
  const headers: Record<string, string> = {};
  for (const [name, value] of out.headers) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { body: out.body, headers };
}

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const TARGET = 'http://127.0.0.1:8787/network/n1';

const link: LinkInput = {
  kind: NETWORKINTERFACE.id, mixins: [`${INFRA.slice(0, -1)}/networkinterface#ipnetworkinterface`],
  attributes: { 'occi.networkinterface.address': '10.0.0.5' }, target: TARGET, targetKind: `${INFRA}network`,
};

const compute: EntityInput = {
  kind: COMPUTE.id,
  mixins: ['http://cloud.example.org/occi/os_tpl#debian12', `${INFRA.slice(0, -1)}/credentials#ssh_key`],
  attributes: {
    'occi.core.title': 'web "1"; a, b', 'occi.compute.cores': 2, 'occi.compute.memory': 4.5, 'x.flag': true,
    'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAA alice@laptop',
  },
  links: [link],
  actionLinks: 0,
};

const standalone: EntityInput = {
  kind: NETWORKINTERFACE.id, mixins: [], links: [], actionLinks: 0,
  attributes: { 'occi.core.source': '/compute/c1', 'occi.core.target': '/network/n1', 'occi.core.target.kind': `${INFRA}network`, 'occi.networkinterface.mac': '02:00:0a:00:00:05' },
};

const model = standardModel();

/** JSON carries a link's target as a member that the parser also keeps in its attributes. */
function comparable(input: EntityInput): EntityInput {
  return { ...input, links: input.links.map((l) => ({ ...l, attributes: Object.fromEntries(Object.entries(l.attributes).filter(([n]) => !n.startsWith('occi.core.target'))) })) };
}

for (const rendering of RENDERINGS.filter((r) => r.renderRequest)) {
  const render = (content: RequestContent) => received(rendering.renderRequest!(content));
  const parser = rendering.parser!;

  describe(`${rendering.mediaType} renderRequest()`, () => {
    it('writes a resource with mixins, typed attributes and an inline link that the parser reads back', () => {
      const [parsed] = parser.parseEntities(render({ type: 'entity', entity: compute }), model);
      assert.deepEqual(comparable(parsed), compute);
    });

    it('writes a link with its source and target that the parser reads back', () => {
      const [parsed] = parser.parseEntities(render({ type: 'entity', entity: standalone }), model);
      assert.deepEqual(parsed, standalone);
    });

    it('writes an action invocation with and without parameters', () => {
      for (const attributes of [{ method: 'graceful' }, {}] as Attributes[]) {
        assert.deepEqual(parser.parseAction(render({ type: 'action', action: { action: STOP.id, attributes } }), model), { action: STOP.id, attributes });
      }
    });

    it('writes a mixin definition', () => {
      const [parsed] = parser.parseCategories(render({
        type: 'categories',
        categories: [{ class: 'mixin', scheme: 'http://example.org/tags#', term: 'prod', title: 'Production', location: '/tags/prod/', depends: [], applies: [], attributes: [], actions: [] }],
      }), model);
      assert.deepEqual([parsed.class, parsed.scheme, parsed.term, parsed.title, parsed.location], ['mixin', 'http://example.org/tags#', 'prod', 'Production', '/tags/prod/']);
    });

    it('writes locations', () => {
      const locations = ['http://127.0.0.1:8787/compute/a', 'http://127.0.0.1:8787/compute/b'];
      assert.deepEqual(parser.parseLocations(render({ type: 'locations', locations }), model), locations);
    });

    it('refuses a category that is not a type id and an attribute name outside the grammar', () => {
      if (rendering.mediaType === 'application/occi+json') return;
      assert.throws(() => rendering.renderRequest!({ type: 'entity', entity: { ...compute, kind: 'compute' } }), ValidationError);
      assert.throws(() => rendering.renderRequest!({ type: 'entity', entity: { ...compute, attributes: { 'a b': 1 } } }), ValidationError);
    });
  });
}

describe('filters', () => {
  it('text/occi writes a filter in headers that the server reads as one', () => {
    const occi = RENDERINGS.find((r) => r.mediaType === 'text/occi')!;
    const filter = { categories: [COMPUTE.id], attributes: { 'occi.core.title': 'web-1' } };
    const out = occi.renderRequest!({ type: 'filter', filter });
    assert.equal(out.body, '');
    assert.deepEqual(occi.parser!.parseFilter(received(out), model), filter);
  });
});
