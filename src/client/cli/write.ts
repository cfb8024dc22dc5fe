import {
  OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA, SSH_KEY, USER_DATA, type Attributes, type Kind, type Mixin, type Resource,
} from '../../model/index.js';
import type { Catalog } from '../catalog.js';
import type { OcciClient } from '../client.js';
import type { Entity, LinkSpec } from '../types.js';
import { LookupError, UsageError } from '../errors.js';
import { ACTION_TARGETS, need, readyState, waitWithProgress, type Command, type Ctx } from './command.js';
import { entityJson, json, paint, paintState, showEntity, stateOf } from './format.js';
import { list, str } from './options.js';
import { attributesFrom, definitionsFor, fileOrText, mixinsFrom, splitCommas } from './values.js';

const WAIT_HELP: readonly [string, string] = ['--wait [STATE]', 'then wait for STATE with a progress display (default: the state the command leads to)'];
const WAIT_TIMEOUT_HELP: readonly [string, string] = ['--wait-timeout SECONDS', 'how long --wait waits (default 300)'];

/** Prints what a command made or changed: a line on a terminal, the URL in a pipe, the entity in JSON. */
async function report(ctx: Ctx, client: OcciClient, url: string, done: string, entity?: Entity): Promise<void> {
  switch (ctx.format) {
    case 'json':
      ctx.io.stdout.write(json(entityJson(entity ?? (await client.get(url)), client)));
      break;
    case 'table': {
      const state = entity ? stateOf(entity, await client.discover()) : '';
      ctx.io.stdout.write(`${paint(done, 'green', ctx.style)} ${url}${state ? ` (${paintState(state, ctx.style)})` : ''}\n`);
      break;
    }
    default:
      ctx.io.stdout.write(`${url}\n`);
  }
}

/** The contextualisation mixin of a server: OCCI 1.2's, or the OpenStack one 1.1 servers (and rOCCI-cli) use. */
function contextMixin(catalog: Catalog, preferred: readonly Mixin[]): Mixin {
  for (const m of preferred) {
    const found = catalog.find(m.id);
    if (found?.class === 'mixin') return found as Mixin;
  }
  throw new LookupError(`the server offers no ${preferred.map((m) => m.term).join(' or ')} mixin (${preferred.map((m) => m.id).join(', ')})`);
}

/** `--ssh-key`, `--user-data` and rOCCI-cli's `--context public_key=…,user_data=…` as mixins and attributes. */
function context(ctx: Ctx, catalog: Catalog, mixins: Mixin[], attributes: Attributes): void {
  const stdin = () => ctx.io.readStdin();
  const key = (text: string, openstackFirst: boolean) => {
    const m = contextMixin(catalog, openstackFirst ? [OPENSTACK_PUBLIC_KEY, SSH_KEY] : [SSH_KEY, OPENSTACK_PUBLIC_KEY]);
    mixins.push(m);
    attributes[m === SSH_KEY || m.id === SSH_KEY.id ? 'occi.credentials.ssh.publickey' : 'org.openstack.credentials.publickey.data'] = text.trim();
  };
  const data = (text: string, openstackFirst: boolean) => {
    const m = contextMixin(catalog, openstackFirst ? [OPENSTACK_USER_DATA, USER_DATA] : [USER_DATA, OPENSTACK_USER_DATA]);
    mixins.push(m);
    // Both attributes carry Base64 (Infrastructure 1.2 §10; rOCCI-cli encodes it the same way).
    attributes[m.id === USER_DATA.id ? 'occi.compute.userdata' : 'org.openstack.compute.user_data'] = Buffer.from(text, 'utf8').toString('base64');
  };
  const sshKey = str(ctx.values, 'ssh-key');
  if (sshKey !== undefined) key(fileOrText(sshKey, stdin), false);
  const userData = str(ctx.values, 'user-data');
  if (userData !== undefined) data(fileOrText(userData, stdin), false);
  for (const item of splitCommas(list(ctx.values, 'context'))) {
    const m = /^(public_key|user_data)=(.+)$/s.exec(item);
    if (!m) throw new UsageError(`--context takes public_key=VALUE or user_data=VALUE (file://PATH for a file), not "${item}"`);
    const value = m[2].startsWith('file://') ? fileOrText(`@${m[2].slice('file://'.length)}`, stdin) : m[2];
    if (m[1] === 'public_key') key(value, true);
    else data(value, true);
  }
}

