import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Action, Attributes, Kind, Mixin } from '../../model/index.js';
import { RENDERINGS } from '../../rendering/index.js';
import type { Catalog } from '../catalog.js';
import type { OcciClient } from '../client.js';
import type { LinkSpec } from '../types.js';
import { LookupError, UsageError, WaitError } from '../errors.js';
import { CLIENT_VERSION } from '../version.js';
import { ROCCI_HELP } from './help.js';
import type { Io } from './io.js';
import { clientFrom, str, type Values } from './options.js';
import { ROCCI_FORMATS, entities, kinds, locations, mixins, type RocciFormat } from './rocci-format.js';
import { readyState } from './command.js';
import { assignment, definitionsFor, fileOrText, splitCommas, typedValue } from './values.js';

/**
 * rOCCI-cli 4.x's command line (`occi --endpoint … --action create
 * --resource compute --mixin os_tpl#… --attribute occi.core.title=…`),
 * accepted unchanged: its options, its short letters, its comma lists, its
 * checks and messages, its output shapes. The library underneath is the
 * same as the modern verbs'.
 */

const OPTIONS = {
  endpoint: { type: 'string', short: 'e' },
  auth: { type: 'string', short: 'n' },
  timeout: { type: 'string', short: 'k' },
  username: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'p' },
  'ca-path': { type: 'string', short: 'c' },
  'ca-file': { type: 'string', short: 'f' },
  'skip-ca-check': { type: 'boolean', short: 's' },
  filter: { type: 'string', short: 'F' },
  'user-cred': { type: 'string', short: 'x' },
  voms: { type: 'boolean', short: 'X' },
  token: { type: 'string', short: 'q' },
  'media-type': { type: 'string', short: 'y' },
  resource: { type: 'string', short: 'r' },
  attribute: { type: 'string', short: 't', multiple: true },
  context: { type: 'string', short: 'T', multiple: true },
  action: { type: 'string', short: 'a' },
  mixin: { type: 'string', short: 'M', multiple: true },
  link: { type: 'string', short: 'j', multiple: true },
  'trigger-action': { type: 'string', short: 'g' },
  'entity-type': { type: 'string', short: 'i' },
  'log-to': { type: 'string', short: 'l' },
  'output-format': { type: 'string', short: 'o' },
  'log-level': { type: 'string', short: 'b' },
  'wait-for-active': { type: 'string', short: 'w' },
  examples: { type: 'boolean', short: 'z' },
  'dump-model': { type: 'boolean', short: 'm' },
  debug: { type: 'boolean', short: 'd' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  // Ours, for what rOCCI-cli read from elsewhere (its keystone plugin's environment).
  key: { type: 'string' },
  project: { type: 'string' },
  domain: { type: 'string' },
  'keystone-url': { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

const GRID_CAS = '/etc/grid-security/certificates';
const ACTIONS = ['list', 'describe', 'create', 'delete', 'trigger', 'link', 'unlink', 'discover', 'update'];

/** Is this a rOCCI-cli command line? Its mark is `--action` (or `--dump-model`, `--examples`). */
export function isRocci(argv: readonly string[]): boolean {
  return argv.some((a) => a === '-a' || a === '--action' || a.startsWith('--action=') || a === '-m' || a === '--dump-model' || a === '-z' || a === '--examples');
}

export async function runRocci(argv: readonly string[], io: Io): Promise<number> {
  let values: Values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(`${message.charAt(0).toUpperCase()}${message.slice(1)} (occi help rocci)`);
  }
  if (values.help) {
    io.stdout.write(ROCCI_HELP);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`${CLIENT_VERSION}\n`);
    return 0;
  }
  const endpoint = str(values, 'endpoint') ?? io.env.OCCI_ENDPOINT ?? 'http://127.0.0.1:8787';
  if (values.examples) {
    io.stdout.write(ROCCI_HELP.slice(ROCCI_HELP.indexOf('Examples:')).replaceAll('http://127.0.0.1:8787', endpoint));
    return 0;
  }
  const format = (str(values, 'output-format') ?? 'plain') as RocciFormat;
  if (!ROCCI_FORMATS.includes(format)) throw new UsageError(`Invalid argument: --output-format ${format} (only: ${ROCCI_FORMATS.join('|')})`);
  if (values['dump-model'] !== true && values.filter !== undefined) throw new UsageError("You cannot use '--filter' without '--dump-model'!");
  const action = str(values, 'action');
  if (action !== undefined && !ACTIONS.includes(action)) throw new UsageError(`Invalid argument: --action ${action} (only: ${ACTIONS.join('|')})`);
  if (values['dump-model'] !== true) checkMandatory(values, action);
  const mapped: Values = {
    ...values,
    auth: str(values, 'auth') === 'oauth2' ? 'bearer' : values.auth,
    insecure: values['skip-ca-check'] === true || values.insecure === true,
    verbose: values.debug,
    endpoint,
    // rOCCI-cli's default CA directory, when it exists.
    'ca-path': values['ca-path'] ?? (io.env.X509_CERT_DIR === undefined && existsSync(GRID_CAS) ? GRID_CAS : undefined),
  };
  const client = await clientFrom(mapped, io);
  try {
    const catalog = await client.discover();
    const width = io.stdout.columns ?? 80;
    const print = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    if (values['dump-model'] === true) {
      print(dumpModel(catalog, str(values, 'filter')));
      return 0;
    }
    const resource = str(values, 'resource') ?? '';
    switch (action) {
      case 'list':
        print(await list(client, catalog, resource, format));
        return 0;
      case 'describe':
        print(await describe(client, catalog, resource, format, width));
        return 0;
      case 'create':
        print(await create(client, catalog, values, io));
        return 0;
      case 'delete':
      case 'unlink':
        if (isInstance(resource, endpoint)) await client.delete(resource);
        else await client.deleteAll(kindOf(catalog, resource).id);
        return 0;
      case 'trigger': {
        const params = attributes(values, undefined);
        const name = str(values, 'trigger-action')!;
        // rOCCI-cli's `action#stop` (no real scheme) means the term.
        const term = /^[a-z][a-z0-9+.-]*:/i.test(name) ? name : name.slice(name.lastIndexOf('#') + 1);
        if (isInstance(resource, endpoint)) {
          const result = await client.trigger(resource, term, params);
          if (result.categories) print(locations(result.categories.map((c) => c.scheme + c.term), format));
        } else await client.triggerAll(kindOf(catalog, resource).id, term, params);
        return 0;
      }
      case 'link':
        print(await link(client, catalog, values, resource, endpoint));
        return 0;
      case 'update':
        if (!isInstance(resource, endpoint)) throw new UsageError(`Unknown resource ${JSON.stringify(resource)}, there is nothing to update here!`);
        await client.update(resource, { mixins: splitCommas(listOf(values, 'mixin')).map((m) => catalog.resolveMixin(m).id) });
        return 0;
      case 'discover': {
        const type = str(values, 'entity-type');
        if (type !== 'resource' && type !== 'link') throw new UsageError(`Unknown entity type ${JSON.stringify(type)}, terminating discovery!`);
        const found = catalog.kinds.filter((k) => k.parent !== undefined && (type === 'link' ? catalog.isLinkKind(k) : !catalog.isLinkKind(k)));
        print(kinds(found, catalog, format, width));
        return 0;
      }
      default:
        throw new UsageError('Missing required arguments: action');
    }
  } finally {
    client.close();
  }
}

