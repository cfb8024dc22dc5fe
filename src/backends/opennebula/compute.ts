import { randomUUID } from 'node:crypto';
import { NotImplementedError, ValidationError } from '../../errors.js';
import {
  COMPUTE, OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA, OS_TPL, RESOURCE_TPL, SSH_KEY, USER_DATA, templateFamily,
  type Attributes, type Entity, type EntityDraft, type Model, type Resource,
} from '../../model/index.js';
import type { EntityChange } from '../backend.js';
import { asText, type OneObject } from './document.js';
import { resolveTarget, linkVector, vmLinks } from './links.js';
import { ARCH_FROM_ONE, ARCH_TO_ONE, gibToMib, mibToGib, versioned, vmStatus } from './mapping.js';
import { isTransport, numberOf, poolItems, type Session } from './session.js';
import { objectAt, templateXml, vectorOf, type TemplateBody, type TemplateValue } from './template-xml.js';
import { templateBody, type Templates } from './templates.js';

/**
 * compute ↔ VM (xml-rpc.md §4.1, §7): title ↔ NAME, summary ↔ DESCRIPTION,
 * cores ↔ VCPU (and CPU, one physical share a core), memory GiB ↔ MEMORY
 * MiB, architecture ↔ OS/ARCH, hostname ↔ CONTEXT/SET_HOSTNAME, ssh_key ↔
 * CONTEXT/SSH_PUBLIC_KEY, user_data ↔ CONTEXT/USER_DATA (base64), state ↔
 * STATE/LCM_STATE (mapping.ts). The os_tpl and resource_tpl a VM was made
 * with are kept in its USER_TEMPLATE (OCCI_OS_TPL, OCCI_RESOURCE_TPL), and
 * so are the context mixins the client named (OCCI_CONTEXT_MIXINS: OCCI's
 * or OpenStack's 1.1-era public_key and user_data, shown as named) and the
 * OpenStack key's name (OCCI_PUBLIC_KEY_NAME), which CONTEXT has no place for.
 */

/** Each context value: OCCI's mixin (the default) or OpenStack's, and the attribute each shows it in. */
const CONTEXT_MIXINS = [
  { mixin: SSH_KEY, attribute: 'occi.credentials.ssh.publickey', value: 'key' },
  { mixin: OPENSTACK_PUBLIC_KEY, attribute: 'org.openstack.credentials.publickey.data', value: 'key' },
  { mixin: USER_DATA, attribute: 'occi.compute.userdata', value: 'data' },
  { mixin: OPENSTACK_USER_DATA, attribute: 'org.openstack.compute.user_data', value: 'data' },
] as const;

/** What rendering a VM needs besides the VM. */
export interface ComputeView {
  readonly model: Model;
  readonly templates: Templates;
  /** User mixins of each location (TagStore). */
  readonly tags: ReadonlyMap<string, string[]>;
}

/** The compute of a VM, with its links, versioned; undefined for a DONE VM. */
export function computeEntity(vm: OneObject, view: ComputeView): Resource | undefined {
  const tpl = objectAt(vm, 'TEMPLATE');
  const user = objectAt(vm, 'USER_TEMPLATE');
  const status = vmStatus(Number(asText(vm.STATE)), Number(asText(vm.LCM_STATE)), asText(user.ERROR));
  if (status.gone) return undefined;
  const context = vectorOf(tpl.CONTEXT) ?? {};
  const location = COMPUTE.location + asText(vm.ID);
  const attributes: Attributes = { 'occi.core.title': asText(vm.NAME) };
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== '' && !Number.isNaN(value)) attributes[name] = value;
  };
  set('occi.core.summary', asText(user.DESCRIPTION));
  set('occi.compute.architecture', ARCH_FROM_ONE[vectorOf(tpl.OS)?.ARCH ?? '']);
  const vcpu = asText(tpl.VCPU) || asText(tpl.CPU);
  if (vcpu !== '') set('occi.compute.cores', Math.max(1, Math.ceil(Number(vcpu))));
  if (asText(tpl.MEMORY) !== '') set('occi.compute.memory', mibToGib(Number(asText(tpl.MEMORY))));
  set('occi.compute.hostname', context.SET_HOSTNAME);
  attributes['occi.compute.state'] = status.state;
  attributes['occi.compute.state.message'] = status.message;
  const known = (id: string | undefined) => (id !== undefined && view.model.findMixin(id) ? [id] : []);
  const mixins = [
    ...known(view.templates.osMixinId(asText(user.OCCI_OS_TPL), asText(tpl.TEMPLATE_ID))),
    ...known(asText(user.OCCI_RESOURCE_TPL) === '' ? undefined : view.templates.resourceScheme + asText(user.OCCI_RESOURCE_TPL)),
  ];
  const encoded = /^base64$/i.test(context.USERDATA_ENCODING ?? context.USER_DATA_ENCODING ?? '');
  const values = {
    key: context.SSH_PUBLIC_KEY || undefined,
    data: context.USER_DATA ? (encoded ? context.USER_DATA : Buffer.from(context.USER_DATA).toString('base64')) : undefined,
  };
  // Under the mixins the client named at creation; OCCI's for a VM made outside OCCI (or before they were kept).
  const named = asText(user.OCCI_CONTEXT_MIXINS).split(/\s+/);
  for (const value of ['key', 'data'] as const) {
    if (values[value] === undefined) continue;
    const of = CONTEXT_MIXINS.filter((c) => c.value === value);
    const chosen = of.filter((c) => named.includes(c.mixin.id));
    for (const c of chosen.length > 0 ? chosen : of.slice(0, 1)) {
      mixins.push(c.mixin.id);
      attributes[c.attribute] = values[value];
      if (c.mixin === OPENSTACK_PUBLIC_KEY) set('org.openstack.credentials.publickey.name', asText(user.OCCI_PUBLIC_KEY_NAME));
    }
  }
  mixins.push(...(view.tags.get(location) ?? []));
  return versioned({
    id: asText(vm.ID), kind: COMPUTE.id, mixins, attributes, location, version: '', owner: asText(vm.UNAME),
    actions: status.actions.map((a) => a.id), links: vmLinks(vm, status, view.tags),
  });
}