/** `occi create`. */
export const create: Command = {
  name: 'create',
  summary: 'create a compute, network, storage (or any kind)',
  usage: 'occi create KIND [--os NAME] [--size NAME] [--title T] [--mixin M]... [--attribute K=V]... [--link URL]... [--ssh-key @FILE] [--user-data @FILE] [--wait [STATE]]',
  description: 'Prints the new entity\'s URL. Templates are named by term or title (occi discover --templates lists them).',
  options: {
    os: { type: 'string' }, size: { type: 'string' }, title: { type: 'string' }, summary: { type: 'string' },
    mixin: { type: 'string', short: 'M', multiple: true }, attribute: { type: 'string', short: 't', multiple: true },
    link: { type: 'string', short: 'j', multiple: true }, 'ssh-key': { type: 'string' }, 'user-data': { type: 'string' },
    context: { type: 'string', short: 'T', multiple: true }, wait: { type: 'string' }, 'wait-timeout': { type: 'string' },
  },
  optionHelp: [
    ['--os NAME', 'OS template (os_tpl), by term or title'],
    ['--size NAME', 'resource template (resource_tpl), e.g. small'],
    ['--title TITLE', 'occi.core.title'],
    ['--summary TEXT', 'occi.core.summary'],
    ['--mixin NAME', 'another mixin, e.g. ipnetwork or a tag (repeatable)'],
    ['--attribute NAME=VALUE', 'an attribute; VALUE may be @FILE (repeatable)'],
    ['--link URL', 'link to a network or storage at creation (repeatable)'],
    ['--ssh-key KEY|@FILE', 'public SSH key (ssh_key mixin)'],
    ['--user-data TEXT|@FILE', 'contextualisation data, e.g. cloud-init (user_data mixin, sent Base64)'],
    ['--context public_key=…|user_data=…', "rOCCI-cli's contextualisation (file://PATH reads a file)"],
    WAIT_HELP, WAIT_TIMEOUT_HELP,
  ],
  examples: [
    'occi create compute --os debian12 --size small --title web-1 --ssh-key @~/.ssh/id_ed25519.pub',
    'occi create network --title lan --mixin ipnetwork --attribute occi.network.address=10.1.0.0/24',
    'occi create storage --title data --attribute occi.storage.size=10',
    'occi create compute --title db --link lan --link data',
  ],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'the kind to create (compute, network, storage, …)');
    const client = await ctx.client();
    const catalog = await client.discover();
    const kind = catalog.resolveKind(args[0]);
    const mixins: Mixin[] = [];
    const os = str(ctx.values, 'os');
    if (os !== undefined) mixins.push(catalog.resolveMixin(os, 'os_tpl'));
    const size = str(ctx.values, 'size');
    if (size !== undefined) mixins.push(catalog.resolveMixin(size, 'resource_tpl'));
    mixins.push(...mixinsFrom(catalog, list(ctx.values, 'mixin')));
    const attributes: Attributes = {};
    context(ctx, catalog, mixins, attributes);
    Object.assign(attributes, attributesFrom(list(ctx.values, 'attribute'), definitionsFor(kind, mixins), () => ctx.io.readStdin()));
    const title = str(ctx.values, 'title');
    if (title !== undefined) attributes['occi.core.title'] = title;
    const summary = str(ctx.values, 'summary');
    if (summary !== undefined) attributes['occi.core.summary'] = summary;
    const links: LinkSpec[] = list(ctx.values, 'link').map((target) => ({ target }));
    const url = await client.create({ kind: kind.id, mixins: [...new Set(mixins.map((m) => m.id))], attributes, links });
    const waitFor = str(ctx.values, 'wait');
    let entity: Entity | undefined;
    if (waitFor !== undefined) entity = await waitWithProgress(ctx, client, url, waitFor || readyState(kind), title ?? url);
    await report(ctx, client, url, 'created', entity);
    return 0;
  },
};

