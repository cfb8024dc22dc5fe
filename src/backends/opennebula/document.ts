import { parseXmlTree, XmlSyntaxError, type XmlNode } from './_xml-tree.js';
import { XmlRpcProtocolError } from './errors.js';

/**
 * An OpenNebula document as plain data: a leaf (or empty element) is its text,
 * an element with children an object, and an element the XSDs allow more
 * than once an array, even when it occurs once. Values stay strings: the
 * XSDs type many as strings (CPU "0.5", VLAN_ID "") and the caller knows which
 * are numbers.
 */
export type OneValue = string | OneObject | OneValue[];
export interface OneObject {
  [element: string]: OneValue;
}

/** Elements that repeat wherever they occur (vm.xsd, vnet.xsd, user.xsd, image.xsd, shared.xsd). */
const ALWAYS_LIST = new Set([
  'DISK', 'NIC', 'NIC_ALIAS', 'PCI', 'HISTORY', 'SNAPSHOT', 'SNAPSHOTS', 'SCHED_ACTION', 'SECURITY_GROUP_RULE',
  'DISK_SIZE', 'AR', 'LEASE', 'LOGIN_TOKEN', 'QUOTAS', 'INCREMENT',
]);

/** Containers of `<ID>` lists (shared.xsd type IDS and its copies). */
const ID_LISTS = new Set([
  'VMS', 'CLONES', 'APP_CLONES', 'GROUPS', 'CLUSTERS', 'USERS', 'ADMINS', 'IMAGES', 'VROUTERS', 'UPDATED_VMS',
  'OUTDATED_VMS', 'UPDATING_VMS', 'ERROR_VMS', 'SCHED_ACTIONS', 'BACKUP_IDS', 'BACKUP_DISK_IDS', 'HOSTS',
  'DATASTORES', 'VNETS', 'TEMPLATES', 'ROLES',
]);

/** Quota sections and the entry each repeats. */
const QUOTA_ENTRY: Record<string, string> = {
  DATASTORE_QUOTA: 'DATASTORE', NETWORK_QUOTA: 'NETWORK', VM_QUOTA: 'VM', IMAGE_QUOTA: 'IMAGE',
};

function isList(parent: string, child: string): boolean {
  if (ALWAYS_LIST.has(child)) return true;
  if (child === 'ID') return ID_LISTS.has(parent);
  if (parent.endsWith('_POOL')) return !child.startsWith('DEFAULT_');
  return QUOTA_ENTRY[parent] === child;
}

function define(obj: OneObject, key: string, value: OneValue): void {
  // defineProperty, not assignment: an element named __proto__ must stay data.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function convert(node: XmlNode): OneValue {
  if (node.children.length === 0) return node.text;
  const out: OneObject = {};
  for (const child of node.children) {
    const value = convert(child);
    const seen = Object.prototype.hasOwnProperty.call(out, child.name) ? out[child.name] : undefined;
    if (isList(node.name, child.name)) {
      if (Array.isArray(seen)) seen.push(value);
      else define(out, child.name, [value]);
    } else if (seen === undefined) {
      define(out, child.name, value);
    } else {
      // A repeat the XSDs did not announce (a custom USER_TEMPLATE attribute given twice): keep both.
      define(out, child.name, Array.isArray(seen) ? [...seen, value] : [seen, value]);
    }
  }
  return out;
}

/**
 * Parses the XML string oned returns from `one.*.info` into plain data and
 * checks its root element. `<VM_POOL/>` gives `{}`.
 *
 * @example
 *   const pool = parseOnedDocument(xml, 'VM_POOL');
 *   for (const vm of asList(pool.VM)) console.log((vm as OneObject).NAME);
 */
export function parseOnedDocument(xml: string, root: string): OneObject {
  let tree: XmlNode;
  try {
    tree = parseXmlTree(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new XmlRpcProtocolError(`oned sent a broken ${root} document: ${err.message}`, undefined, { cause: err });
    throw err;
  }
  if (tree.name !== root) throw new XmlRpcProtocolError(`expected a <${root}> document, got <${tree.name}>`);
  const body = convert(tree);
  return typeof body === 'string' ? {} : (body as OneObject);
}

/** The value as a list: `undefined` and `''` (an empty element) give `[]`. */
export function asList(value: OneValue | undefined): OneValue[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** The value as text: `undefined` and objects give `''`. */
export function asText(value: OneValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
