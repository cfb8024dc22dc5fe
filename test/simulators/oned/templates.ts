import { tplMerge, tplString, type Tpl } from './one-template.js';
import { authorize, bool, CODE, fail, int, invalidName, OnedFailure, poolFilter, str, type Call, type Method } from './rpc.js';
import { UMASK_177, type OnedState, type Perms, type VmTemplate } from './state.js';
import { createVm, VmTemplateError } from './vm-build.js';
import { parseOrFail } from './vms.js';
import { node, vmTemplateXml } from './xml.js';

export function seedTemplate(state: OnedState, name: string, gid: number, perms: Perms, template: Tpl): VmTemplate {
  const id = state.takeId('template');
  const t: VmTemplate = { id, uid: 0, gid, name, perms, regtime: state.now(), template };
  state.templates.set(id, t);
  return t;
}

/**
 * one.template.instantiate (xml-rpc.md §4.2): the stored template with the
 * extra one merged over it (a vector given there replaces the whole
 * attribute), TEMPLATE_ID added, then allocated as the caller's VM.
 */
function instantiate(call: Call): number {
  const t = authorize(call, call.state.templates, int(call, 0), 'virtual machine template', 'TEMPLATE', 'USE');
  const name = str(call, 1);
  const onHold = bool(call, 2);
  const extra = call.args.length > 3 ? parseOrFail(str(call, 3)) : [];
  const merged = tplMerge(t.template, extra);
  const onHoldAttr = tplString(merged, 'SUBMIT_ON_HOLD')?.toUpperCase() === 'YES';
  try {
    return createVm(call, merged, { onHold: onHold || onHoldAttr, name: name || undefined, templateId: t.id, templateName: t.name });
  } catch (err) {
    if (err instanceof VmTemplateError) throw fail.allocate('virtual machine template', err.message);
    // Quotas and permissions stay AUTHORIZATION; anything else of the allocation is an ALLOCATE error.
    if (err instanceof OnedFailure && err.code !== CODE.AUTHORIZATION) throw fail.allocate('virtual machine template', err.text);
    throw err;
  }
}

function allocate(call: Call): number {
  const { state, user } = call;
  const tpl = parseOrFail(str(call, 0));
  const name = tplString(tpl, 'NAME');
  if (name === undefined) throw fail.allocate('virtual machine template', 'No NAME in template.');
  const bad = invalidName(name);
  if (bad) throw fail.allocate('virtual machine template', bad);
  const clash = [...state.templates.values()].find((t) => t.uid === user.id && t.name === name);
  if (clash) throw fail.allocate('virtual machine template', `NAME is already taken by TEMPLATE ${clash.id}.`);
  const id = state.takeId('template');
  state.templates.set(id, {
    id, uid: user.id, gid: user.gid, name, perms: UMASK_177, regtime: state.now(), template: tpl.filter((a) => a.name !== 'NAME'),
  });
  return id;
}

function remove(call: Call): number {
  const id = int(call, 0);
  authorize(call, call.state.templates, id, 'virtual machine template', 'TEMPLATE', 'MANAGE');
  call.state.templates.delete(id);
  return id;
}

export const TEMPLATE_METHODS: Record<string, Method> = {
  'one.template.info': {
    params: ['int'], optional: ['boolean', 'boolean'],
    run: (call) => vmTemplateXml(call.state, authorize(call, call.state.templates, int(call, 0), 'virtual machine template', 'TEMPLATE', 'USE')),
  },
  'one.templatepool.info': {
    params: ['int', 'int', 'int'],
    run: (call) => node('VMTEMPLATE_POOL', poolFilter(call, call.state.templates.values(), int(call, 0), int(call, 1), int(call, 2))
      .map((t) => vmTemplateXml(call.state, t)).join('')),
  },
  // on_hold and extra_template come as a pair: four parameters after the session fault with -501.
  'one.template.instantiate': { params: ['int', 'string'], optional: ['boolean', 'string', 'boolean'], forbiddenCounts: [3], run: instantiate },
  'one.template.allocate': { params: ['string'], run: allocate },
  'one.template.delete': { params: ['int'], optional: ['boolean'], run: remove },
};