/** `occi update`. */
export const update: Command = {
  name: 'update',
  summary: 'change attributes, add mixins or links (POST); or replace the entity (--replace: PUT)',
  usage: 'occi update URL|ID|TITLE [--attribute K=V]... [--title T] [--mixin M]... [--link URL]... [--replace]',
  options: {
    attribute: { type: 'string', short: 't', multiple: true }, title: { type: 'string' }, summary: { type: 'string' },
    mixin: { type: 'string', short: 'M', multiple: true }, link: { type: 'string', short: 'j', multiple: true }, replace: { type: 'boolean' },
  },
  optionHelp: [
    ['--attribute NAME=VALUE', 'set an attribute (repeatable)'],
    ['--title TITLE', 'set occi.core.title'],
    ['--summary TEXT', 'set occi.core.summary'],
    ['--mixin NAME', 'add a mixin, e.g. a new resource_tpl#large to resize (repeatable)'],
    ['--link URL', 'add a link to a network or storage (repeatable)'],
    ['--replace', 'replace the whole entity with what is given (PUT): attributes left out are reset'],
  ],
  examples: ['occi update web-1 --title web-2', 'occi update web-1 --mixin resource_tpl#medium', 'occi update data --attribute occi.storage.size=20'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'the entity to update');
    const client = await ctx.client();
    const catalog = await client.discover();
    const url = (await client.resolve(args[0])).href;
    const kind = catalog.kindOfPath(new URL(url).pathname);
    const mixins = mixinsFrom(catalog, list(ctx.values, 'mixin'));
    const attributes = attributesFrom(list(ctx.values, 'attribute'), definitionsFor(kind, mixins), () => ctx.io.readStdin());
    const title = str(ctx.values, 'title');
    if (title !== undefined) attributes['occi.core.title'] = title;
    const summary = str(ctx.values, 'summary');
    if (summary !== undefined) attributes['occi.core.summary'] = summary;
    const links = list(ctx.values, 'link').map((target) => ({ target }));
    if (Object.keys(attributes).length === 0 && mixins.length === 0 && links.length === 0 && ctx.values.replace !== true) {
      throw new UsageError('nothing to change: give --attribute, --title, --mixin or --link');
    }
    const spec = { attributes, mixins: mixins.map((m) => m.id), links };
    const after = ctx.values.replace === true ? await client.replace(url, { ...spec, ...(kind ? { kind: kind.id } : {}) }) : await client.update(url, spec);
    if (ctx.format === 'table') {
      const entity = after ?? (await client.get(url));
      ctx.io.stdout.write(showEntity(entity, url, catalog, ctx.style));
    } else await report(ctx, client, url, 'updated', after);
    return 0;
  },
};

/** `occi delete`. */
export const remove: Command = {
  name: 'delete',
  summary: 'delete entities (their links go with them), or a whole collection with --all',
  usage: 'occi delete URL|ID|TITLE...  |  occi delete KIND --all',
  options: { all: { type: 'boolean' } },
  optionHelp: [['--all', 'delete every member of the kind named (HTTP Protocol 1.2 §6.5)']],
  examples: ['occi delete web-1', 'occi list compute --state inactive -o uri | xargs occi delete', 'occi delete compute --all'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'what to delete');
    const client = await ctx.client();
    if (ctx.values.all === true) {
      for (const c of args) {
        const { url } = await client.collection(c);
        await client.deleteAll(c);
        if (ctx.format === 'table') ctx.io.stdout.write(`${paint('deleted', 'green', ctx.style)} every member of ${url.href}\n`);
      }
      return 0;
    }
    for (const ref of args) {
      const url = (await client.resolve(ref)).href;
      await client.delete(url);
      reportDone(ctx, 'deleted', url);
    }
    return 0;
  },
};