/** rOCCI-cli's mandatory arguments, with its message. */
function checkMandatory(values: Values, action: string | undefined): void {
  const missing: string[] = [];
  const blank = (name: string) => {
    const v = values[name];
    return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  };
  if (action === 'trigger' && blank('trigger-action')) missing.push('trigger_action');
  if (action === 'create') {
    if (blank('mixin') && values.resource === 'compute' && blank('link')) missing.push('links');
    if (blank('attribute')) missing.push('attributes');
  }
  if (action === 'link' && blank('link')) missing.push('links');
  if (action === 'discover') {
    if (blank('entity-type')) missing.push('entity_type');
  } else {
    if (blank('resource')) missing.push('resource');
    if (action === undefined) missing.push('action');
  }
  if (action === 'update' && blank('mixin')) missing.push('mixins');
  if (missing.length > 0) throw new UsageError(`Missing required arguments: ${missing.join(', ')}`);
  if (action === 'create') {
    const title = splitCommas(listOf(values, 'attribute')).some((a) => /^occi\.core\.title=.+/.test(a));
    if (!title) throw new UsageError('Missing required arguments: occi.core.title');
  }
}

function listOf(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : [];
}

function isInstance(resource: string, endpoint: string): boolean {
  return resource.startsWith('/') || resource.startsWith(endpoint) || /^https?:\/\//.test(resource);
}

