/**
 * fast-check arbitraries consistent with the model (standardModel() plus the
 * fixture templates of test/fixtures/compute-a.ts), and the two properties
 * every rendering must have (issue 4 §1): hostile input only ever ends in
 * the parser's own error, and render → parse → render is the identity.
 * Used by the `*.property.test.ts` files (short budget) and by
 * test/reliability/fuzz.ts (`npm run fuzz`, long budget).
 */
import fc from 'fast-check';
import { BASE_URL, fixtureModel } from './compute-a.testing.js';
import { ParsingError, UnsupportedMediaTypeError } from '../errors.js';
import { FIELD_ATTRIBUTES, Mixin, isLink, type Attributes, type Entity, type EntityInput, type Link, type LinkInput, type Resource } from '../model/index.js';
import type { ParseInput, Parser, Renderable, Rendered, Rendering } from './index.js';
import { asParseInput } from './rendering.contract.js';

export const MODEL = fixtureModel();
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const OS = 'http://cloud.example.org/occi/os_tpl#debian12';
const SIZE = 'http://cloud.example.org/occi/resource_tpl#medium';
const IPNIC = 'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface';

/** Budget of the property tests inside `npm test`; `FUZZ_RUNS` raises it. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/**
 * Text a client may put in a string attribute: any Unicode without control
 * characters (which the model refuses), with OCCI's own delimiters mixed in.
 */
export const safeText = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.constantFrom('"', '\\', ',', ';', '=', '<', '>', ' ', '{', '}', '#', ':', '\'', '%', '\u00a0', '\u2028') },
  ),
  maxLength: 40,
}).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));

const uuid = fc.uuid({ version: 4 });
const finite = fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true });

/** A network interface from `source`; built once (stringMatching is costly to build), placed by `withSource`. */
const nicArb: fc.Arbitrary<Link> = fc.record({
  id: uuid, target: uuid, ip: fc.boolean(), iface: fc.stringMatching(/^[a-z]{1,4}[0-9]{1,2}$/),
  mac: fc.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/), title: fc.option(safeText, { nil: undefined }),
  state: fc.constantFrom('active', 'inactive', 'error'),
}).map(({ id, target, ip, iface, mac, title, state }) => {
  const attributes: Attributes = { 'occi.networkinterface.interface': iface, 'occi.networkinterface.mac': mac, 'occi.networkinterface.state': state };
  if (title !== undefined) attributes['occi.core.title'] = title;
  return {
    id, kind: `${INFRA}networkinterface`, mixins: ip ? [IPNIC] : [], location: `/networkinterface/${id}`, version: '1',
    source: '', sourceKind: `${INFRA}compute`, target: `/network/${target}`, targetKind: `${INFRA}network`, attributes,
  };
});

const withSource = (link: Link, source: string): Link => ({ ...link, source });

/** A compute as a backend stores it: templates, typed attributes, inline network interfaces. */
export const computeArb: fc.Arbitrary<Resource> = fc.record({
  id: uuid,
  mixins: fc.subarray([OS, SIZE]),
  title: fc.option(safeText, { nil: undefined }),
  summary: fc.option(safeText, { nil: undefined }),
  hostname: fc.option(fc.domain(), { nil: undefined }),
  cores: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
  memory: fc.option(finite, { nil: undefined }),
  architecture: fc.option(fc.constantFrom('x86', 'x64'), { nil: undefined }),
  state: fc.constantFrom('active', 'inactive', 'suspended', 'error'),
  links: fc.array(nicArb, { maxLength: 3 }),
  version: fc.integer({ min: 1, max: 1_000_000 }),
}).map((r) => {
  const attributes: Attributes = { 'occi.compute.state': r.state };
  if (r.title !== undefined) attributes['occi.core.title'] = r.title;
  if (r.summary !== undefined) attributes['occi.core.summary'] = r.summary;
  if (r.hostname !== undefined) attributes['occi.compute.hostname'] = r.hostname;
  if (r.cores !== undefined) attributes['occi.compute.cores'] = r.cores;
  if (r.memory !== undefined) attributes['occi.compute.memory'] = r.memory;
  if (r.architecture !== undefined) attributes['occi.compute.architecture'] = r.architecture;
  const location = `/compute/${r.id}`;
  return { id: r.id, kind: `${INFRA}compute`, mixins: r.mixins, location, version: String(r.version), attributes, links: r.links.map((l) => withSource(l, location)) };
});