/** `occi do`. */
export const doAction: Command = {
  name: 'do',
  summary: 'invoke an action: start, stop, restart, suspend, save, up, down, online, offline',
  usage: 'occi do URL|ID|TITLE ACTION [--param K=V]... [--wait [STATE]]  |  occi do KIND ACTION --all',
  options: {
    param: { type: 'string', short: 'P', multiple: true }, attribute: { type: 'string', short: 't', multiple: true },
    all: { type: 'boolean' }, wait: { type: 'string' }, 'wait-timeout': { type: 'string' },
  },
  optionHelp: [
    ['--param NAME=VALUE', "an action parameter, e.g. method=graceful (repeatable; --attribute too)"],
    ['--all', 'on every member of the kind or mixin named'],
    WAIT_HELP, WAIT_TIMEOUT_HELP,
  ],
  examples: ['occi do web-1 start --wait', 'occi do web-1 stop --param method=graceful', 'occi do web-1 save --param name=web-golden', 'occi do compute stop --all'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 2, 'the entity and the action (e.g. occi do web-1 start)');
    const [ref, name] = args;
    const client = await ctx.client();
    const catalog = await client.discover();
    const raw = [...list(ctx.values, 'param'), ...list(ctx.values, 'attribute')];
    if (ctx.values.all === true) {
      const { category } = await client.collection(ref);
      const action = catalog.resolveAction(name, category?.class === 'kind' ? catalog.actionsFor(category as Kind, []) : []);
      await client.triggerAll(ref, action.id, attributesFrom(raw, action.attributes, () => ctx.io.readStdin()));
      if (ctx.format === 'table') ctx.io.stdout.write(`${paint(action.term, 'green', ctx.style)} on every member of ${ref}\n`);
      return 0;
    }
    const url = (await client.resolve(ref)).href;
    const action = catalog.resolveAction(name, catalog.actionsFor(catalog.kindOfPath(new URL(url).pathname), []));
    const result = await client.trigger(url, action.id, attributesFrom(raw, action.attributes, () => ctx.io.readStdin()));
    if (result.categories) {
      // `save`: the new OS template.
      const ids = result.categories.map((c) => c.scheme + c.term);
      if (ctx.format === 'json') ctx.io.stdout.write(json(result.categories));
      else if (ctx.format === 'table') ctx.io.stdout.write(`${paint(action.term, 'green', ctx.style)} ${url}: new template ${ids.join(', ')}\n`);
      else ctx.io.stdout.write(ids.map((i) => `${i}\n`).join(''));
      return 0;
    }
    const waitFor = str(ctx.values, 'wait');
    let entity = result.entity;
    if (waitFor !== undefined) {
      const state = waitFor || ACTION_TARGETS[action.term];
      if (state === undefined) throw new UsageError(`which state does ${action.term} lead to? Say it: --wait STATE`);
      entity = await waitWithProgress(ctx, client, url, state, ref);
    }
    await report(ctx, client, url, action.term, entity);
    return 0;
  },
};

/** `occi link`. */
export const link: Command = {
  name: 'link',
  summary: 'link a compute to a network (networkinterface) or a storage (storagelink)',
  usage: 'occi link SOURCE TARGET [--kind KIND] [--attribute K=V]... [--mixin M]...',
  options: { kind: { type: 'string' }, attribute: { type: 'string', short: 't', multiple: true }, mixin: { type: 'string', short: 'M', multiple: true } },
  optionHelp: [
    ['--kind KIND', 'the link\'s kind (default: networkinterface to a network, storagelink to a storage)'],
    ['--attribute NAME=VALUE', 'a link attribute, e.g. occi.storagelink.deviceid=/dev/vdb (repeatable)'],
    ['--mixin NAME', 'a link mixin, e.g. ipnetworkinterface (repeatable)'],
  ],
  examples: ['occi link web-1 lan', 'occi link web-1 data --attribute occi.storagelink.mountpoint=/srv'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 2, 'the source and the target (e.g. occi link web-1 lan)');
    const client = await ctx.client();
    const catalog = await client.discover();
    const kindName = str(ctx.values, 'kind');
    const mixins = mixinsFrom(catalog, list(ctx.values, 'mixin'));
    const kind = kindName !== undefined ? catalog.resolveKind(kindName) : catalog.linkKindFor(catalog.kindOfPath((await client.resolve(args[1])).pathname));
    const attributes = attributesFrom(list(ctx.values, 'attribute'), definitionsFor(kind, mixins), () => ctx.io.readStdin());
    const url = await client.link(args[0], args[1], { ...(kind ? { kind: kind.id } : {}), mixins: mixins.map((m) => m.id), attributes });
    await report(ctx, client, url, 'linked');
    return 0;
  },
};

