import type { Attributes, Category, Kind, Mixin } from '../../model/index.js';
import { shortId, type Catalog } from '../catalog.js';
import type { Entity } from '../types.js';
import { UsageError } from '../errors.js';
import { need, readyState, waitWithProgress, type Command } from './command.js';
import {
  categoryJson, entityJson, json, listColumns, paint, plainEntity, showCategory, showEntity, stateOf, table, titleOf, valueText,
} from './format.js';
import { list, str } from './options.js';
import { assignment, typedValue } from './values.js';

/** `occi discover`: what the server offers. */
export const discover: Command = {
  name: 'discover',
  summary: 'show what the server offers: kinds, mixins, templates, actions',
  usage: 'occi discover [NAME] [--kind | --mixin | --templates [FAMILY] | --actions]',
  description: 'Without options: every kind, the templates and the other mixins. With a NAME (a kind, mixin, template or action, by short name or type id): its attributes, actions and location.',
  options: {
    kind: { type: 'boolean' }, kinds: { type: 'boolean' }, mixin: { type: 'boolean' }, mixins: { type: 'boolean' },
    templates: { type: 'boolean' }, actions: { type: 'boolean' },
  },
  optionHelp: [
    ['--kind', 'kinds only (compute, network, storage, links)'],
    ['--mixin', 'mixins only'],
    ['--templates [FAMILY]', 'OS and resource templates (or one family: os_tpl, resource_tpl)'],
    ['--actions', 'actions only'],
  ],
  examples: ['occi discover', 'occi discover --templates', 'occi discover --templates os_tpl -o uri', 'occi discover compute', 'occi discover resource_tpl#small'],
  pipe: 'uri',
  async run(ctx, args) {
    const client = await ctx.client();
    const catalog = await client.discover();
    const v = ctx.values;
    if (args.length > 0 && !v.templates) {
      const c = findCategory(catalog, args[0]);
      if (ctx.format === 'json') ctx.io.stdout.write(json(categoryJson(c, catalog)));
      else if (ctx.format === 'uri') ctx.io.stdout.write(`${c.id}\n`);
      else ctx.io.stdout.write(showCategory(c, catalog, ctx.style));
      return 0;
    }
    const families = args.length > 0 ? [args[0]] : ['os_tpl', 'resource_tpl'];
    const templates = new Map(families.map((f) => [f, catalog.templates(f)]));
    const templateSet = new Set([...templates.values()].flat());
    const all = !(v.kind || v.kinds || v.mixin || v.mixins || v.templates || v.actions);
    const kinds = all || v.kind || v.kinds ? catalog.kinds : [];
    const mixins = all || v.mixin || v.mixins ? catalog.mixins.filter((m) => v.mixin || v.mixins || !templateSet.has(m)) : [];
    const actions = v.actions ? catalog.actions : [];
    const showTemplates = all || v.templates;
    if (ctx.format === 'json') {
      const out: Record<string, unknown> = {};
      if (kinds.length > 0) out.kinds = kinds.map((c) => categoryJson(c, catalog));
      if (showTemplates) out.templates = Object.fromEntries([...templates].map(([f, ms]) => [f, ms.map((m) => categoryJson(m, catalog))]));
      if (mixins.length > 0) out.mixins = mixins.map((c) => categoryJson(c, catalog));
      if (actions.length > 0) out.actions = actions.map((c) => categoryJson(c, catalog));
      ctx.io.stdout.write(json(out));
      return 0;
    }
    const shown: Category[] = [...kinds, ...(showTemplates ? [...templates.values()].flat() : []), ...mixins, ...actions];
    if (ctx.format === 'uri') {
      ctx.io.stdout.write(shown.map((c) => `${c.id}\n`).join(''));
      return 0;
    }
    if (ctx.format === 'plain') {
      ctx.io.stdout.write(shown.map((c) => `${c.class}\t${c.id}\t${catalog.location(c) ?? ''}\t${c.title ?? ''}\n`).join(''));
      return 0;
    }
    const out: string[] = [];
    const section = (title: string, body: string) => body !== '' && out.push(`${paint(title, 'bold', ctx.style)}\n${body}`);
    section('KINDS', table(['TERM', 'TITLE', 'LOCATION', 'ACTIONS'], kinds.map((k) => [k.term, k.title ?? '', catalog.location(k) ?? '', k.actions.map((a) => a.term).join(' ')]), ctx.style));
    if (showTemplates) {
      for (const [family, ms] of templates) {
        section(`TEMPLATES ${family}`, table(['TERM', 'TITLE', 'ATTRIBUTES'], ms.map((m) => [m.term, m.title ?? '', defaults(m)]), ctx.style));
      }
    }
    section('MIXINS', table(['NAME', 'TITLE', 'APPLIES TO'], mixins.map((m) => [shortId(m), m.title ?? '', m.applies.map((k) => k.term).join(' ')]), ctx.style));
    section('ACTIONS', table(['NAME', 'TITLE', 'PARAMETERS'], actions.map((a) => [shortId(a), a.title ?? '', [...a.attributes.keys()].join(' ')]), ctx.style));
    ctx.io.stdout.write(out.join('\n'));
    return 0;
  },
};