/** Storage and network resources, with their own required and enum attributes. */
export const otherResourceArb: fc.Arbitrary<Resource> = fc.record({
  id: uuid, storage: fc.boolean(), size: finite, title: fc.option(safeText, { nil: undefined }),
  vlan: fc.option(fc.integer({ min: 0, max: 4095 }), { nil: undefined }), label: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { nil: undefined }),
}).map((r) => {
  const attributes: Attributes = r.storage
    ? { 'occi.storage.size': r.size, 'occi.storage.state': 'online' }
    : { 'occi.network.state': 'active' };
  if (!r.storage && r.vlan !== undefined) attributes['occi.network.vlan'] = r.vlan;
  if (!r.storage && r.label !== undefined) attributes['occi.network.label'] = r.label;
  if (r.title !== undefined) attributes['occi.core.title'] = r.title;
  const kind = r.storage ? 'storage' : 'network';
  return { id: r.id, kind: `${INFRA}${kind}`, mixins: [], location: `/${kind}/${r.id}`, version: '1', attributes, links: [] };
});

export const entityArb: fc.Arbitrary<Entity> = fc.oneof(
  { weight: 3, arbitrary: computeArb },
  { weight: 1, arbitrary: otherResourceArb },
  { weight: 1, arbitrary: fc.tuple(nicArb, uuid).map(([l, c]) => withSource(l, `/compute/${c}`)) },
);

/** A listing: paths of entities, as a collection carries them. */
export const locationsArb = fc.array(
  fc.tuple(fc.constantFrom('compute', 'network', 'storage', 'networkinterface'), uuid).map(([k, id]) => `/${k}/${id}`),
  { maxLength: 30 },
);

/** User mixins (tags), as a client defines them at /-/. */
export const userMixinArb: fc.Arbitrary<Mixin> = fc.record({
  host: fc.stringMatching(/^[a-z][a-z0-9]{0,10}\.(org|com|net)$/),
  term: fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/),
  title: fc.option(safeText, { nil: undefined }),
}).map(({ host, term, title }) => new Mixin({ scheme: `http://${host}/tags#`, term, title, location: `/tags/${term}/`, origin: 'user' }));

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const path = (v: string): string => (v.startsWith(BASE_URL) ? v.slice(BASE_URL.length) : v);

function withoutFields(attributes: Attributes): Attributes {
  const out = { ...attributes };
  for (const f of FIELD_ATTRIBUTES) delete out[f];
  return out;
}

/** The entity a parsed rendering describes, placed where `template` lives: what a backend would store again. */
export function entityFromInput(input: EntityInput, template: Entity): Entity {
  const base: Entity = {
    id: text(input.attributes['occi.core.id']) ?? template.id, kind: input.kind ?? template.kind, mixins: input.mixins,
    attributes: withoutFields(input.attributes), location: template.location, version: template.version,
  };
  if (isLink(template)) {
    const link: Link = {
      ...base, source: path(text(input.attributes['occi.core.source']) ?? template.source),
      target: path(text(input.attributes['occi.core.target']) ?? template.target),
      sourceKind: template.sourceKind,
    };
    const targetKind = text(input.attributes['occi.core.target.kind']) ?? template.targetKind;
    if (targetKind !== undefined) link.targetKind = targetKind;
    return link;
  }
  const templateLinks = (template as Resource).links;
  return { ...base, links: input.links.map((l, i) => linkFromInput(l, templateLinks[i], template.location)) } as Resource;
}

function linkFromInput(input: LinkInput, template: Link | undefined, source: string): Link {
  const id = text(input.attributes['occi.core.id']) ?? input.self?.split('/').pop() ?? 'x';
  const link: Link = {
    id, kind: input.kind ?? 'http://schemas.ogf.org/occi/core#link', mixins: input.mixins, attributes: withoutFields(input.attributes),
    location: input.self ? path(input.self) : `/link/${id}`, version: template?.version ?? '1', source,
    sourceKind: template?.sourceKind, target: path(input.target ?? '/'),
  };
  const targetKind = input.targetKind ?? template?.targetKind;
  if (targetKind !== undefined) link.targetKind = targetKind;
  return link;
}

/** Renders, parses the result, rebuilds the value and renders again: the two renderings must be equal. */
export function roundTrip(rendering: Rendering, value: Renderable): { first: Rendered; second: Rendered } {
  const ctx = { model: MODEL, baseUrl: BASE_URL };
  const parser = rendering.parser!;
  const first = rendering.render(value, ctx);
  const input = asParseInput(first);
  let again: Renderable;
  switch (value.type) {
    case 'entity': {
      const parsed = parser.parseEntities(input, MODEL);
      if (parsed.length !== 1) throw new Error(`parsed ${parsed.length} entities`);
      again = { type: 'entity', entity: entityFromInput(parsed[0], value.entity) };
      break;
    }
    case 'collection': {
      if (rendering.collectionDetail === 'entities') {
        const parsed = parser.parseEntities(input, MODEL);
        // JSON lists resources and links under their own keys: match them back by id.
        const byId = new Map(value.entities!.map((e) => [e.id, e]));
        const entities = parsed.map((p) => entityFromInput(p, byId.get(String(p.attributes['occi.core.id']))!));
        again = { type: 'collection', locations: entities.map((e) => e.location), entities };
      } else {
        again = { type: 'collection', locations: parser.parseLocations(input, MODEL).map(path) };
      }
      break;
    }
    case 'categories': {
      const parsed = parser.parseCategories(input, MODEL);
      again = {
        type: 'categories',
        categories: parsed.map((c) => new Mixin({ scheme: c.scheme, term: c.term, title: c.title, location: c.location!, origin: 'user' })),
      };
      break;
    }
    default:
      throw new Error(`no round trip for ${value.type}`);
  }
  return { first, second: rendering.render(again, ctx) };
}