/** What creating a VM needs besides the draft. */
export interface ComputeMaker {
  readonly templates: Templates;
  /** Reads a network or image this user may see (for link targets), undefined when absent. */
  find(location: string): Promise<OneObject | undefined>;
}

/**
 * Creates the VM of a compute draft with one.vm.allocate: the os_tpl's VM
 * template (its disks, capacity, context, OS...) without its NICs, the
 * draft's capacity, context and inline links as NIC and DISK vectors. Every
 * link target is checked first (a bad one leaves nothing behind); when the
 * answer to the allocation is lost, the VM it may have made is found by the
 * marker it carries and terminated. Returns the VM ID.
 */
export async function createVm(s: Session, maker: ComputeMaker, d: EntityDraft): Promise<number> {
  const { templates } = maker;
  const os = d.mixins.find((m) => templateFamily(m) === OS_TPL);
  const templateId = os ? templates.templateId(os) : (await templates.forUser(s))[0]?.id;
  const template = templateId === undefined ? undefined : await templates.find(s, templateId);
  if (!template) throw new ValidationError('OCCI_ERR_VALIDATION_CATEGORY', os ? `${os.id} is not a VM template you may use` : 'no VM template is offered to you: name an os_tpl');
  const vectors: TemplateBody = [];
  for (const l of d.links) {
    const { name, vector } = linkVector(l, await resolveTarget(l, maker.find));
    vectors.push([name, vector]);
  }
  const a = d.attributes;
  const body = templateBody(template).filter(([name]) => name !== 'CONTEXT');
  const put = (name: string, value: TemplateValue) => {
    for (let i = body.length - 1; i >= 0; i--) if (body[i][0] === name) body.splice(i, 1);
    body.push([name, value]);
  };
  if (typeof a['occi.compute.cores'] === 'number') {
    put('VCPU', a['occi.compute.cores']);
    put('CPU', a['occi.compute.cores']);
  }
  if (typeof a['occi.compute.memory'] === 'number') put('MEMORY', gibToMib(a['occi.compute.memory']));
  if (typeof a['occi.compute.architecture'] === 'string') {
    put('OS', { ...vectorOf(template.body.OS), ARCH: ARCH_TO_ONE[a['occi.compute.architecture']] ?? a['occi.compute.architecture'] });
  }
  if (typeof a['occi.core.title'] === 'string' && a['occi.core.title'] !== '') put('NAME', a['occi.core.title']);
  if (typeof a['occi.core.summary'] === 'string') put('DESCRIPTION', a['occi.core.summary']);
  const context: Record<string, string> = { ...(vectorOf(template.body.CONTEXT) ?? { NETWORK: 'YES' }) };
  const key = a['occi.credentials.ssh.publickey'] ?? a['org.openstack.credentials.publickey.data'];
  const data = a['occi.compute.userdata'] ?? a['org.openstack.compute.user_data'];
  const named = CONTEXT_MIXINS.filter((c) => d.mixins.some((m) => m.id === c.mixin.id)).map((c) => c.mixin.id);
  const keyName = a['org.openstack.credentials.publickey.name'];
  if (typeof key === 'string') context.SSH_PUBLIC_KEY = key;
  if (typeof data === 'string') Object.assign(context, { USER_DATA: data, USERDATA_ENCODING: 'base64' });
  if (typeof a['occi.compute.hostname'] === 'string') context.SET_HOSTNAME = a['occi.compute.hostname'];
  const marker = randomUUID();
  const resource = d.mixins.find((m) => templateFamily(m) === RESOURCE_TPL && m.scheme === templates.resourceScheme);
  body.push(
    ['CONTEXT', context], ...vectors, ['TEMPLATE_ID', template.id], ['OCCI_OS_TPL', templates.term(template)], ['OCCI_REQUEST', marker],
    ...(resource ? [['OCCI_RESOURCE_TPL', resource.term] as const] : []),
    ...(named.length > 0 ? [['OCCI_CONTEXT_MIXINS', named.join(' ')] as const] : []),
    ...(typeof keyName === 'string' && keyName !== '' ? [['OCCI_PUBLIC_KEY_NAME', keyName] as const] : []),
  );
  try {
    return Number(await s.call('one.vm.allocate', templateXml(body), false));
  } catch (err) {
    if (isTransport(err)) await terminateByMarker(s.unbounded(), marker);
    throw err;
  }
}