/** A template's attribute defaults, e.g. `cores=2 memory=4` (CRTP). */
function defaults(m: Mixin): string {
  return [...m.attributes.values()].filter((d) => d.default !== undefined).map((d) => `${d.name.replace(/^occi\.compute\./, '')}=${valueText(d.default)}`).join(' ');
}

function findCategory(catalog: Catalog, name: string): Category {
  const exact = catalog.find(name);
  if (exact) return exact;
  for (const resolve of [() => catalog.resolveKind(name), () => catalog.resolveMixin(name), () => catalog.resolveAction(name)]) {
    try {
      return resolve();
    } catch {
      // Not this class of category: the next.
    }
  }
  return catalog.resolveKind(name);
}

/** `occi list`. */
export const listCommand: Command = {
  name: 'list',
  summary: 'list the members of a kind or mixin collection',
  usage: 'occi list KIND|MIXIN [--filter NAME=VALUE]... [--mixin NAME]... [--title T] [--state S]',
  description: 'Lists the entities of a kind (compute, network, storage, networkinterface, storagelink) or of a mixin (a template or a tag). Filters go to the server (HTTP Protocol §9).',
  options: {
    filter: { type: 'string', multiple: true }, mixin: { type: 'string', short: 'M', multiple: true },
    title: { type: 'string' }, state: { type: 'string' },
  },
  optionHelp: [
    ['--filter NAME=VALUE', 'only entities whose attribute has this value (repeatable)'],
    ['--mixin NAME', 'only entities with this mixin, e.g. os_tpl#debian12 (repeatable)'],
    ['--title TITLE', 'only entities with this title'],
    ['--state STATE', 'only entities in this state (active, inactive, …)'],
  ],
  examples: ['occi list compute', 'occi list compute --state active', 'occi list compute --mixin os_tpl#debian12 -o json', 'occi list storage -o uri | xargs -n1 occi show'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'what to list: a kind (compute, network, storage, …) or a mixin');
    const client = await ctx.client();
    const catalog = await client.discover();
    const { category, url } = await client.collection(args[0]);
    const attributes: Attributes = {};
    for (const item of list(ctx.values, 'filter')) {
      const [name, raw] = assignment(item, 'filter');
      attributes[name] = typedValue(name, raw, category?.class === 'kind' ? (category as Kind).allAttributes.get(name) : undefined);
    }
    const title = str(ctx.values, 'title');
    if (title !== undefined) attributes['occi.core.title'] = title;
    const state = str(ctx.values, 'state');
    if (state !== undefined) {
      const attribute = catalog.stateAttribute(category?.class === 'kind' ? (category as Kind) : undefined);
      if (attribute === undefined) throw new UsageError(`--state: ${args[0]} has no state attribute; use --filter NAME=VALUE`);
      attributes[attribute] = state;
    }
    const filter = { categories: list(ctx.values, 'mixin'), attributes };
    if (ctx.format === 'uri') {
      ctx.io.stdout.write((await client.list(args[0], { filter })).map((u) => `${u}\n`).join(''));
      return 0;
    }
    let entities = await client.listEntities(args[0], { filter });
    // Servers that ignore filters (some 1.1 ones) still give what was asked for.
    entities = entities.filter((e) => Object.entries(attributes).every(([n, v]) => valueText(attributeOf(e, n)) === valueText(v)));
    if (ctx.format === 'json') ctx.io.stdout.write(json(entities.map((e) => entityJson(e, client))));
    else if (ctx.format === 'plain') {
      ctx.io.stdout.write(entities.map((e) => `${client.url(e.location).href}\t${e.id}\t${titleOf(e)}\t${stateOf(e, catalog)}\n`).join(''));
    } else {
      const { headers, rows } = listColumns(entities, catalog, ctx.style);
      ctx.io.stdout.write(table(headers, rows, ctx.style));
      ctx.io.stdout.write(`${paint(entities.length === 0 ? `nothing in ${url.pathname}` : `${entities.length} in ${url.pathname}`, 'dim', ctx.style)}\n`);
    }
    return 0;
  },
};

