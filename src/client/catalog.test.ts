import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CategoryInput } from '../model/index.js';
import { Catalog, shortId } from './catalog.js';
import { LookupError } from './errors.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const CORE = 'http://schemas.ogf.org/occi/core#';
const BASE = new URL('http://127.0.0.1:8787/');

function cat(c: Partial<CategoryInput> & Pick<CategoryInput, 'class' | 'scheme' | 'term'>): CategoryInput {
  return { depends: [], applies: [], attributes: [], actions: [], ...c };
}

/** A server's discovery as parsers give it: core kinds left out, as some servers do. */
const INPUTS: CategoryInput[] = [
  cat({ class: 'kind', scheme: INFRA, term: 'compute', depends: [`${CORE}resource`], location: '/compute/', actions: [`${INFRA.slice(0, -1)}/compute/action#start`],
    definitions: [{ name: 'occi.compute.cores', mutable: true, required: false }, { name: 'occi.compute.state', mutable: false, required: true }, { name: 'x.custom', mutable: true, required: false, type: 'array' }] }),
  cat({ class: 'kind', scheme: INFRA, term: 'network', depends: [`${CORE}resource`], location: 'http://127.0.0.1:8787/network/' }),
  cat({ class: 'kind', scheme: INFRA, term: 'networkinterface', depends: [`${CORE}link`], location: '/networkinterface/' }),
  cat({ class: 'kind', scheme: INFRA, term: 'storage', depends: [`${CORE}resource`], location: '/storage/' }),
  cat({ class: 'kind', scheme: INFRA, term: 'storagelink', depends: [`${CORE}link`], location: '/storagelink/' }),
  cat({ class: 'mixin', scheme: 'http://example.org/os_tpl#', term: 'debian12', title: 'Debian 12', depends: [`${INFRA}os_tpl`], location: '/os_tpl/debian12/' }),
  cat({ class: 'mixin', scheme: 'http://example.org/os_tpl#', term: 'ubuntu', title: 'Ubuntu 24.04', depends: [`${INFRA}os_tpl`], location: '/os_tpl/ubuntu/' }),
  // rOCCI-server's templates: a scheme ending in <family>#, no rel.
  cat({ class: 'mixin', scheme: 'https://occi.localhost/occi/infrastructure/resource_tpl#', term: 'small', title: 'Small', location: '/mixins/small/' }),
  // Two mixins with one term, and one with a location another holds.
  cat({ class: 'mixin', scheme: `${INFRA.slice(0, -1)}/compute#`, term: 'user_data', location: '/mixin/user_data/' }),
  cat({ class: 'mixin', scheme: 'http://schemas.openstack.org/compute/instance#', term: 'user_data', location: '/mixin/user_data/' }),
  // A mixin in a loop of dependencies, and one depending on a mixin nobody lists.
  cat({ class: 'mixin', scheme: 'http://x#', term: 'a', depends: ['http://x#b'], location: '/x/a/' }),
  cat({ class: 'mixin', scheme: 'http://x#', term: 'b', depends: ['http://x#a'], location: '/x/b/' }),
  cat({ class: 'mixin', scheme: 'http://x#', term: 'c', depends: ['http://x#ghost'], location: '/x/c/' }),
  cat({ class: 'action', scheme: `${INFRA.slice(0, -1)}/compute/action#`, term: 'start', title: 'Start' }),
  cat({ class: 'action', scheme: 'http://other/action#', term: 'start' }),
];