/** Finds the VM a lost allocation made (by its OCCI_REQUEST marker) and terminates it; best effort. */
async function terminateByMarker(s: Session, marker: string): Promise<void> {
  try {
    const pool = await s.doc('one.vmpool.infoextended', 'VM_POOL', -3, -1, -1, -1);
    for (const vm of poolItems(pool, 'VM')) {
      if (asText(objectAt(vm, 'USER_TEMPLATE').OCCI_REQUEST) === marker) await s.call('one.vm.action', 'terminate-hard', numberOf(vm.ID, 'VM/ID'));
    }
  } catch {
    // oned is still away: the VM carries the marker for an operator to find
  }
}

/** Attributes of a compute this backend can change after creation, and how. */
const CHANGEABLE = new Set(['occi.core.title', 'occi.core.summary', 'occi.compute.cores', 'occi.compute.memory', 'occi.compute.state', 'occi.compute.state.message']);

/**
 * What a change of a compute asks of oned, checked before anything is sent:
 * a new size is one.vm.resize (oned takes it only while the VM is powered
 * off or undeployed: 409 otherwise), a new title one.vm.rename, a new summary
 * or resource_tpl one.vm.update of USER_TEMPLATE. A new os_tpl, context
 * (ssh key, user data, hostname) or architecture needs a new VM: 501.
 */
export function computeChanges(change: EntityChange, templates: Templates): Array<[method: string, ...params: Array<string | number | boolean>]> {
  const { before, after } = change;
  const id = Number(before.id);
  const os = (e: Entity) => e.mixins.filter((m) => m.startsWith(templates.osScheme)).join(' ');
  if (os(before) !== os(after)) throw new NotImplementedError(`changing the os_tpl of ${before.location}: OpenNebula cannot rebuild a VM; create a new compute`);
  const names = new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)]);
  const changed = [...names].filter((n) => after.attributes[n] !== undefined && after.attributes[n] !== before.attributes[n]);
  for (const n of changed) {
    if (!CHANGEABLE.has(n)) throw new NotImplementedError(`changing ${n} of ${before.location}: OpenNebula sets it only when the VM is created`);
  }
  for (const m of [SSH_KEY, USER_DATA, OPENSTACK_PUBLIC_KEY, OPENSTACK_USER_DATA]) {
    if (before.mixins.includes(m.id) !== after.mixins.includes(m.id)) throw new NotImplementedError(`adding or removing ${m.term} of ${before.location}: OpenNebula reads the context only when the VM is created`);
  }
  const calls: Array<[string, ...Array<string | number | boolean>]> = [];
  const size: TemplateBody = [];
  if (changed.includes('occi.compute.cores')) size.push(['VCPU', after.attributes['occi.compute.cores'] as number], ['CPU', after.attributes['occi.compute.cores'] as number]);
  if (changed.includes('occi.compute.memory')) size.push(['MEMORY', gibToMib(after.attributes['occi.compute.memory'] as number)]);
  if (size.length > 0) calls.push(['one.vm.resize', id, templateXml(size), false]);
  if (changed.includes('occi.core.title')) calls.push(['one.vm.rename', id, String(after.attributes['occi.core.title'])]);
  const user: TemplateBody = [];
  if (changed.includes('occi.core.summary')) user.push(['DESCRIPTION', String(after.attributes['occi.core.summary'])]);
  const resource = after.mixins.find((m) => m.startsWith(templates.resourceScheme));
  if (resource !== before.mixins.find((m) => m.startsWith(templates.resourceScheme))) user.push(['OCCI_RESOURCE_TPL', resource?.slice(templates.resourceScheme.length) ?? '']);
  if (user.length > 0) calls.push(['one.vm.update', id, templateXml(user), 1]);
  return calls;
}