function attributeOf(e: Entity, name: string) {
  return name === 'occi.core.id' ? e.id : e.attributes[name];
}

/** `occi show`. */
export const show: Command = {
  name: 'show',
  summary: 'show entities: kind, mixins, state, actions, attributes, links',
  usage: 'occi show URL|ID|TITLE...',
  description: 'An entity is named by its URL, its path (/compute/…), kind/id, its id alone, or its title.',
  options: {},
  optionHelp: [],
  examples: ['occi show web-1', 'occi show /compute/4f1c… -o json', 'occi list compute -o uri | xargs occi show -o plain'],
  pipe: 'json',
  async run(ctx, args) {
    need(args, 1, 'the entity to show (URL, path, id or title)');
    const client = await ctx.client();
    const catalog = await client.discover();
    const entities: Entity[] = [];
    for (const ref of args) entities.push(await client.get(ref));
    if (ctx.format === 'json') {
      ctx.io.stdout.write(json(entities.length === 1 ? entityJson(entities[0], client) : entities.map((e) => entityJson(e, client))));
      return 0;
    }
    const parts = entities.map((e) => {
      const url = client.url(e.location).href;
      if (ctx.format === 'uri') return `${url}\n`;
      if (ctx.format === 'plain') return plainEntity(e, url);
      return showEntity(e, url, catalog, ctx.style);
    });
    ctx.io.stdout.write(parts.join(ctx.format === 'uri' ? '' : '\n'));
    return 0;
  },
};

/** `occi wait`. */
export const wait: Command = {
  name: 'wait',
  summary: 'wait until an entity reaches a state, showing progress',
  usage: 'occi wait URL|ID|TITLE [STATE] [--wait-timeout SECONDS]',
  description: 'Reads the entity every 2 seconds until its state attribute (occi.compute.state, …) has the value: active by default (online for storage). Exit code 8 when it does not in time or goes to error.',
  options: { 'wait-timeout': { type: 'string' } },
  optionHelp: [['--wait-timeout SECONDS', 'give up after this long (default 300)']],
  examples: ['occi wait web-1', 'occi wait web-1 inactive --wait-timeout 60'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'the entity to wait for');
    const client = await ctx.client();
    const catalog = await client.discover();
    const url = (await client.resolve(args[0])).href;
    const state = args[1] ?? readyState(catalog.kindOfPath(new URL(url).pathname));
    const entity = await waitWithProgress(ctx, client, url, state, args[0]);
    if (ctx.format === 'json') ctx.io.stdout.write(json(entityJson(entity, client)));
    else if (ctx.format !== 'table') ctx.io.stdout.write(`${url}\n`);
    return 0;
  },
};