describe('Catalog.fromCategories()', () => {
  const catalog = Catalog.fromCategories(INPUTS, BASE);

  it('builds kinds on the standard core kinds the server did not list', () => {
    const compute = catalog.resolveKind('compute');
    assert.equal(compute.parent?.id, `${CORE}resource`);
    assert.ok(catalog.isLinkKind(catalog.resolveKind('storagelink')));
    assert.deepEqual(catalog.resourceKinds().map((k) => k.term), ['compute', 'network', 'storage']);
  });

  it('types attributes: JSON types as given, standard names by the standard model, markers kept', () => {
    const defs = catalog.resolveKind('compute').allAttributes;
    assert.equal(defs.get('occi.compute.cores')?.type, 'integer');
    assert.equal(defs.get('occi.compute.state')?.mutable, false);
    assert.deepEqual(defs.get('occi.compute.state')?.enum, ['active', 'inactive', 'suspended', 'error']);
    assert.equal(defs.get('x.custom')?.type, 'list');
  });

  it('makes absolute-URL locations of the endpoint paths, and finds kinds by path', () => {
    assert.equal(catalog.location(catalog.resolveKind('network')), '/network/');
    assert.equal(catalog.kindOfPath('/network/n1')?.term, 'network');
    assert.equal(catalog.collectionAt('/os_tpl/debian12')?.term, 'debian12');
  });

  it('keeps what a Model refuses out of `model` only (a location taken twice)', () => {
    assert.equal(catalog.mixins.filter((m) => m.term === 'user_data').length, 2);
    assert.equal(catalog.model.mixins.filter((m) => m.term === 'user_data').length, 1);
    assert.ok(catalog.model.findKind(`${INFRA}compute`));
  });

  it('survives dependency loops and dependencies nobody lists', () => {
    assert.deepEqual(new Set(catalog.resolveMixin('http://x#a').closure.map((m) => m.term)), new Set(['a', 'b']));
    assert.deepEqual(catalog.resolveMixin('http://x#c').depends.map((m) => m.id), ['http://x#ghost']);
  });

  it('finds template families by rel and by scheme', () => {
    assert.deepEqual(catalog.templates('os_tpl').map((m) => m.term), ['debian12', 'ubuntu']);
    assert.deepEqual(catalog.templates('resource_tpl').map((m) => m.term), ['small']);
    assert.equal(catalog.familyOf(catalog.resolveMixin('small', 'resource_tpl')), 'resource_tpl');
  });

  const names: Array<[string, string | undefined, string]> = [
    ['os_tpl#debian12', undefined, 'http://example.org/os_tpl#debian12'],
    ['debian12', 'os_tpl', 'http://example.org/os_tpl#debian12'],
    ['Ubuntu 24.04', 'os_tpl', 'http://example.org/os_tpl#ubuntu'],
    ['ubuntu 24.04', 'os_tpl', 'http://example.org/os_tpl#ubuntu'],
    ['resource_tpl#small', undefined, 'https://occi.localhost/occi/infrastructure/resource_tpl#small'],
    ['http://x#a', undefined, 'http://x#a'],
    ['instance#user_data', undefined, 'http://schemas.openstack.org/compute/instance#user_data'],
  ];
  for (const [name, family, id] of names) {
    it(`resolveMixin(${JSON.stringify(name)}${family ? `, ${family}` : ''}) is ${id}`, () => assert.equal(catalog.resolveMixin(name, family).id, id));
  }

  it('resolveMixin() refuses an ambiguous term, naming the type ids, and an unknown one, naming what is offered', () => {
    assert.throws(() => catalog.resolveMixin('user_data'), (err: LookupError) => err.candidates.length === 2 && /give the full type id/.test(err.message));
    assert.throws(() => catalog.resolveMixin('debian6', 'os_tpl'), (err: LookupError) => /no os_tpl template "debian6"; it offers: debian12, ubuntu/.test(err.message));
  });

  it('resolveKind() by term, type id and location; resolveAction() prefers the entity\'s own', () => {
    for (const name of ['storage', `${INFRA}storage`, '/storage/', 'storage/', 'infrastructure#storage']) assert.equal(catalog.resolveKind(name).term, 'storage', name);
    assert.throws(() => catalog.resolveKind('computer'), LookupError);
    const compute = catalog.resolveKind('compute');
    assert.equal(catalog.resolveAction('start', catalog.actionsFor(compute, [])).scheme, `${INFRA.slice(0, -1)}/compute/action#`);
    assert.throws(() => catalog.resolveAction('start'), LookupError);
  });

  it('shortId() names a category by its scheme\'s last part', () => {
    assert.equal(shortId(catalog.resolveMixin('debian12', 'os_tpl')), 'os_tpl#debian12');
    assert.equal(catalog.linkKindFor(catalog.resolveKind('network'))?.term, 'networkinterface');
    assert.equal(catalog.stateAttribute(catalog.resolveKind('compute')), 'occi.compute.state');
  });
});