/** `occi unlink`. */
export const unlink: Command = {
  name: 'unlink',
  summary: 'delete a link: by its URL, or every link from SOURCE to TARGET',
  usage: 'occi unlink LINK  |  occi unlink SOURCE TARGET',
  options: {},
  optionHelp: [],
  examples: ['occi unlink /networkinterface/0c1…', 'occi unlink web-1 lan'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 1, 'the link, or its source and target');
    const client = await ctx.client();
    let urls: string[];
    if (args.length === 1) urls = [(await client.resolve(args[0])).href];
    else {
      const source = (await client.get(args[0])) as Resource;
      const target = (await client.resolve(args[1])).pathname;
      urls = (source.links ?? []).filter((l) => l.target === target || client.url(l.target).pathname === target).map((l) => client.url(l.location).href);
      if (urls.length === 0) throw new LookupError(`${args[0]} has no link to ${args[1]}`);
    }
    for (const url of urls) {
      await client.unlink(url);
      reportDone(ctx, 'unlinked', url);
    }
    return 0;
  },
};

/** `occi mixin`. */
export const mixin: Command = {
  name: 'mixin',
  summary: 'tag entities with a mixin, untag them, define or delete a user mixin',
  usage: 'occi mixin add|remove MIXIN ENTITY...  |  occi mixin define TERM [--title T] [--scheme S] [--location PATH]  |  occi mixin delete MIXIN',
  options: {
    title: { type: 'string' }, scheme: { type: 'string' }, location: { type: 'string' },
    depends: { type: 'string', multiple: true }, applies: { type: 'string', multiple: true },
  },
  optionHelp: [
    ['--title TITLE', 'define: the mixin\'s title'],
    ['--scheme URI', 'define: its scheme, ending in # (default <endpoint>/occi/tags#)'],
    ['--location PATH', 'define: its collection (default /tags/TERM/)'],
    ['--depends MIXIN', 'define: a mixin it depends on (repeatable)'],
    ['--applies KIND', 'define: a kind it applies to (repeatable)'],
  ],
  examples: ['occi mixin define prod --title Production', 'occi mixin add prod web-1 web-2', 'occi list prod', 'occi mixin remove prod web-2', 'occi mixin delete prod'],
  subcommands: ['add', 'remove', 'define', 'delete'],
  pipe: 'uri',
  async run(ctx, args) {
    need(args, 2, 'what to do: add, remove, define or delete, and the mixin');
    const [verb, name, ...refs] = args;
    const client = await ctx.client();
    const done = (text: string) => ctx.format === 'table' && ctx.io.stdout.write(`${paint(text, 'green', ctx.style)}\n`);
    switch (verb) {
      case 'add':
      case 'remove': {
        need(refs, 1, `the entities to ${verb === 'add' ? 'tag' : 'untag'}`);
        if (verb === 'add') await client.addMixin(name, refs);
        else await client.removeMixin(name, refs);
        done(`${verb === 'add' ? 'added' : 'removed'} ${name} ${verb === 'add' ? 'to' : 'from'} ${refs.join(', ')}`);
        return 0;
      }
      case 'define': {
        const m = await client.defineMixin({
          term: name, scheme: str(ctx.values, 'scheme'), title: str(ctx.values, 'title'), location: str(ctx.values, 'location'),
          depends: list(ctx.values, 'depends'), applies: list(ctx.values, 'applies'),
        });
        const catalog = await client.discover();
        if (ctx.format === 'table') done(`defined ${m.id} at ${catalog.location(m) ?? '(no location)'}`);
        else ctx.io.stdout.write(ctx.format === 'json' ? json({ id: m.id, location: catalog.location(m) }) : `${m.id}\n`);
        return 0;
      }
      case 'delete':
      case 'undefine':
        await client.undefineMixin(name);
        done(`deleted ${name}`);
        return 0;
      default:
        throw new UsageError(`mixin takes add, remove, define or delete, not "${verb}"`);
    }
  },
};

/** What a verb did to one entity: a coloured line on a terminal, the bare URL in a pipe, nothing for JSON. */
function reportDone(ctx: Parameters<Command['run']>[0], verb: string, url: string): void {
  if (ctx.format === 'table') ctx.io.stdout.write(`${paint(verb, 'green', ctx.style)} ${url}\n`);
  else if (ctx.format !== 'json') ctx.io.stdout.write(`${url}\n`);
}