export const PARSER_METHODS = ['parseEntities', 'parseAction', 'parseCategories', 'parseLocations', 'parseFilter'] as const;

/**
 * Calls every method of `parser` on `input`; returns the first exception
 * that is not the parser's own (ParsingError, or 415 for what the media
 * type cannot carry), or undefined when there is none.
 */
export function foreignError(parser: Parser, input: ParseInput): unknown {
  for (const method of PARSER_METHODS) {
    try {
      parser[method](input, MODEL);
    } catch (err) {
      if (err instanceof ParsingError || err instanceof UnsupportedMediaTypeError) continue;
      return err ?? new Error('threw undefined');
    }
  }
  return undefined;
}

/** OCCI-ish fragments hostile inputs are built from. */
const FRAGMENTS = [
  'Category: ', 'Link: ', 'X-OCCI-Attribute: ', 'X-OCCI-Location: ', 'compute', 'stop', ';', '; ', ',', '"', '\\', '<', '>', '=',
  `scheme="${INFRA}"`, 'scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"', 'class="kind"', 'class="mixin"',
  'class="action"', '</compute/1>', '?action=start', `rel="${INFRA}network"`, 'self="/networkinterface/1"', 'category="',
  'occi.core.title=', 'occi.compute.cores=', 'occi.compute.memory=', 'occi.core.id=', '1.5', '-2', '1e308', '1e400', 'true',
  '{', '}', '[', ']', ':', '"kind":', '"mixins":', '"attributes":', '"links":', '"resources":', '"action":', '"actions":',
  '"location":', '"scheme":', '"term":', '"target":', '"__proto__":', '"constructor":', 'null', '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute"',
  '\r\n', '\n', '\r', ' ', '\t', '\u0000', 'é', '\ud800', '\uFEFF', 'http://cloud.example.org:8787/compute/1', '#', '%00', '../',
];

/** Random text: OCCI fragments, arbitrary Unicode (lone surrogates included) and raw bytes. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
);

/** A valid rendering of a generated value, then mutated: a slice dropped, a character replaced, a fragment inserted. */
export function mutatedRendering(rendering: Rendering): fc.Arbitrary<ParseInput> {
  const choices: Array<fc.Arbitrary<Renderable>> = [
    locationsArb.map((locations) => ({ type: 'collection', locations, entities: [] }) as Renderable),
  ];
  if (rendering.canRender('entity')) choices.push(entityArb.map((entity) => ({ type: 'entity', entity }) as Renderable));
  if (rendering.canRender('categories')) {
    choices.push(fc.array(userMixinArb, { maxLength: 3 }).map((categories) => ({ type: 'categories', categories }) as Renderable));
  }
  if (rendering.collectionDetail === 'entities') choices.shift();
  const values = fc.oneof(...choices);
  const mutation = fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 3 })));
  return fc.tuple(values, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([value, mutations, inHeaders]) => {
    const rendered = rendering.render(value, { model: MODEL, baseUrl: BASE_URL });
    const mutate = (s: string) => mutations.reduce((acc, [at, drop, insert]) => {
      const i = acc.length === 0 ? 0 : at % (acc.length + 1);
      return acc.slice(0, i) + insert + acc.slice(i + drop);
    }, s);
    const input = asParseInput(rendered);
    const names = Object.keys(input.headers);
    if (inHeaders && names.length > 0) {
      const headers = { ...input.headers };
      for (const n of names) headers[n] = mutate(headers[n]!);
      return { body: input.body, headers };
    }
    return { body: mutate(input.body), headers: input.headers };
  });
}

/** Hostile text as a body, or as the OCCI header of a text/occi request. */
export function hostileInput(): fc.Arbitrary<ParseInput> {
  return fc.tuple(hostileText, fc.constantFrom('body', 'category', 'link', 'x-occi-attribute', 'x-occi-location')).map(([t, where]) =>
    where === 'body' ? { body: t, headers: {} } : { body: '', headers: { [where]: t } });
}

export { asParseInput };