function kindOf(catalog: Catalog, resource: string): Kind {
  try {
    return catalog.resolveKind(resource);
  } catch (err) {
    if (err instanceof LookupError) throw new LookupError(`Unknown resource ${JSON.stringify(resource)}: ${err.message}`, err.candidates);
    throw err;
  }
}

/** A template family (os_tpl, resource_tpl, or its type id), if `resource` names one. */
function family(catalog: Catalog, resource: string): string | undefined {
  const term = resource.includes('#') ? resource.slice(resource.lastIndexOf('#') + 1) : resource;
  if (resource.includes('#') && !catalog.find(resource)) return undefined;
  return catalog.mixins.some((m) => m.term === term) || ['os_tpl', 'resource_tpl'].includes(term) ? term : undefined;
}

async function list(client: OcciClient, catalog: Catalog, resource: string, format: RocciFormat): Promise<string> {
  const fam = family(catalog, resource);
  if (fam !== undefined && catalog.kinds.every((k) => k.term !== resource && k.id !== resource)) {
    return locations(catalog.templates(fam).map((m) => m.id), format);
  }
  const kind = kindOf(catalog, resource);
  return locations(await client.list(kind.id), format);
}

async function describe(client: OcciClient, catalog: Catalog, resource: string, format: RocciFormat, width: number): Promise<string> {
  const endpoint = client.endpoint.href.replace(/\/$/, '');
  if (isInstance(resource, endpoint)) return entities([await client.get(resource)], catalog, format, width);
  const kind = catalog.kinds.find((k) => k.term === resource || k.id === resource);
  if (kind) return entities(await client.listEntities(kind.id), catalog, format, width);
  const fam = family(catalog, resource);
  if (fam !== undefined) return mixins(catalog.templates(fam), catalog, format, width);
  if (resource.includes('#')) return mixins([catalog.resolveMixin(resource)], catalog, format, width);
  throw new LookupError(`Unknown resource ${JSON.stringify(resource)}, there is nothing to describe here!`);
}

/** rOCCI-cli's values: text, or num(…), float(…), bool(…); typed further by the server's definitions. */
function attributes(values: Values, defs: ReturnType<typeof definitionsFor> | undefined): Attributes {
  const out: Attributes = {};
  for (const item of splitCommas(listOf(values, 'attribute'))) {
    const [name, raw] = assignment(item);
    out[name] = typedValue(name, raw, defs?.get(name));
  }
  return out;
}

async function create(client: OcciClient, catalog: Catalog, values: Values, io: Io): Promise<string> {
  const resource = str(values, 'resource')!;
  const kind = kindOf(catalog, resource);
  const chosen: Mixin[] = splitCommas(listOf(values, 'mixin')).map((m) => catalog.resolveMixin(m));
  const ctx: Attributes = {};
  for (const item of splitCommas(listOf(values, 'context'))) {
    const m = /^(\S+?)=(.+)$/s.exec(item);
    if (!m) throw new UsageError('Context variables must always contain ATTR=VALUE pairs!');
    if (m[1] !== 'public_key' && m[1] !== 'user_data') throw new UsageError(`Only public_key, user_data context variables are supported! ${JSON.stringify(m[1])}`);
    const value = m[2].startsWith('file://') ? fileOrText(`@${m[2].slice('file://'.length)}`, () => io.readStdin()) : m[2];
    // rOCCI-cli's own mixins (Infrastructure §12), whatever the server lists.
    if (m[1] === 'public_key') {
      chosen.push(openstack(catalog, 'http://schemas.openstack.org/instance/credentials#public_key'));
      ctx['org.openstack.credentials.publickey.data'] = value.trim();
    } else {
      chosen.push(openstack(catalog, 'http://schemas.openstack.org/compute/instance#user_data'));
      ctx['org.openstack.compute.user_data'] = Buffer.from(value, 'utf8').toString('base64');
    }
  }
  const attrs = { ...attributes(values, definitionsFor(kind, chosen)), ...ctx };
  const links: LinkSpec[] = kind.term === 'compute' ? splitCommas(listOf(values, 'link')).map((target) => ({ target })) : [];
  const url = await client.create({ kind: kind.id, mixins: chosen.map((m) => m.id), attributes: attrs, links });
  const seconds = Number(str(values, 'wait-for-active') ?? '0');
  if (seconds > 0) {
    try {
      await client.waitFor(url, readyState(kind), { timeoutMs: seconds * 1000, intervalMs: Math.min(5000, seconds * 1000) });
    } catch (err) {
      // rOCCI-cli warns and goes on: the resource exists, only not active yet.
      if (!(err instanceof WaitError)) throw err;
      io.stderr.write(`[rOCCI-cli] Attempted to wait ${seconds}s for ${JSON.stringify(url)} to become active\n`);
    }
  }
  return url;
}

function openstack(catalog: Catalog, id: string): Mixin {
  const m = catalog.find(id);
  if (m?.class === 'mixin') return m as Mixin;
  throw new LookupError(`the server does not offer the contextualisation mixin ${id}`);
}

async function link(client: OcciClient, catalog: Catalog, values: Values, resource: string, endpoint: string): Promise<string> {
  if (!isInstance(resource, endpoint)) throw new UsageError(`Given resource is not a valid instance URL! ${JSON.stringify(resource)}`);
  const targets = splitCommas(listOf(values, 'link'));
  if (targets.length !== 1) throw new UsageError('You can assign only one link at a time!');
  const target = targets[0];
  const term = /\/(network|ipreservation)\//.test(target) ? 'networkinterface' : /\/storage\//.test(target) ? 'storagelink' : /\/securitygroup\//.test(target) ? 'securitygrouplink' : undefined;
  if (term === undefined) throw new UsageError(`Unknown link target ${JSON.stringify(target)}! Only network and storage targets are supported!`);
  const kind = catalog.kinds.find((k) => k.term === term);
  if (!kind) throw new LookupError(`${JSON.stringify(endpoint)} does not support ${term} links!`);
  const chosen = splitCommas(listOf(values, 'mixin')).map((m) => catalog.resolveMixin(m));
  return client.link(resource, target, { kind: kind.id, mixins: chosen.map((m) => m.id), attributes: attributes(values, definitionsFor(kind, chosen)) });
}

/** `--dump-model`: the query interface as text/plain Category lines, by class (`--filter` keeps one category). */
function dumpModel(catalog: Catalog, filter: string | undefined): string {
  const textPlain = RENDERINGS.find((r) => r.mediaType === 'text/plain')!;
  const rule = '#'.repeat(79);
  const out: string[] = [];
  const groups: Array<[string, readonly (Kind | Mixin | Action)[]]> = [['kinds', catalog.kinds], ['mixins', catalog.mixins], ['actions', catalog.actions]];
  for (const [name, all] of groups) {
    const shown = filter === undefined ? all : all.filter((c) => c.id === filter);
    out.push(rule, `Dumping "@${name}":`, '');
    const body = textPlain.render({ type: 'categories', categories: shown }, { model: catalog.model, baseUrl: '' }).body;
    out.push(...body.split('\r\n').filter((l) => l !== '').flatMap((l) => [l, '']), rule);
  }
  return out.join('\n');
}

